#include "apps/bench/echo_bench/message_pattern.h"

#include <algorithm>
#include <cstring>

namespace bench {
namespace {

// SplitMix64 step: advances the state and returns 64 well-mixed bits.
std::uint64_t next_random(std::uint64_t* state) {
  std::uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

void fill_message(std::uint64_t connection_id, std::uint64_t sequence, char* out,
                  std::size_t size) {
  std::uint64_t seed = connection_id;
  std::uint64_t state = next_random(&seed) ^ sequence;
  for (std::size_t offset = 0; offset < size; offset += sizeof(std::uint64_t)) {
    const std::uint64_t word = next_random(&state);
    std::memcpy(out + offset, &word, std::min(sizeof(word), size - offset));
  }
}

}  // namespace bench
