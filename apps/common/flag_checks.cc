#include "apps/common/flag_checks.h"

#include "apps/common/command_line.h"
#include "reactor/net/inet_address.h"

namespace app {
namespace {

std::string got(std::int64_t value) {
  return " (got " + std::to_string(value) + ")";
}

}  // namespace

std::string checked_host(const std::string& host) {
  if (!reactor::InetAddress::parse(host, 0)) {
    exit_with_usage_error("--host must be a numeric IPv4 or IPv6 address (got " + host + ")");
  }
  return host;
}

std::uint16_t checked_port(std::int64_t port) {
  if (port < 0 || port > 65535) exit_with_usage_error("--port must be in 0..65535" + got(port));
  return static_cast<std::uint16_t>(port);
}

std::size_t checked_threads(std::int64_t threads, int max_threads) {
  if (threads < 1 || threads > max_threads) {
    exit_with_usage_error("--threads must be in 1.." + std::to_string(max_threads) + got(threads));
  }
  return static_cast<std::size_t>(threads);
}

std::string checked_poller(const std::string& poller) {
  if (poller != "epoll" && poller != "poll") {
    exit_with_usage_error("--poller must be epoll or poll (got " + poller + ")");
  }
  return poller;
}

std::size_t checked_count(const char* flag, std::int64_t value) {
  if (value < 0) exit_with_usage_error(std::string("--") + flag + " must be >= 0" + got(value));
  return static_cast<std::size_t>(value);
}

std::chrono::milliseconds checked_milliseconds(const char* flag, std::int64_t value) {
  return std::chrono::milliseconds(checked_count(flag, value));
}

}  // namespace app
