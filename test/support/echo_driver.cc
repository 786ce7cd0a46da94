#include "test/support/echo_driver.h"

#include <unistd.h>

#include <chrono>
#include <string_view>

namespace reactor::testing {
namespace {

constexpr std::chrono::milliseconds kWaitLimit{5000};

}  // namespace

int EchoDriver::round_trips(int count, std::size_t size) {
  int intact = 0;
  for (int i = 0; i < count; ++i) {
    for (std::size_t b = 0; b < size; ++b)
      message_[b] = static_cast<char>('a' + (i + b) % 26);
    if (round_trip(size)) ++intact;
  }
  return intact;
}

bool EchoDriver::round_trip(std::size_t size) {
  if (write(peer_fd_, message_, size) != static_cast<ssize_t>(size)) return false;
  std::size_t received = 0;
  const auto deadline = std::chrono::steady_clock::now() + kWaitLimit;
  while (received < size && std::chrono::steady_clock::now() < deadline) {
    reactor_.run_once(std::chrono::milliseconds(100));
    const ssize_t n = read(peer_fd_, echo_ + received, size - received);
    if (n > 0) received += static_cast<std::size_t>(n);
  }
  return received == size && std::string_view(echo_, size) == std::string_view(message_, size);
}

}  // namespace reactor::testing
