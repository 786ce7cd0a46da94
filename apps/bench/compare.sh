#!/usr/bin/env bash
# Benchmarks echo_server against the peer echo servers and writes docs/benchmarks.md.
# The work is done by compare.py (Python 3 standard library); see --help.
exec python3 "$(dirname "$0")/compare.py" "$@"
