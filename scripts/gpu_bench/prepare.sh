#!/usr/bin/env bash
# Packs the viewer benchmark for a GPU machine that has no Rust and no network (the `device`
# tool's machines): a stripped, xz-compressed bench_view, the 230,924-neuron V1-like network's
# nodes (gzip) and its output spikes, and the Vulkan loader packages. Everything goes into .dev/
# and .gl/ (ignored by git; add `/.dev/` and `/.gl/` to .git/info/exclude), which the device
# call carries. Then run there: `bash scripts/gpu_bench/run.sh` with carry [".dev", ".gl"].
#
# usage: scripts/gpu_bench/prepare.sh [NET_DIR]   (default ~/.cache/cortexview-peers/nets/v1_iaf_n230924)
# Needs python3 with h5py (the peers' venv: ~/.cache/cortexview-peers/venv/bin/python).
set -euo pipefail
cd "$(dirname "$0")/../.."
NET=${1:-$HOME/.cache/cortexview-peers/nets/v1_iaf_n230924}
PY=${PYTHON:-$HOME/.cache/cortexview-peers/venv/bin/python}
cargo build --release --example bench_view
rm -rf .dev && mkdir -p .dev/net/network .dev/net/output
strip -o .dev/bench_view target/release/examples/bench_view
xz -T2 -6 .dev/bench_view
cp "$NET"/network/*_node_types.csv "$NET"/node_sets.json .dev/net/ 2>/dev/null || true
mv .dev/net/*_node_types.csv .dev/net/network/
# nodes and spikes rewritten with gzip (the whole tree travels in 64 MiB)
"$PY" - "$NET" <<'PY'
import json, sys, h5py
net = sys.argv[1]
def copy(src, dst):
    with h5py.File(src) as f, h5py.File(dst, "w") as g:
        def walk(name, obj):
            if isinstance(obj, h5py.Dataset):
                kw = dict(compression="gzip", shuffle=True, chunks=True) if obj.ndim and obj.size else {}
                g.create_dataset(name, data=obj[()], **kw)
                dst_obj = g[name]
            else:
                dst_obj = g.require_group(name)
            for k in obj.attrs:  # keep enum types (e.g. the spikes' `sorting`)
                dst_obj.attrs.create(k, obj.attrs[k], dtype=obj.attrs.get_id(k).dtype)
        f.visititems(walk)
cfg = json.load(open(f"{net}/config.json"))
for entry in cfg["networks"]["nodes"]:
    name = entry["nodes_file"].split("/")[-1]
    copy(f"{net}/network/{name}", f".dev/net/network/{name}")
copy(f"{net}/output/spikes.h5", ".dev/net/output/spikes.h5")
cfg["networks"]["edges"] = []  # the viewer benchmark reads nodes and spikes only
cfg["inputs"] = {}
json.dump(cfg, open(".dev/net/config.json", "w"), indent=1)
PY
if [ ! -d .gl ]; then
  mkdir -p .gl /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  apt-get $o update -qq
  (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
fi
du -sh .dev .gl
