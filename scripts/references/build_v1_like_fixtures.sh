#!/usr/bin/env bash
# Build the small V1-like test networks with /work/shared/peers/build_v1_like.py (bmtk NetworkBuilder)
# and copy them into tests/data/v1_like_n300_{gzip,none,pep_gzip}/ (about 0.45, 1.4 and 0.55 MB).
# N=300 with --k-rec 80 --k-lgn 16 (instead of 200/40) keeps the uncompressed copy under 1.5 MB.
set -euo pipefail
PEERS_DIR="${PEERS_DIR:-$HOME/.cache/cortexview-peers}"
PY="$PEERS_DIR/venv/bin/python"
PEERS_SCRIPTS="${PEERS_SCRIPTS:-/work/shared/peers}"
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
# v1_like_n300_pep_gzip: --per-edge-props (per-edge syn_weight/delay in the h5 group, overriding the
# edge_types.csv values); only implemented by the vectorised --edges fast writer.
for variant in gzip none pep_gzip; do
    name="v1_like_n300_$variant"
    build="$PEERS_DIR/nets/$name"
    case $variant in
        pep_gzip) extra=(--edges fast --per-edge-props --compression gzip) ;;
        *) extra=(--edges bmtk --compression "$variant") ;;
    esac
    "$PY" "$PEERS_SCRIPTS/build_v1_like.py" --n 300 --k-rec 80 --k-lgn 16 --seed 1 "${extra[@]}" --out "$build"
    dst="$REPO/tests/data/$name"
    rm -rf "$dst"; mkdir -p "$dst"
    cp -r "$build/network" "$build/components" "$build/inputs" "$build/node_sets.json" "$build/config.json" "$build/build_info.json" "$dst/"
    # build_info.json records the absolute --out path: make it relative to the copy
    "$PY" - "$dst/build_info.json" "$name" <<'PY'
import json, sys
p, name = sys.argv[1], sys.argv[2]
d = json.load(open(p))
d["args"]["out"] = "."
d["copied_from"] = f"$PEERS_DIR/nets/{name}"
json.dump(d, open(p, "w"), indent=2)
PY
    if grep -rl "$HOME\|/root/\|/work/" "$dst" --include=*.json; then echo "absolute path left in $dst" >&2; exit 1; fi
    du -sh --apparent-size "$dst"
done
