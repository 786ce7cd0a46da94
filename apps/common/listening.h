// ListenError and listen_for_threads(): the listening sockets of a threaded server app (one per
// reactor thread, sharing the port through SO_REUSEPORT when there are several), and the error
// that names the address when they cannot be had.
// Ownership: the caller owns the sockets returned. Threads: any.
#pragma once

#include <cstddef>
#include <string>
#include <system_error>
#include <vector>

#include "reactor/net/inet_address.h"
#include "reactor/net/socket.h"

namespace app {

// The address could not be bound or listened on; code() carries the errno
// (std::errc::address_in_use for a busy port).
class ListenError : public std::system_error {
 public:
  ListenError(std::error_code code, const std::string& address)
      : std::system_error(code, "cannot listen on " + address), address_(address) {}
  const std::string& address() const { return address_; }

 private:
  std::string address_;
};

// `count` TCP listeners on `address`, with a backlog deep enough for a burst of a thousand
// simultaneous connects. Throws ListenError.
std::vector<reactor::Socket> listen_for_threads(const reactor::InetAddress& address,
                                                std::size_t count);

// "address in use" for EADDRINUSE, the system's message otherwise.
std::string describe_listen_error(const std::error_code& code);

}  // namespace app
