#include "reactor/core/events.h"

#include <cstddef>
#include <ostream>
#include <utility>

namespace reactor {
namespace {

template <typename Set, std::size_t N>
std::ostream& print(std::ostream& out, Set set, const std::pair<Set, const char*> (&names)[N],
                    const char* empty) {
  if (!set) return out << empty;
  const char* separator = "";
  for (const auto& [bit, name] : names) {
    if (!set.contains(bit)) continue;
    out << separator << name;
    separator = "|";
  }
  return out;
}

}  // namespace

std::ostream& operator<<(std::ostream& out, Interest interest) {
  static const std::pair<Interest, const char*> names[] = {{kRead, "kRead"}, {kWrite, "kWrite"}};
  return print(out, interest, names, "kNoInterest");
}

std::ostream& operator<<(std::ostream& out, Readiness readiness) {
  static const std::pair<Readiness, const char*> names[] = {
      {kReadable, "kReadable"}, {kWritable, "kWritable"}, {kError, "kError"}, {kHangup, "kHangup"}};
  return print(out, readiness, names, "Readiness{}");
}

}  // namespace reactor
