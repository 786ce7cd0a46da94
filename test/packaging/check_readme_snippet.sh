#!/usr/bin/env bash
# Compiles and links the first ```cpp block of README.md as a program against the built library,
# exactly as a reader would copy it, so that the snippet cannot drift from the API.
#   check_readme_snippet.sh README SOURCE_DIR COMPILER LIBRARY "FLAGS"
set -euo pipefail
readme=$1 source_dir=$2 compiler=$3 library=$4 flags=${5:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
awk '/^```cpp$/ { inside = 1; next } inside && /^```$/ { exit } inside' "$readme" >"$work/snippet.cc"
if [[ ! -s "$work/snippet.cc" ]]; then
  echo "no \`\`\`cpp block in $readme" >&2
  exit 1
fi
# shellcheck disable=SC2086  # FLAGS is a list of compiler flags
"$compiler" -std=c++17 $flags -I"$source_dir" "$work/snippet.cc" "$library" -pthread -o "$work/snippet"
echo "the README snippet compiles and links"
