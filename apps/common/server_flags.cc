#include "apps/common/server_flags.h"

#include "apps/common/command_line.h"
#include "reactor/net/inet_address.h"

namespace app {

void require_numeric_host(const std::string& host) {
  if (!reactor::InetAddress::parse(host, 0)) {
    exit_with_usage_error("--host must be a numeric IPv4 or IPv6 address (got " + host + ")");
  }
}

void require_poller(const std::string& poller) {
  if (poller != "epoll" && poller != "poll") {
    exit_with_usage_error("--poller must be epoll or poll (got " + poller + ")");
  }
}

}  // namespace app
