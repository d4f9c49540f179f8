#!/usr/bin/env bash
# Installs the system packages cortexview's build needs on a fresh Debian/Ubuntu machine with
# Rust. Idempotent; run as root (or with sudo).
#
# What and why:
#   build-essential  a C compiler and make: the bundled HDF5 and zlib are compiled from source
#                    (hdf5-metno's `static` feature), so users need no system HDF5 at run time.
#   cmake >= 3.26    builds that bundled HDF5. Debian 12 ships 3.25, so when the system cmake is
#                    older, a current cmake from PyPI goes into /opt/cortexview-cmake and is linked
#                    as /usr/local/bin/cmake (ahead of /usr/bin on PATH).
#   python3-venv     only to make that cmake venv.
#   mesa-vulkan-drivers libvulkan1
#                    the viewer (feature `viewer`): Mesa's lavapipe, a software Vulkan adapter,
#                    so `cortexview render` and the view_* tests draw without a GPU.
#   xvfb xauth libx11-6 libx11-xcb1 libxcursor1 libxrandr2 libxi6 libxkbcommon-x11-0
#                    a window under Xvfb (X11 and xkbcommon are loaded at run time, no -dev).
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

need_apt=()
command -v cc >/dev/null 2>&1 || need_apt+=(build-essential)
command -v make >/dev/null 2>&1 || need_apt+=(make)

cmake_ok() {
  command -v cmake >/dev/null 2>&1 || return 1
  local v
  v=$(cmake --version | head -n1 | awk '{print $3}')
  [ "$(printf '%s\n3.26\n' "$v" | sort -V | head -n1)" = "3.26" ]
}

if ! cmake_ok; then
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need_apt+=(python3-venv)
fi

for pkg in mesa-vulkan-drivers libvulkan1 xvfb xauth libx11-6 libx11-xcb1 libxcursor1 \
  libxrandr2 libxi6 libxkbcommon-x11-0; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done

if [ ${#need_apt[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${need_apt[@]}" python3
fi

if ! cmake_ok; then
  $SUDO python3 -m venv /opt/cortexview-cmake
  $SUDO /opt/cortexview-cmake/bin/pip install -q "cmake>=3.26"
  $SUDO ln -sf /opt/cortexview-cmake/bin/cmake /usr/local/bin/cmake
fi

echo "cortexview build prerequisites: cc $(cc -dumpversion), $(cmake --version | head -n1)"
