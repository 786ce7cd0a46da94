// SocketAddress: any address a socket binds or connects to: IPv4, IPv6 (an InetAddress), or a
// Unix-domain socket, named by a path or by a Linux abstract name. A plain value type, for APIs
// that serve several families (Connector, a connection's peer and local addresses).
// Threads: a value; share freely once built.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <optional>
#include <string>
#include <string_view>

#include "reactor/net/inet_address.h"

namespace reactor {

class SocketAddress {
 public:
  // An IP address is a socket address.
  SocketAddress(const InetAddress& inet);  // NOLINT(google-explicit-constructor)

  // A Unix-domain socket at a file-system path. std::nullopt if the path is empty, holds a NUL
  // byte, or is too long for sockaddr_un (107 bytes on Linux).
  static std::optional<SocketAddress> unix_path(std::string_view path);
  // A Linux abstract Unix-domain name (no file; it vanishes with its last socket). std::nullopt
  // if empty or too long (107 bytes).
  static std::optional<SocketAddress> unix_abstract(std::string_view name);
  // Copies a kernel-filled address of family AF_INET, AF_INET6 or AF_UNIX; std::nullopt for any
  // other or a truncated one. An unnamed Unix socket (a socketpair, an unbound client) gives an
  // AF_UNIX address whose path and name are empty.
  static std::optional<SocketAddress> from_sockaddr(const sockaddr* address, socklen_t length);
  // The address a socket is bound to (getsockname) or connected to (getpeername).
  static std::optional<SocketAddress> local_of(int fd);
  static std::optional<SocketAddress> peer_of(int fd);

  int family() const { return storage_.ss_family; }
  bool is_inet() const { return family() == AF_INET || family() == AF_INET6; }
  bool is_unix() const { return family() == AF_UNIX; }
  // The IP address, for AF_INET and AF_INET6.
  std::optional<InetAddress> inet() const;
  // For AF_UNIX: the path of a path-named socket, and the name of an abstract one ("" where it
  // is not one).
  std::string unix_path() const;
  std::string unix_abstract_name() const;
  // "127.0.0.1:8888", "[::1]:8888", "unix:/run/app.sock", "unix:@name", "unix:" (unnamed).
  std::string to_string() const;

  const sockaddr* sockaddr_ptr() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  socklen_t length() const { return length_; }

  friend bool operator==(const SocketAddress& a, const SocketAddress& b);
  friend bool operator!=(const SocketAddress& a, const SocketAddress& b) { return !(a == b); }

 private:
  SocketAddress() = default;
  bool is_abstract() const;

  sockaddr_storage storage_{};
  socklen_t length_ = 0;
};

}  // namespace reactor
