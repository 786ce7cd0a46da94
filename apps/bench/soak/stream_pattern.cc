#include "apps/bench/soak/stream_pattern.h"

#include <algorithm>
#include <cstring>

namespace soak {
namespace {

constexpr std::size_t kBlockBytes = sizeof(std::uint64_t);

// SplitMix64's finaliser: consecutive inputs give unrelated outputs.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

// The stream is the concatenation of 8-byte blocks; block i is mix(seed, i) as stored in memory.
std::uint64_t StreamPattern::block(std::uint64_t index) const {
  return mix(seed_ ^ mix(index));
}

void StreamPattern::fill(std::uint64_t offset, char* out, std::size_t count) const {
  while (count > 0) {
    const std::uint64_t index = offset / kBlockBytes;
    const std::size_t skip = static_cast<std::size_t>(offset % kBlockBytes);
    const std::size_t n = std::min(kBlockBytes - skip, count);
    const std::uint64_t value = block(index);
    std::memcpy(out, reinterpret_cast<const char*>(&value) + skip, n);
    out += n;
    offset += n;
    count -= n;
  }
}

std::optional<std::uint64_t> StreamPattern::first_mismatch(std::uint64_t offset, const char* bytes,
                                                           std::size_t count, char* scratch) const {
  fill(offset, scratch, count);
  if (std::memcmp(bytes, scratch, count) == 0) return std::nullopt;
  std::size_t i = 0;
  while (bytes[i] == scratch[i])
    ++i;
  return offset + i;
}

}  // namespace soak
