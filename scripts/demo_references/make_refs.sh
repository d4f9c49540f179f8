#!/usr/bin/env bash
# References for the built-in demo column: export small demos (iaf_psc_alpha and glif_psc,
# 500 cells, 500 ms) with `cortexview demo`, run each export as it is in NEST 3.10 (the peers'
# h5py loader) and in BMTK PointNet (as `pip install bmtk nest-simulator` gives them), and keep
# the networks and both simulators' spikes under tests/data/demo_ref/. tests/demo_nest_equality.rs
# compares cortexview's spikes with them, spike for spike. bmtk_builder_dtypes.py records what
# BMTK's own NetworkBuilder writes (dtypes included), which the export must match
# (tests/demo_export_bmtk.rs).
#
# usage: scripts/demo_references/make_refs.sh      (needs the peers' venv: scripts/setup_peers.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
PEERS_DIR=${PEERS_DIR:-$HOME/.cache/cortexview-peers}
PY=$PEERS_DIR/venv/bin/python
RUNNER=${RUNNER:-$(cd .. && pwd)/shared/peers/run_nest_sonata.py}
OUT=tests/data/demo_ref
CELLS=500
TSTOP=500
SEED=1

# the export does not depend on the build profile; a debug build without the viewer is quick
cargo build --no-default-features --quiet
BIN=${CARGO_TARGET_DIR:-target}/debug/cortexview
mkdir -p "$OUT"
"$PY" scripts/demo_references/bmtk_builder_dtypes.py "$OUT/bmtk_builder_dtypes.json"
for model in iaf glif; do
  net="$OUT/${model}_n${CELLS}"
  rm -rf "$net"
  flag=""
  [ "$model" = glif ] && flag="--glif"
  "$BIN" demo --out "$net" --cells "$CELLS" --seed "$SEED" --tstop "$TSTOP" --gzip 4 $flag
  "$PY" "$RUNNER" "$net" --mode h5py | grep '^RESULT' | sed 's/^RESULT //' > "$OUT/${model}_nest_result.json"
  mv "$net/output_nest_h5py/spikes.h5" "$OUT/${model}_nest_spikes.h5"
  rm -rf "$net/output_nest_h5py" "$net/output"
  # BMTK PointNet on the export as written (its config.json, BMTK's one-file config)
  (cd "$net" && "$PY" - <<'PYEOF'
from bmtk.simulator import pointnet
configure = pointnet.Config.from_json("config.json")
configure.build_env()
network = pointnet.PointNetwork.from_config(configure)
sim = pointnet.PointSimulator.from_config(configure, network)
sim.run()
PYEOF
  )
  mv "$net/output/spikes.h5" "$OUT/${model}_bmtk_spikes.h5"
  rm -rf "$net/output"
done
"$PY" - "$OUT" "$CELLS" "$TSTOP" "$SEED" <<'PYEOF'
import json, sys, nest, bmtk
out, cells, tstop, seed = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
json.dump({"made_by": "scripts/demo_references/make_refs.sh", "nest": nest.__version__,
           "bmtk": bmtk.__version__,
           "runner": "shared/peers/run_nest_sonata.py --mode h5py",
           "cells": cells, "tstop_ms": tstop, "seed": seed,
           "cases": {m: {"net": f"{m}_n{cells}", "spikes": f"{m}_nest_spikes.h5",
                         "bmtk_spikes": f"{m}_bmtk_spikes.h5"} for m in ("iaf", "glif")}},
          open(f"{out}/manifest.json", "w"), indent=2)
PYEOF
echo "references in $OUT"
