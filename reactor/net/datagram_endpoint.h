// DatagramEndpoint: an EventHandler on one bound UDP socket (IPv4 or IPv6). Subclass it and
// override on_datagram(), called once per datagram with its payload and sender; answer with
// send_to(). Datagrams are received in batches (recvmmsg) into buffers allocated once, at most
// Options::max_datagrams_per_wakeup per readiness, so one flooding sender cannot starve the loop.
// send_to() hands a datagram to the kernel at once; what the kernel cannot take now (EAGAIN) waits
// in a bounded queue, flushed in batches (sendmmsg) on write readiness, which is asked for only
// while something is queued. Past the queue's bounds a datagram is dropped and counted, as the
// network would drop it: UDP promises no delivery. A datagram larger than
// Options::max_datagram_size is dropped (counted as truncated), never delivered in part. Errors
// the kernel reports for earlier datagrams (ECONNREFUSED after an ICMP port unreachable, and the
// like) are counted and reading goes on. It manages its own interest, so the EventHandler calls
// that would bypass that (set_interest, enable, disable, start on another fd) are private;
// start(), stop() and close() are its whole control.
// Ownership: owns its socket, and deregisters it from the reactor before closing it (close(),
// destruction). Its owner must not delete it inside its own on_datagram() (use
// Reactor::destroy_later); stop() and close() there are fine, and drop the rest of the batch.
// Threads: as EventHandler, everything on the reactor's thread.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "reactor/core/event_handler.h"
#include "reactor/net/inet_address.h"
#include "reactor/net/socket.h"
#include "reactor/net/socket_address.h"

namespace reactor {

struct BindOptions {
  // SO_REUSEADDR. Off by default: on a UDP port it lets another socket bind the same address and
  // take its datagrams.
  bool reuse_address = false;
  // SO_REUSEPORT: several sockets (one per reactor thread) share the port; the kernel spreads
  // datagrams over them by a hash of the sender's address.
  bool reuse_port = false;
};

// A bound UDP socket (non-blocking, close-on-exec; IPv6 sockets are IPv6 only). Port 0 picks a
// free port. Throws std::system_error carrying the errno (EADDRINUSE for a busy port) with the
// address in the message.
Socket bind_udp(const InetAddress& address, const BindOptions& options = {});

class DatagramEndpoint : public EventHandler {
 public:
  struct Options {
    // The largest datagram received whole; a larger one is dropped and counted as truncated. The
    // default holds any UDP datagram without IPv6 jumbograms.
    std::size_t max_datagram_size = 65536;
    // Datagrams received per recvmmsg call. Receive memory is this times max_datagram_size,
    // allocated once, at construction.
    unsigned int receive_batch = 16;
    // Datagrams received per readiness; the rest wait for the next turn of the loop.
    unsigned int max_datagrams_per_wakeup = 64;
    // Datagrams sent per sendmmsg call when the queue is flushed.
    unsigned int send_batch = 16;
    // The queue's bounds: a datagram that would take it past either is dropped.
    std::size_t max_queued_datagrams = 1024;
    std::size_t max_queued_bytes = 1 << 20;
  };

  // Counts since construction.
  struct Stats {
    std::uint64_t received = 0;        // delivered to on_datagram()
    std::uint64_t truncated = 0;       // larger than max_datagram_size: dropped
    std::uint64_t receive_errors = 0;  // errors reported by a receive (ECONNREFUSED, ...)
    std::uint64_t sent = 0;            // taken by the kernel
    std::uint64_t dropped = 0;         // the queue was full
    std::uint64_t send_errors = 0;     // refused by the kernel (EMSGSIZE, EHOSTUNREACH, ...)
  };

  // What became of a datagram given to send_to().
  enum class SendResult { kSent, kQueued, kDropped };

  // Takes a bound UDP socket (bind_udp()). Throws std::invalid_argument for a zero batch, budget
  // or datagram size.
  // Receive memory is reserved here and touched only as far as datagrams fill it.
  explicit DatagramEndpoint(Socket socket) : DatagramEndpoint(std::move(socket), Options{}) {}
  DatagramEndpoint(Socket socket, const Options& options);
  // Stops first: the socket member closes the fd before ~EventHandler would deregister it.
  ~DatagramEndpoint() override;

  // Starts, or resumes after stop(), receiving on `reactor` (and flushing what is queued).
  // Throws std::system_error if the poller refuses the socket, or with EBADF after close().
  void start(Reactor& reactor);
  // Stops watching the socket until the next start(). Datagrams arriving meanwhile wait in the
  // kernel's receive buffer (dropped by the kernel when it is full); the queue is kept.
  void stop();
  // Stops, discards the queue and closes the socket for good. start() cannot follow.
  void close();

  // Sends `payload` (empty is a valid datagram) to `to`: straight to the kernel when nothing is
  // queued, into the queue when the kernel would block (or others wait before it, to keep their
  // order). A kernel error (EMSGSIZE, EHOSTUNREACH, ...) or a full queue drops it. Throws only
  // if the poller refuses write interest for the queue (std::system_error).
  // Before start() and after stop(), a datagram the kernel cannot take waits for start(); after
  // close(), every datagram is dropped.
  SendResult send_to(std::string_view payload, const SocketAddress& to);

  std::size_t queued_datagrams() const { return queue_.size() - queue_head_; }
  std::size_t queued_bytes() const { return queue_bytes_used_ - queue_bytes_head_; }
  const Stats& stats() const { return stats_; }
  // The address bound to; none after close().
  std::optional<InetAddress> local_address() const { return InetAddress::local_of(socket_.fd()); }

  // What stays public of EventHandler only reports.
  using EventHandler::active;
  using EventHandler::fd;
  using EventHandler::interest;
  using EventHandler::reactor;

 protected:
  // One datagram from `from`. `payload` and `from` are valid only during the call. If it throws,
  // the rest of the batch already received is dropped; the endpoint stays usable.
  virtual void on_datagram(std::string_view payload, const SocketAddress& from) = 0;

 private:
  // A queued datagram: its bytes are queue_bytes_[offset, offset + length).
  struct Queued {
    SocketAddress to;
    std::size_t offset;
    std::size_t length;
  };

  using EventHandler::disable;
  using EventHandler::enable;
  using EventHandler::set_interest;
  using EventHandler::start;

  void on_readable() override;
  void on_writable() override;
  // Receives up to `count` datagrams (one recvmmsg), delivers them, and returns how many the
  // kernel had, or -1 if it had none (EAGAIN). A receive error counts as one.
  int receive_batch(unsigned int count);
  // Sends what is queued until the kernel would block; drops write interest once it is empty.
  void flush();
  SendResult enqueue(std::string_view payload, const SocketAddress& to);
  // Forgets the first `count` queued datagrams.
  void pop(std::size_t count);

  Socket socket_;
  Options options_;
  Stats stats_;
  // Receiving: one slot (header, iovec, sender address, buffer) per datagram of a batch.
  std::unique_ptr<char[]> receive_buffers_;
  std::vector<iovec> receive_iovecs_;
  std::vector<sockaddr_storage> receive_names_;
  std::vector<mmsghdr> receive_headers_;
  // The send queue: datagrams in queue_[queue_head_, end), their bytes in
  // queue_bytes_[queue_bytes_head_, queue_bytes_used_). Both are compacted rather than freed, so
  // a queue that filled once queues again without allocating.
  std::vector<Queued> queue_;
  std::size_t queue_head_ = 0;
  std::vector<char> queue_bytes_;
  std::size_t queue_bytes_head_ = 0;
  std::size_t queue_bytes_used_ = 0;
  std::vector<iovec> send_iovecs_;
  std::vector<mmsghdr> send_headers_;
};

}  // namespace reactor
