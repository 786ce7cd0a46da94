#include "reactor/net/socket.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string>

#include "reactor/core/syscalls.h"

namespace reactor {
namespace {

std::system_error socket_error(int error, const char* what, const SocketAddress& address) {
  return std::system_error(error, std::generic_category(),
                           std::string(what) + " " + address.to_string());
}

void set_option(int fd, int level, int name, int value) {
  ::setsockopt(fd, level, name, &value, sizeof value);
}

// Whether the path of `address` holds a socket file that nobody listens on. The probe is a
// non-blocking connect: only ECONNREFUSED means no listener. A live one accepts, or is busy
// (EAGAIN), and a socket of another type answers EPROTOTYPE.
bool is_stale_socket_file(const SocketAddress& address, const std::string& path) {
  struct stat status {};
  if (::lstat(path.c_str(), &status) != 0 || !S_ISSOCK(status.st_mode)) return false;
  const Socket probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  return probe.valid() && ::connect(probe.fd(), address.sockaddr_ptr(), address.length()) != 0 &&
         errno == ECONNREFUSED;
}

// Removes the stale socket file that keeps `address` from being bound; false if there is none.
bool remove_stale_socket_file(const SocketAddress& address) {
  const std::string path = address.unix_path();
  return !path.empty() && is_stale_socket_file(address, path) && ::unlink(path.c_str()) == 0;
}

// The errno of bind(), or 0.
int bind_to(const Socket& socket, const SocketAddress& address) {
  return ::bind(socket.fd(), address.sockaddr_ptr(), address.length()) == 0 ? 0 : errno;
}

}  // namespace

Socket& Socket::operator=(Socket&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = other.release();
  }
  return *this;
}

int Socket::release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

void Socket::reset() {
  if (fd_ >= 0) sys().close(fd_);
  fd_ = -1;
}

void Socket::set_no_delay(bool on) {
  set_option(fd_, IPPROTO_TCP, TCP_NODELAY, on ? 1 : 0);
}

void Socket::set_linger_reset() {
  const linger option{1, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &option, sizeof option);
}

std::error_code Socket::pending_error() const {
  int error = 0;
  socklen_t length = sizeof error;
  if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
  return {error, std::generic_category()};
}

bool Socket::shutdown_write() {
  return ::shutdown(fd_, SHUT_WR) == 0;
}

Socket listen_stream(const SocketAddress& address, const ListenOptions& options) {
  if (options.reuse_port && !address.is_inet()) {
    throw socket_error(EINVAL, "SO_REUSEPORT is for TCP only, not", address);
  }
  Socket socket(::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!socket.valid()) throw socket_error(errno, "socket for", address);
  if (address.is_inet()) {
    set_option(socket.fd(), SOL_SOCKET, SO_REUSEADDR, 1);
    if (options.reuse_port) set_option(socket.fd(), SOL_SOCKET, SO_REUSEPORT, 1);
    if (address.family() == AF_INET6) set_option(socket.fd(), IPPROTO_IPV6, IPV6_V6ONLY, 1);
  }
  int error = bind_to(socket, address);
  if (error == EADDRINUSE && options.unlink_stale && remove_stale_socket_file(address)) {
    error = bind_to(socket, address);
  }
  if (error != 0) throw socket_error(error, "bind", address);
  if (::listen(socket.fd(), options.backlog) != 0) throw socket_error(errno, "listen", address);
  return socket;
}

std::vector<Socket> listen_tcp_shared(const InetAddress& address, std::size_t count,
                                      ListenOptions options) {
  std::vector<Socket> listeners;
  if (count == 0) return listeners;
  options.reuse_port = true;
  listeners.reserve(count);
  listeners.push_back(listen_tcp(address, options));
  const std::optional<InetAddress> bound = InetAddress::local_of(listeners.front().fd());
  if (!bound) throw socket_error(errno, "getsockname for", address);
  while (listeners.size() < count)
    listeners.push_back(listen_tcp(*bound, options));
  return listeners;
}

Socket connect_stream(const SocketAddress& address) {
  Socket socket(::socket(address.family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!socket.valid()) throw socket_error(errno, "socket for", address);
  if (::connect(socket.fd(), address.sockaddr_ptr(), address.length()) != 0) {
    int error = errno;
    if (error == EINTR) {  // the connect goes on in the background: wait for its outcome
      pollfd entry{socket.fd(), POLLOUT, 0};
      retry_on_eintr([&] { return ::poll(&entry, 1, -1); });
      error = socket.pending_error().value();
    }
    if (error != 0) throw socket_error(error, "connect", address);
  }
  const int flags = ::fcntl(socket.fd(), F_GETFL);
  ::fcntl(socket.fd(), F_SETFL, flags | O_NONBLOCK);
  return socket;
}

}  // namespace reactor
