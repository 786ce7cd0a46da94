#include "apps/common/server_setup.h"

#include <optional>
#include <stdexcept>

#include "reactor/poller/make_poller.h"

namespace app {

reactor::InetAddress listen_address(const std::string& host, std::uint16_t port) {
  const std::optional<reactor::InetAddress> address = reactor::InetAddress::parse(host, port);
  if (!address) throw std::invalid_argument("not a numeric IPv4 or IPv6 address: " + host);
  return *address;
}

std::unique_ptr<reactor::Poller> main_poller(const std::string& poller, std::size_t threads) {
  if (threads == 0) throw std::invalid_argument("threads must be at least 1");
  return reactor::make_poller(poller);
}

}  // namespace app
