#!/usr/bin/env bash
# Installs the Debian packages this project needs that the machine lacks; skips what is present.
#   third_party/install_deps.sh           build + test dependencies
#   third_party/install_deps.sh --peers   also the peer event libraries and tools the benchmarks use
set -euo pipefail

packages=(cmake ninja-build g++ pkg-config python3 libasio-dev libgflags-dev libgtest-dev libgmock-dev
          libbenchmark-dev clang libclang-rt-14-dev socat curl apache2-utils)
if [[ "${1:-}" == "--peers" ]]; then
  packages+=(libuv1-dev libev-dev libevent-dev valgrind gnuplot-nox strace haproxy nginx-light wrk)
elif [[ -n "${1:-}" ]]; then
  echo "usage: $0 [--peers]" >&2
  exit 2
fi

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "Installing: ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
