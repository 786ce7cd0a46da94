#include "apps/bench/peers/peer_support.h"

#include <arpa/inet.h>
#include <gflags/gflags.h>
#include <netinet/tcp.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "apps/common/command_line.h"
#include "apps/common/process_limits.h"

DEFINE_string(host, "127.0.0.1", "Address to listen on: an IPv4 or IPv6 literal.");
DEFINE_int32(port, 0, "Port to listen on; 0 picks a free one.");

namespace bench {
namespace {

PeerAddress parse_address_or_exit(const std::string& host, int port) {
  PeerAddress address;
  address.host = host;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&address.storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<std::uint16_t>(port));
    address.length = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(port));
    address.length = sizeof(sockaddr_in6);
  } else {
    app::exit_with_usage_error("--host must be an IPv4 or IPv6 address, got '" + host + "'");
  }
  return address;
}

}  // namespace

PeerAddress start_peer_or_exit(int argc, char** argv, const char* description) {
  app::parse_command_line_or_exit(argc, argv,
                                  std::string(description) +
                                      "\nUsage: " + gflags::ProgramInvocationShortName() +
                                      " [--host ADDRESS] [--port N]");
  if (FLAGS_port < 0 || FLAGS_port > 65535) {
    app::exit_with_usage_error("--port must be in [0, 65535], got " + std::to_string(FLAGS_port));
  }
  PeerAddress address = parse_address_or_exit(FLAGS_host, FLAGS_port);
  std::signal(SIGPIPE, SIG_IGN);
  app::raise_open_file_limit();
  return address;
}

int listen_or_exit(const PeerAddress& address) {
  const int fd =
      socket(address.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
  if (fd < 0) exit_with_error("socket", std::strerror(errno));
  const int on = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
      bind(fd, address.socket_address(), address.length) != 0 || listen(fd, SOMAXCONN) != 0) {
    exit_with_error("listen on " + address.host, std::strerror(errno));
  }
  return fd;
}

std::uint16_t port_of(const sockaddr* address) {
  if (address->sa_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(address)->sin6_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in*>(address)->sin_port);
}

std::uint16_t local_port(int socket_fd) {
  sockaddr_storage local{};
  socklen_t length = sizeof(local);
  if (getsockname(socket_fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) {
    exit_with_error("getsockname", std::strerror(errno));
  }
  return port_of(reinterpret_cast<const sockaddr*>(&local));
}

void set_tcp_nodelay(int socket_fd) {
  const int on = 1;
  setsockopt(socket_fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

void announce_listening(const PeerAddress& address, std::uint16_t port) {
  std::printf("Listening on %s:%u\n", address.host.c_str(), static_cast<unsigned>(port));
  std::fflush(stdout);
}

void exit_with_error(const std::string& what, const std::string& reason) {
  std::fprintf(stderr, "%s: %s: %s\n", gflags::ProgramInvocationShortName(), what.c_str(),
               reason.c_str());
  std::exit(1);
}

}  // namespace bench
