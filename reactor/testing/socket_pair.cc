#include "reactor/testing/socket_pair.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace reactor::testing {
namespace {

void close_if_open(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

SocketPair::SocketPair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) {
    throw std::system_error(errno, std::generic_category(), "socketpair");
  }
  local_ = fds[0];
  peer_ = fds[1];
}

SocketPair::~SocketPair() {
  close_if_open(local_);
  close_if_open(peer_);
}

void SocketPair::send_to_local(std::string_view bytes) {
  const ssize_t n = ::write(peer_, bytes.data(), bytes.size());
  if (n != static_cast<ssize_t>(bytes.size())) {
    throw std::system_error(errno, std::generic_category(), "SocketPair::send_to_local");
  }
}

void SocketPair::close_peer() {
  close_if_open(peer_);
}

void SocketPair::close_local() {
  close_if_open(local_);
}

void SocketPair::renumber_local(int fd) {
  if (fd == local_) return;
  if (::dup3(local_, fd, O_CLOEXEC) < 0) {
    throw std::system_error(errno, std::generic_category(), "SocketPair::renumber_local");
  }
  ::close(local_);
  local_ = fd;
}

int SocketPair::release_local() {
  const int fd = local_;
  local_ = -1;
  return fd;
}

}  // namespace reactor::testing
