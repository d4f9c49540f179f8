#!/usr/bin/env bash
# Create the Python environment with the peer libraries used to produce reference data
# (scripts/references/make_references.py, read_back_spikes.py, bench_libsonata_load.py).
# Idempotent: re-running only installs what is missing.
set -euo pipefail
PEERS_DIR="${PEERS_DIR:-$HOME/.cache/cortexview-peers}"
PYTHON="${PYTHON:-python3}"
mkdir -p "$PEERS_DIR"
if [ ! -x "$PEERS_DIR/venv/bin/python" ]; then
    "$PYTHON" -m venv "$PEERS_DIR/venv"
fi
"$PEERS_DIR/venv/bin/python" -m pip install --upgrade pip >/dev/null
"$PEERS_DIR/venv/bin/python" -m pip install \
    nest-simulator==3.10.0 bmtk libsonata h5py "numpy==2.3.5" "pandas==2.3.3"
"$PEERS_DIR/venv/bin/python" - <<'PY'
import importlib.metadata as md
for p in ["nest-simulator", "bmtk", "libsonata", "h5py", "numpy", "pandas"]:
    print(p, md.version(p))
PY
echo "activate with: . $PEERS_DIR/venv/bin/activate"
