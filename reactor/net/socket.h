// Socket: sole owner of one file descriptor (RAII, move-only), plus the calls that make listening
// and connected stream sockets, TCP (IPv4, IPv6) or Unix-domain (a path or an abstract name).
// Every socket made here is non-blocking and close-on-exec.
// Ownership: a Socket owns its fd; a listener on a Unix path does not own the file it created
// (see SocketFile, reactor/net/socket_file.h).
// Threads: a Socket is used by one thread at a time.
#pragma once

#include <cstddef>
#include <system_error>
#include <vector>

#include "reactor/net/inet_address.h"
#include "reactor/net/socket_address.h"

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

  void set_no_delay(bool on);             // TCP_NODELAY (TCP only)
  void set_linger_reset();                // SO_LINGER {1, 0}: close() sends RST
  std::error_code pending_error() const;  // SO_ERROR
  bool shutdown_write();                  // shutdown(SHUT_WR); false on error

 private:
  int fd_ = -1;
};

struct ListenOptions {
  int backlog = 4096;  // the kernel caps it at net.core.somaxconn
  // TCP only (a Unix address with it set is refused with EINVAL): SO_REUSEPORT, several
  // listeners (one per reactor) share the port.
  bool reuse_port = false;
  // Unix path only: when the path is taken by a stale socket file (a socket nobody listens on,
  // left by a process that died), remove it and bind again. A live listener, a socket that is
  // not a stream listener, and anything that is not a socket (a regular file, a directory, a
  // symlink) are never removed: bind fails with EADDRINUSE. The probe is a connect(), refused
  // only where nobody listens; a process between its own bind() and listen() on that path looks
  // stale too, and nothing locks the path against another process starting at the same moment.
  bool unlink_stale = true;
};

// A bound, listening stream socket on `address`. TCP: SO_REUSEADDR always, IPV6_V6ONLY for IPv6,
// SO_REUSEPORT if asked. Unix path: the file is made by bind() with mode 0777 & ~umask (connect
// needs write permission on it and search permission on its directories; to restrict who may
// connect, listen in a directory of restricted mode rather than chmod the file afterwards); a
// stale file there is replaced as options.unlink_stale says; the file stays when the socket
// closes (SocketFile removes it). Unix abstract name: no file at all, the name goes with the
// socket, and any process in the network namespace may connect.
// Throws std::system_error carrying the errno (EADDRINUSE for a busy port or path) with the
// address in the message.
Socket listen_stream(const SocketAddress& address, const ListenOptions& options = {});
// A stream connection to `address`, connected before it returns (a blocking connect on a socket
// that is non-blocking afterwards). Throws std::system_error (ECONNREFUSED: nobody listens;
// ENOENT: no file at a Unix path) with the address in the message. Meant for tests and tools.
Socket connect_stream(const SocketAddress& address);

// TCP forms of the above.
inline Socket listen_tcp(const InetAddress& address, const ListenOptions& options = {}) {
  return listen_stream(address, options);
}
inline Socket connect_tcp(const InetAddress& address) {
  return connect_stream(address);
}
// `count` listeners on `address` sharing its port through SO_REUSEPORT (set whatever `options`
// say), one per reactor thread: the kernel spreads new connections over them. Port 0 picks a free
// port for the first listener and the others bind the port it got. Throws as listen_stream().
std::vector<Socket> listen_tcp_shared(const InetAddress& address, std::size_t count,
                                      ListenOptions options = {});

}  // namespace reactor
