// Socket: sole owner of one file descriptor (RAII, move-only), plus the calls that make TCP
// listening and connected sockets. Every socket made here is non-blocking and close-on-exec.
// Threads: a Socket is used by one thread at a time.
#pragma once

#include <cstddef>
#include <system_error>
#include <vector>

#include "reactor/net/inet_address.h"

namespace reactor {

class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd) : fd_(fd) {}
  Socket(Socket&& other) noexcept : fd_(other.release()) {}
  Socket& operator=(Socket&& other) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() { reset(); }

  int fd() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Gives up ownership without closing.
  int release();
  // Closes the fd now (through the Syscalls seam).
  void reset();

  void set_no_delay(bool on);             // TCP_NODELAY
  void set_linger_reset();                // SO_LINGER {1, 0}: close() sends RST
  std::error_code pending_error() const;  // SO_ERROR
  bool shutdown_write();                  // shutdown(SHUT_WR); false on error

 private:
  int fd_ = -1;
};

struct ListenOptions {
  int backlog = 4096;       // the kernel caps it at net.core.somaxconn
  bool reuse_port = false;  // SO_REUSEPORT: several listeners (one per reactor) share the port
};

// A bound, listening TCP socket (SO_REUSEADDR always). Throws std::system_error carrying the
// errno (EADDRINUSE for a busy port) with the address in the message.
Socket listen_tcp(const InetAddress& address, const ListenOptions& options = {});
// `count` listeners on `address` sharing its port through SO_REUSEPORT (set whatever `options`
// say), one per reactor thread: the kernel spreads new connections over them. Port 0 picks a free
// port for the first listener and the others bind the port it got. Throws as listen_tcp().
std::vector<Socket> listen_tcp_shared(const InetAddress& address, std::size_t count,
                                      ListenOptions options = {});
// A TCP connection to `address`, connected before it returns (a blocking connect on a socket that
// is non-blocking afterwards). Throws std::system_error. Meant for tests and tools.
Socket connect_tcp(const InetAddress& address);

}  // namespace reactor
