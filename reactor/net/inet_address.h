// InetAddress: an IPv4 or IPv6 socket address (numeric host + port), a plain value type.
// Threads: a value; share freely once built.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace reactor {

class InetAddress {
 public:
  // Parses a numeric IPv4 ("127.0.0.1") or IPv6 ("::1", "[::1]") host. No name lookups:
  // std::nullopt for anything else.
  static std::optional<InetAddress> parse(std::string_view host, std::uint16_t port);
  // Copies a kernel-filled address; std::nullopt unless it is AF_INET or AF_INET6.
  static std::optional<InetAddress> from_sockaddr(const sockaddr* address, socklen_t length);
  // The address a socket is bound to (getsockname) or connected to (getpeername).
  static std::optional<InetAddress> local_of(int fd);
  static std::optional<InetAddress> peer_of(int fd);

  int family() const { return storage_.ss_family; }
  std::uint16_t port() const;
  std::string host() const;       // "127.0.0.1", "::1"
  std::string to_string() const;  // "127.0.0.1:8888", "[::1]:8888"

  const sockaddr* sockaddr_ptr() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  socklen_t length() const;

 private:
  InetAddress() = default;
  sockaddr_storage storage_{};
};

}  // namespace reactor
