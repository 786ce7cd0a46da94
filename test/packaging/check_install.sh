#!/usr/bin/env bash
# Installs the built library into a temporary prefix, then builds and runs a consumer project
# against it twice: through find_package(reactor) and through pkg-config.
set -euo pipefail
build_dir=$1
flags=${2:-}  # the build's compiler flags (sanitizers must match)
source_dir=$(cd "$(dirname "$0")" && pwd)/consumer
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
cmake -S "$source_dir" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" >/dev/null
cmake --build "$work/build" >/dev/null
"$work/build/consumer_cmake"
"$work/build/consumer_pkgconfig"
echo "installed package works through find_package and pkg-config"
