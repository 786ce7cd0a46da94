#!/usr/bin/env python3
"""Checks that the code a document quotes is still the code in the repository.

A fenced code block whose first line is a quote marker,
    // from path/to/file.cc      (or  # from path/to/file  for shell, CMake, Python)
quotes that file: the rest of the block must appear in it verbatim. A line that is only
"// ..." (or "# ...") inside a quote stands for lines left out: the parts around it must appear
in the file in that order. Any other block is free text and is not checked.

Usage: check_quotes.py DOCUMENT SOURCE_DIR [--min-quotes N]
Exit status 0 if every quote is current (and there are at least N of them), 1 otherwise, with one
line per stale quote naming the document's line and the file.
"""

import argparse
import pathlib
import re
import sys

MARKER = re.compile(r"^(?://|#) from (\S+)\s*$")
ELISION = re.compile(r"^\s*(?://|#) \.\.\.\s*$")
FENCE = re.compile(r"^\s*```")


def code_blocks(lines):
    """Yields (line number of the block's first line, the block's lines) for each fenced block."""
    block, start = None, 0
    for number, line in enumerate(lines, start=1):
        if FENCE.match(line):
            if block is None:
                block, start = [], number + 1
            else:
                yield start, block
                block = None
        elif block is not None:
            block.append(line)
    if block is not None:
        raise SystemExit(f"unterminated code block from line {start - 1}")


def parts(body):
    """The block's text split at its elision lines."""
    pieces, current = [], []
    for line in body:
        if ELISION.match(line):
            pieces.append(current)
            current = []
        else:
            current.append(line)
    pieces.append(current)
    return ["\n".join(piece) + "\n" for piece in pieces if piece]


def stale_reason(body, source):
    """Why `body` is not a quote of `source`; None if it is."""
    position = 0
    for part in parts(body):
        found = source.find(part, position)
        if found < 0:
            first_line = part.splitlines()[0].strip()
            return f"not found in order: the part starting '{first_line}'"
        position = found + len(part)
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("document", type=pathlib.Path)
    parser.add_argument("source_dir", type=pathlib.Path)
    parser.add_argument("--min-quotes", type=int, default=1)
    args = parser.parse_args()

    lines = args.document.read_text().splitlines()
    quotes, problems = 0, []
    for start, block in code_blocks(lines):
        marker = MARKER.match(block[0]) if block else None
        if not marker:
            continue
        quotes += 1
        path = args.source_dir / marker.group(1)
        if not path.is_file():
            problems.append(f"{args.document}:{start}: quotes {marker.group(1)}, which does not exist")
            continue
        reason = stale_reason(block[1:], path.read_text())
        if reason:
            problems.append(f"{args.document}:{start}: stale quote of {marker.group(1)}: {reason}")
    if quotes < args.min_quotes:
        problems.append(f"{args.document}: {quotes} quotes, expected at least {args.min_quotes}")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
