#include "apps/bench/peers/socket_echo.h"

#include <sys/socket.h>

#include <cerrno>

namespace bench {
namespace {

bool would_block_or_interrupted() {
  return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

}  // namespace

bool OutputQueue::write(int fd, const char* data, std::size_t size) {
  ssize_t written = ::send(fd, data, size, MSG_NOSIGNAL);
  if (written < 0) {
    if (!would_block_or_interrupted()) return false;
    written = 0;
  }
  const auto taken = static_cast<std::size_t>(written);
  if (taken < size) {
    bytes_.assign(data + taken, data + size);
    offset_ = 0;
  }
  return true;
}

bool OutputQueue::flush(int fd) {
  const ssize_t written =
      ::send(fd, bytes_.data() + offset_, bytes_.size() - offset_, MSG_NOSIGNAL);
  if (written < 0) return would_block_or_interrupted();
  offset_ += static_cast<std::size_t>(written);
  if (empty()) {
    bytes_.clear();
    offset_ = 0;
  }
  return true;
}

EchoOutcome echo_once(int fd, char* buffer, std::size_t buffer_size, OutputQueue& queue) {
  const ssize_t received = ::recv(fd, buffer, buffer_size, 0);
  if (received == 0) return EchoOutcome::kClosed;
  if (received < 0)
    return would_block_or_interrupted() ? EchoOutcome::kEchoed : EchoOutcome::kClosed;
  if (!queue.write(fd, buffer, static_cast<std::size_t>(received))) return EchoOutcome::kClosed;
  return queue.empty() ? EchoOutcome::kEchoed : EchoOutcome::kBlocked;
}

}  // namespace bench
