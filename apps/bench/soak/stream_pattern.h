// StreamPattern: the bytes one soak connection sends, a pure function of a seed and the offset
// in the stream, so that an echo can be checked at any offset without keeping what was sent, and
// bytes of another connection or from another offset do not match.
// A plain value. Threads: const, so any.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace soak {

class StreamPattern {
 public:
  explicit StreamPattern(std::uint64_t seed) : seed_(seed) {}

  // Writes the `count` stream bytes starting at `offset` to `out`.
  void fill(std::uint64_t offset, char* out, std::size_t count) const;
  // The stream offset of the first of `count` bytes (which claim to start at `offset`) that
  // differs from the stream; std::nullopt if all match. `scratch` holds at least `count` bytes.
  std::optional<std::uint64_t> first_mismatch(std::uint64_t offset, const char* bytes,
                                              std::size_t count, char* scratch) const;

 private:
  std::uint64_t block(std::uint64_t index) const;

  std::uint64_t seed_;
};

}  // namespace soak
