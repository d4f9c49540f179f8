#!/usr/bin/env bash
# Runs on the GPU machine (from the repository root, with .dev and .gl carried): the viewer's
# frame rates on the 230,924-neuron network, frames kept inside the data, and Bevy's fixed frame
# cost on the bundled 300-neuron network. Results also go to $OUT/bench_view.txt.
for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig
export XDG_RUNTIME_DIR=/tmp/xdg; mkdir -p $XDG_RUNTIME_DIR
OUT=${OUT:-/tmp}
nvidia-smi -L
if ! ls /usr/share/vulkan/icd.d/*nvidia* /etc/vulkan/icd.d/*nvidia* >/dev/null 2>&1; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
cd .dev && xz -dkf bench_view.xz && chmod +x bench_view
for r in "1280 720 100 270" "1920 1080 100 270" "3840 2160 100 270" "1280 720 1000 27" "3840 2160 1000 27"; do
  set -- $r
  echo "=== bench_view ${1}x${2} speed $3 ms/s, $4 frames" | tee -a $OUT/bench_view.txt
  timeout 90 ./bench_view net --frames $4 --width $1 --height $2 --speed $3 2>&1 | grep -v "^\s*$" | tail -4 | tee -a $OUT/bench_view.txt
done
echo "=== 300-neuron network (Bevy's fixed per-frame cost), 1280x720" | tee -a $OUT/bench_view.txt
timeout 60 ./bench_view ../tests/data/v1_like_n300_none --frames 270 --t0 0 2>&1 | grep -v "^\s*$" | tail -4 | tee -a $OUT/bench_view.txt
