#include "apps/common/server_flags.h"

#include <optional>

#include "apps/common/command_line.h"

namespace app {
namespace {

template <typename Value>
std::string got(Value value) {
  return " (got " + std::to_string(value) + ")";
}

}  // namespace

reactor::InetAddress address_from_flags(const std::string& host, std::int32_t port) {
  if (port < 0 || port > 65535) exit_with_usage_error("--port must be in 0..65535" + got(port));
  const std::optional<reactor::InetAddress> address =
      reactor::InetAddress::parse(host, static_cast<std::uint16_t>(port));
  if (!address) {
    exit_with_usage_error("--host must be a numeric IPv4 or IPv6 address (got " + host + ")");
  }
  return *address;
}

std::size_t threads_from_flag(std::int32_t threads) {
  if (threads < 1 || threads > kMaxThreads) {
    exit_with_usage_error("--threads must be in 1.." + std::to_string(kMaxThreads) + got(threads));
  }
  return static_cast<std::size_t>(threads);
}

std::string poller_from_flag(const std::string& poller) {
  if (poller != "epoll" && poller != "poll") {
    exit_with_usage_error("--poller must be epoll or poll (got " + poller + ")");
  }
  return poller;
}

std::chrono::milliseconds milliseconds_from_flag(const char* name, std::int64_t value) {
  return std::chrono::milliseconds(count_from_flag(name, value));
}

std::size_t count_from_flag(const char* name, std::int64_t value) {
  if (value < 0) exit_with_usage_error(std::string("--") + name + " must be >= 0" + got(value));
  return static_cast<std::size_t>(value);
}

std::string describe_listen_error(const std::error_code& error) {
  return error == std::errc::address_in_use ? "address in use" : error.message();
}

}  // namespace app
