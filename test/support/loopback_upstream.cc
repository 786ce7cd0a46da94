#include "test/support/loopback_upstream.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace reactor::testing {
namespace {

constexpr std::size_t kChunk = 64 << 10;
// How long a kSourceThenReset write may block before the buffers count as full.
constexpr int kFullBufferWaitMs = 200;

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// A TCP socket bound to 127.0.0.1:0 and listening with `backlog`; its port in `port`.
int listen_on_loopback(int backlog, std::uint16_t& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw_errno("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      ::listen(fd, backlog) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const int error = errno;
    ::close(fd);
    errno = error;
    throw_errno("listen");
  }
  port = ntohs(address.sin_port);
  return fd;
}

std::string loopback(std::uint16_t port) {
  return "127.0.0.1:" + std::to_string(port);
}

char source_byte(std::size_t offset) {
  return static_cast<char>(offset % 251);
}

bool write_all(int fd, const char* bytes, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd, bytes, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

ssize_t read_some(int fd, char* buffer, std::size_t size) {
  ssize_t n;
  do {
    n = ::recv(fd, buffer, size, 0);
  } while (n < 0 && errno == EINTR);
  return n;
}

void reset(int fd) {
  const linger abortive{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
}

}  // namespace

LoopbackUpstream::LoopbackUpstream(Behaviour behaviour) : behaviour_(behaviour) {
  listener_ = listen_on_loopback(SOMAXCONN, port_);
  acceptor_ = std::thread([this] { accept_loop(); });
}

LoopbackUpstream::~LoopbackUpstream() {
  stopping_ = true;
  ::shutdown(listener_, SHUT_RDWR);  // ends the blocked accept()
  acceptor_.join();
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    for (int fd : fds_) {
      if (fd >= 0) ::shutdown(fd, SHUT_RDWR);  // ends any blocked read or write
    }
  }
  for (std::thread& thread : threads_)
    thread.join();
  for (int fd : fds_) {
    if (fd >= 0) ::close(fd);
  }
  ::close(listener_);
}

std::string LoopbackUpstream::address() const {
  return loopback(port_);
}

std::string LoopbackUpstream::received() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return received_;
}

std::string LoopbackUpstream::source_bytes(std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i)
    bytes[i] = source_byte(i);
  return bytes;
}

std::string LoopbackUpstream::refusing_address() {
  std::uint16_t port = 0;
  ::close(listen_on_loopback(1, port));
  return loopback(port);
}

void LoopbackUpstream::accept_loop() {
  for (;;) {
    const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;  // shut down by the destructor
    }
    const std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) {
      ::close(fd);
      return;
    }
    ++accepted_;
    fds_.push_back(fd);
    const std::size_t index = fds_.size() - 1;
    if (behaviour_ != Behaviour::kSink)
      threads_.emplace_back([this, fd, index] {
        serve(fd);
        ++finished_;
        if (behaviour_ == Behaviour::kResetOnData || behaviour_ == Behaviour::kSourceThenReset ||
            behaviour_ == Behaviour::kReplyAfterEof) {
          // Closed here (resetting where the behaviour says so), under the lock, so that the
          // destructor never shuts down a number the kernel has given to another socket.
          const std::lock_guard<std::mutex> closing(mutex_);
          ::close(fd);
          fds_[index] = -1;
        }
      });
  }
}

void LoopbackUpstream::note_received(const char* bytes, std::size_t size) {
  const std::lock_guard<std::mutex> lock(mutex_);
  received_.append(bytes, size);
}

void LoopbackUpstream::serve(int fd) {
  std::string buffer(kChunk, '\0');
  switch (behaviour_) {
    case Behaviour::kEcho:
      for (;;) {
        const ssize_t n = read_some(fd, buffer.data(), buffer.size());
        if (n == 0) {
          ++eofs_;
          ::shutdown(fd, SHUT_WR);
        } else if (n < 0 && errno == ECONNRESET) {
          ++resets_;
        }
        if (n <= 0 || !write_all(fd, buffer.data(), static_cast<std::size_t>(n))) return;
      }
    case Behaviour::kSink:
      return;
    case Behaviour::kSource:
    case Behaviour::kSourceThenReset: {
      if (behaviour_ == Behaviour::kSourceThenReset) {
        const timeval wait{0, kFullBufferWaitMs * 1000};
        ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &wait, sizeof wait);
      }
      for (std::size_t offset = 0;; offset += kChunk) {
        for (std::size_t i = 0; i < kChunk; ++i)
          buffer[i] = source_byte(offset + i);
        const char* bytes = buffer.data();
        std::size_t left = kChunk;
        while (left > 0) {
          const ssize_t n = ::send(fd, bytes, left, MSG_NOSIGNAL);
          if (n < 0 && errno == EINTR) continue;
          if (n <= 0) {
            if (behaviour_ == Behaviour::kSourceThenReset && errno == EAGAIN) reset(fd);
            return;
          }
          sent_ += static_cast<std::size_t>(n);
          bytes += n;
          left -= static_cast<std::size_t>(n);
        }
      }
    }
    case Behaviour::kReplyAfterEof: {
      std::string all;
      for (;;) {
        const ssize_t n = read_some(fd, buffer.data(), buffer.size());
        if (n < 0) return;
        if (n == 0) break;
        all.append(buffer.data(), static_cast<std::size_t>(n));
      }
      ++eofs_;
      note_received(all.data(), all.size());
      write_all(fd, all.data(), all.size());
      return;
    }
    case Behaviour::kGreetAndHalfClose: {
      const std::string hello = greeting();
      if (!write_all(fd, hello.data(), hello.size())) return;
      ::shutdown(fd, SHUT_WR);
      for (;;) {
        const ssize_t n = read_some(fd, buffer.data(), buffer.size());
        if (n <= 0) {
          if (n == 0) ++eofs_;
          return;
        }
        note_received(buffer.data(), static_cast<std::size_t>(n));
      }
    }
    case Behaviour::kResetOnData:
      if (read_some(fd, buffer.data(), buffer.size()) > 0) reset(fd);
      return;
  }
}

BlackholeListener::BlackholeListener() {
  listener_ = listen_on_loopback(0, port_);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port_);
  // Connects until one does not complete: the kernel then drops SYNs to the full queue.
  for (int attempt = 0; attempt < 16 && !saturated_; ++attempt) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) throw_errno("socket");
    fillers_.push_back(fd);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) continue;
    if (errno != EINPROGRESS) throw_errno("connect");
    pollfd ready{fd, POLLOUT, 0};
    saturated_ = ::poll(&ready, 1, 100) == 0;
  }
}

BlackholeListener::~BlackholeListener() {
  for (int fd : fillers_)
    ::close(fd);
  ::close(listener_);
}

std::string BlackholeListener::address() const {
  return loopback(port_);
}

}  // namespace reactor::testing
