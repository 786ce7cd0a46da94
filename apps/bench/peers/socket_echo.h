// The echo step of the peers that do their own socket I/O (epoll_echo, libev_echo): recv() once
// into a shared buffer, send() it straight back, and keep what the kernel did not take in the
// connection's OutputQueue. recv() and send(), as the published epoll echo server calls them,
// cost less than read() and write() on a socket, so the floor is not raised by a slower call. Those
// servers stop reading while the queue is non-empty, so a queue never holds more than one read's
// worth. Single-threaded; one OutputQueue per connection.
#pragma once

#include <cstddef>
#include <vector>

namespace bench {

class OutputQueue {
 public:
  bool empty() const { return offset_ == bytes_.size(); }

  // Writes data to fd and queues the rest; false when the connection failed.
  bool write(int fd, const char* data, std::size_t size);
  // Writes queued bytes; false when the connection failed.
  bool flush(int fd);

 private:
  std::vector<char> bytes_;
  std::size_t offset_ = 0;
};

enum class EchoOutcome {
  kEchoed,   // all written (or nothing to read yet): keep reading
  kBlocked,  // bytes are queued: wait until the socket is writable
  kClosed,   // end of stream or error: close the connection
};

// One nonblocking read from fd into buffer, echoed through queue (which must be empty).
EchoOutcome echo_once(int fd, char* buffer, std::size_t buffer_size, OutputQueue& queue);

}  // namespace bench
