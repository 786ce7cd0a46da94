#include "apps/http_server/syntax.h"

#include <cstring>

namespace http::syntax {
namespace {

// Word-at-a-time byte tests (SWAR). For a 64-bit word of eight bytes, bytes_below(word, n) sets
// the top bit of each byte below n (n <= 128) and bytes_equal(word, v) of each byte equal to v.
// Both may also flag bytes above the first flagged one (a borrow runs upwards), never below it,
// so the lowest flag of either, or of both or-ed, is exact: the first matching byte, as memory
// is little-endian. See docs/benchmarks.md (HTTP server) for what this scan saves per request.
constexpr std::uint64_t kOnes = 0x0101010101010101ull;
constexpr std::uint64_t kHighBits = 0x8080808080808080ull;

std::uint64_t bytes_below(std::uint64_t word, unsigned char n) {
  return (word - kOnes * n) & ~word & kHighBits;
}

std::uint64_t bytes_equal(std::uint64_t word, unsigned char value) {
  return bytes_below(word ^ (kOnes * value), 1);
}

std::uint64_t load_word(const char* bytes) {
  std::uint64_t word;
  std::memcpy(&word, bytes, sizeof word);
  return word;
}

// The index of the first byte of `bytes` for which `flags` (a word test above) sets a flag, or
// `size`. A tail shorter than a word is tested as the last word of the range shifted down, with
// the zero bytes shifted in counted as past the end; a range shorter than a word, byte by byte
// through a word of its own.
template <typename Flags>
std::size_t count_until(const char* bytes, std::size_t size, Flags flags) {
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    const std::uint64_t found = flags(load_word(bytes + i));
    if (found != 0) return i + static_cast<std::size_t>(__builtin_ctzll(found)) / 8;
  }
  if (i == size) return size;
  std::uint64_t tail = 0;
  const std::size_t left = size - i;
  if (size >= 8) {
    tail = load_word(bytes + size - 8) >> (8 * (8 - left));
  } else {
    std::memcpy(&tail, bytes + i, left);
  }
  const std::uint64_t found = flags(tail);
  const std::size_t first = found == 0 ? 8 : static_cast<std::size_t>(__builtin_ctzll(found)) / 8;
  return first < left ? i + first : size;
}

}  // namespace

std::size_t count_plain_field_chars(const char* bytes, std::size_t size) {
  return count_until(bytes, size, [](std::uint64_t word) {
    return bytes_below(word, 0x20) | bytes_equal(word, 0x7f);
  });
}

std::size_t count_visible_chars(const char* bytes, std::size_t size) {
  return count_until(bytes, size, [](std::uint64_t word) {
    return bytes_below(word, 0x21) | bytes_equal(word, 0x7f) | (word & kHighBits);
  });
}

bool is_header_line(std::string_view line) {
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) return false;
  for (char c : line.substr(colon + 1))
    if (!is_field_char(c)) return false;
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  const char lower = static_cast<char>(c | 0x20);
  if (lower >= 'a' && lower <= 'f') return lower - 'a' + 10;
  return -1;
}

}  // namespace http::syntax
