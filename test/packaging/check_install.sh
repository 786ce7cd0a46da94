#!/usr/bin/env bash
# Installs the library into temporary prefixes and builds and runs a consumer project against each,
# through find_package(reactor) and through pkg-config (reactor and reactor-testing):
#   1. this build's library, as configured;
#   2. a library-only build with BUILD_SHARED_LIBS=ON, which the consumer runs through its RPATH;
#   3. a library-only static build with REACTOR_PIC=ON, which the consumer links into a shared
#      object of its own.
# The pkg-config route is taken twice: by CMake's pkg_check_modules, and on a plain command line
# with -std=c++20 before the package's flags, as a Makefile would, which a -std flag in the
# package would silently downgrade.
#   check_install.sh BUILD_DIR SOURCE_DIR BUILD_TYPE COMPILER "FLAGS"
set -euo pipefail
build_dir=$1
source_dir=$2
build_type=$3
compiler=$4
flags=${5:-}  # the build's compiler flags (sanitizers must match)
consumer_dir=$source_dir/test/packaging/consumer
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# consume NAME PLUGIN: builds the consumer against $work/NAME/prefix and runs its programs.
consume() {
  local name=$1 plugin=$2 dir=$work/$1
  cmake -S "$consumer_dir" -B "$dir/consumer" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" \
    -DCMAKE_PREFIX_PATH="$dir/prefix" -DCONSUMER_PLUGIN="$plugin" \
    -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" \
    -DCMAKE_SHARED_LINKER_FLAGS="$flags" >/dev/null
  cmake --build "$dir/consumer" >/dev/null
  "$dir/consumer/consumer_cmake"
  "$dir/consumer/consumer_pkgconfig"
  # shellcheck disable=SC2046,SC2086  # word splitting of the flag lists is intended
  "$compiler" -std=c++20 -DCONSUMER_CXX_STANDARD=202002L $flags "$consumer_dir/main.cc" \
    $(PKG_CONFIG_PATH="$dir/prefix/lib/pkgconfig" pkg-config --cflags --libs reactor-testing) \
    -o "$dir/consumer/consumer_command_line"
  LD_LIBRARY_PATH="$dir/prefix/lib" "$dir/consumer/consumer_command_line"
  if [[ $plugin == ON ]]; then
    "$dir/consumer/consumer_plugin_host"
  fi
  echo "$name: the installed package works through find_package and pkg-config"
}

# library_only NAME CMAKE_ARGS...: builds and installs the library alone into $work/NAME/prefix.
library_only() {
  local name=$1 dir=$work/$1
  shift
  cmake -S "$source_dir" -B "$dir/build" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" \
    -DREACTOR_BUILD_APPS=OFF -DREACTOR_BUILD_TESTS=OFF -DREACTOR_BUILD_BENCHMARKS=OFF \
    -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" \
    -DCMAKE_SHARED_LINKER_FLAGS="$flags" "$@" >/dev/null
  cmake --build "$dir/build" >/dev/null
  cmake --install "$dir/build" --prefix "$dir/prefix" >/dev/null
}

cmake --install "$build_dir" --prefix "$work/this_build/prefix" >/dev/null
consume this_build OFF

library_only shared -DBUILD_SHARED_LIBS=ON
consume shared ON
# They ran on the installed shared libraries, not on static copies.
for program in consumer_cmake consumer_pkgconfig; do
  for library in libreactor libreactor_testing; do
    if ! readelf -d "$work/shared/consumer/$program" | grep -q "NEEDED.*\[$library\.so"; then
      echo "$program does not load $library.so" >&2
      exit 1
    fi
  done
done

library_only static_pic -DREACTOR_PIC=ON
consume static_pic ON
