#!/usr/bin/env python3
"""Tests of check_quotes.py: a current quote passes; a changed, reordered or missing one fails."""

import pathlib
import subprocess
import sys
import tempfile
import unittest

CHECKER = pathlib.Path(__file__).with_name("check_quotes.py")

SOURCE = """int add(int a, int b) {
  return a + b;
}

int twice(int a) {
  return add(a, a);
}
"""


def check(document, min_quotes=1):
    """Runs the checker on `document` against a tree holding src/math.cc; returns its status."""
    with tempfile.TemporaryDirectory() as root:
        root = pathlib.Path(root)
        (root / "src").mkdir()
        (root / "src" / "math.cc").write_text(SOURCE)
        (root / "doc.md").write_text(document)
        return subprocess.run(
            [sys.executable, str(CHECKER), str(root / "doc.md"), str(root),
             "--min-quotes", str(min_quotes)],
            capture_output=True, text=True).returncode


class CheckQuotesTest(unittest.TestCase):
    def test_a_verbatim_quote_passes(self):
        self.assertEqual(check("```cpp\n// from src/math.cc\nint twice(int a) {\n"
                               "  return add(a, a);\n}\n```\n"), 0)

    def test_a_quote_with_a_changed_line_fails(self):
        self.assertEqual(check("```cpp\n// from src/math.cc\nint twice(int a) {\n"
                               "  return 2 * a;\n}\n```\n"), 1)

    def test_an_elision_skips_lines_in_order(self):
        self.assertEqual(check("```cpp\n// from src/math.cc\nint add(int a, int b) {\n"
                               "// ...\nint twice(int a) {\n```\n"), 0)

    def test_parts_out_of_order_fail(self):
        self.assertEqual(check("```cpp\n// from src/math.cc\nint twice(int a) {\n"
                               "// ...\nint add(int a, int b) {\n```\n"), 1)

    def test_a_quote_of_a_missing_file_fails(self):
        self.assertEqual(check("```cpp\n// from src/gone.cc\nint add(int a, int b) {\n```\n"), 1)

    def test_blocks_without_a_marker_are_not_checked(self):
        self.assertEqual(check("```sh\nmake anything\n```\n", min_quotes=0), 0)

    def test_fewer_quotes_than_required_fail(self):
        self.assertEqual(check("```sh\nmake anything\n```\n", min_quotes=1), 1)


if __name__ == "__main__":
    unittest.main()
