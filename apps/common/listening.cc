#include "apps/common/listening.h"

namespace app {
namespace {

// The kernel caps it at net.core.somaxconn.
constexpr int kListenBacklog = 4096;

}  // namespace

std::vector<reactor::Socket> listen_for_threads(const reactor::InetAddress& address,
                                                std::size_t count) {
  reactor::ListenOptions options;
  options.backlog = kListenBacklog;
  try {
    if (count > 1) return reactor::listen_tcp_shared(address, count, options);
    std::vector<reactor::Socket> listeners;
    listeners.push_back(reactor::listen_tcp(address, options));
    return listeners;
  } catch (const std::system_error& error) {
    throw ListenError(error.code(), address.to_string());
  }
}

std::string describe_listen_error(const std::error_code& code) {
  return code == std::errc::address_in_use ? "address in use" : code.message();
}

}  // namespace app
