#!/usr/bin/env bash
# NEST references for the built-in demo column: export small demos (iaf_psc_alpha and glif_psc,
# 500 cells, 500 ms) with `cortexview demo`, run them in NEST 3.10 with the peers' h5py loader,
# and keep the networks and NEST's spikes under tests/data/demo_ref/ (tests/demo_nest_equality.rs
# compares cortexview's spikes with them, spike for spike).
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

cargo build --release --quiet
BIN=${CARGO_TARGET_DIR:-target}/release/cortexview
mkdir -p "$OUT"
for model in iaf glif; do
  net="$OUT/${model}_n${CELLS}"
  rm -rf "$net"
  flag=""
  [ "$model" = glif ] && flag="--glif"
  "$BIN" demo --out "$net" --cells "$CELLS" --seed "$SEED" --tstop "$TSTOP" --gzip 4 $flag
  "$PY" "$RUNNER" "$net" --mode h5py | grep '^RESULT' | sed 's/^RESULT //' > "$OUT/${model}_nest_result.json"
  mv "$net/output_nest_h5py/spikes.h5" "$OUT/${model}_nest_spikes.h5"
  rm -rf "$net/output_nest_h5py" "$net/output"
done
"$PY" - "$OUT" "$CELLS" "$TSTOP" "$SEED" <<'PYEOF'
import json, sys, nest
out, cells, tstop, seed = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
json.dump({"made_by": "scripts/demo_references/make_refs.sh", "nest": nest.__version__,
           "runner": "shared/peers/run_nest_sonata.py --mode h5py",
           "cells": cells, "tstop_ms": tstop, "seed": seed,
           "cases": {m: {"net": f"{m}_n{cells}", "spikes": f"{m}_nest_spikes.h5"} for m in ("iaf", "glif")}},
          open(f"{out}/manifest.json", "w"), indent=2)
PYEOF
echo "references in $OUT"
