#include "test/integration/echo_server_process.h"

#include <cstdlib>

namespace echo::testing {

bool closed_by_peer(const std::error_code& error) {
  return error == asio::error::eof || error == asio::error::connection_reset;
}

std::string asan_options_with(const std::string& option) {
  const char* inherited = std::getenv("ASAN_OPTIONS");
  return "ASAN_OPTIONS=" + (inherited != nullptr ? std::string(inherited) + ":" : "") + option;
}

std::string make_payload(std::size_t size, std::uint64_t seed) {
  std::string bytes(size, '\0');
  std::uint64_t state = (seed + 1) * 0x9E3779B97F4A7C15ull;  // xorshift64: never zero
  for (std::size_t i = 0; i < size; ++i) {
    if (i % 8 == 0) {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
    }
    bytes[i] = static_cast<char>(state >> (8 * (i % 8)));
  }
  return bytes;
}

}  // namespace echo::testing
