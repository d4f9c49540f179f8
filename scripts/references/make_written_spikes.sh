#!/usr/bin/env bash
# Write tests/data/written/spikes_by_{time,id}.h5 with cortexview's spike writer
# (examples/write_spikes_sample.rs) and record what libsonata and bmtk read back from them
# (tests/data/written/spikes_by_{time,id}.readback.json). tests/sonata_spikes_writer.rs checks both.
set -euo pipefail
PEERS_DIR="${PEERS_DIR:-$HOME/.cache/cortexview-peers}"
PY="$PEERS_DIR/venv/bin/python"
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
OUT=tests/data/written  # relative: the read-back JSON records the path
cd "$REPO"
cargo run --quiet --example write_spikes_sample -- "$OUT"
for order in by_time by_id; do
    "$PY" scripts/references/read_back_spikes.py "$OUT/spikes_$order.h5" "$OUT/spikes_$order.readback.json"
done
