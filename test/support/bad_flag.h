// BadFlag: one bad command line for an app and the flag its error line must name, as the
// parameter of a value-parameterised "exits with one line naming the flag" test; line_count()
// for checking that the error is one line.
// Ownership: plain values. Threads: any.
#pragma once

#include <algorithm>
#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

namespace reactor::testing {

struct BadFlag {
  std::vector<std::string> args;
  std::string named;  // the flag the error line must name
};

// GoogleTest prints a parameter with it.
inline void PrintTo(const BadFlag& bad, std::ostream* out) {
  for (const std::string& arg : bad.args)
    *out << arg << ' ';
}

inline std::size_t line_count(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace reactor::testing
