#include "reactor/net/datagram_endpoint.h"

#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>

#include "reactor/core/reactor.h"
#include "reactor/core/syscalls.h"

namespace reactor {
namespace {

bool would_block(int error) {
  return error == EAGAIN || error == EWOULDBLOCK;
}

void set_option(int fd, int level, int name, int value) {
  ::setsockopt(fd, level, name, &value, sizeof value);
}

}  // namespace

Socket bind_udp(const InetAddress& address, const BindOptions& options) {
  const auto failure = [&address](const char* what) {
    return std::system_error(errno, std::generic_category(),
                             std::string(what) + " " + address.to_string());
  };
  Socket socket(::socket(address.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!socket.valid()) throw failure("socket for");
  if (options.reuse_address) set_option(socket.fd(), SOL_SOCKET, SO_REUSEADDR, 1);
  if (options.reuse_port) set_option(socket.fd(), SOL_SOCKET, SO_REUSEPORT, 1);
  if (address.family() == AF_INET6) set_option(socket.fd(), IPPROTO_IPV6, IPV6_V6ONLY, 1);
  if (::bind(socket.fd(), address.sockaddr_ptr(), address.length()) != 0) throw failure("bind");
  return socket;
}

DatagramEndpoint::DatagramEndpoint(Socket socket, const Options& options)
    : socket_(std::move(socket)), options_(options) {
  if (options_.max_datagram_size == 0 || options_.receive_batch == 0 ||
      options_.max_datagrams_per_wakeup == 0 || options_.send_batch == 0) {
    throw std::invalid_argument("DatagramEndpoint: sizes, batches and budget must be positive");
  }
  const std::size_t slots = options_.receive_batch;
  // Not value-initialized: pages are touched only as datagrams fill them.
  receive_buffers_.reset(new char[slots * options_.max_datagram_size]);
  receive_iovecs_.resize(slots);
  receive_names_.resize(slots);
  receive_headers_.resize(slots);
  for (std::size_t i = 0; i < slots; ++i) {
    receive_iovecs_[i] = {receive_buffers_.get() + i * options_.max_datagram_size,
                          options_.max_datagram_size};
    msghdr& header = receive_headers_[i].msg_hdr;
    header.msg_name = &receive_names_[i];
    header.msg_iov = &receive_iovecs_[i];
    header.msg_iovlen = 1;
  }
  send_iovecs_.resize(options_.send_batch);
  send_headers_.resize(options_.send_batch);
  for (std::size_t i = 0; i < send_headers_.size(); ++i) {
    send_headers_[i].msg_hdr.msg_iov = &send_iovecs_[i];
    send_headers_[i].msg_hdr.msg_iovlen = 1;
  }
}

DatagramEndpoint::~DatagramEndpoint() {
  stop();
}

void DatagramEndpoint::start(Reactor& reactor) {
  if (!socket_.valid()) {
    throw std::system_error(EBADF, std::generic_category(),
                            "DatagramEndpoint::start after close()");
  }
  EventHandler::start(reactor, socket_.fd(), queued_datagrams() > 0 ? kRead | kWrite : kRead);
}

void DatagramEndpoint::stop() {
  EventHandler::stop();
}

void DatagramEndpoint::close() {
  stop();
  socket_.reset();
  pop(queued_datagrams());
}

DatagramEndpoint::SendResult DatagramEndpoint::send_to(std::string_view payload,
                                                       const SocketAddress& to) {
  if (!socket_.valid()) {
    ++stats_.dropped;
    return SendResult::kDropped;
  }
  if (queued_datagrams() > 0) return enqueue(payload, to);
  const ssize_t sent = retry_on_eintr([&] {
    return sys().sendto(socket_.fd(), payload.data(), payload.size(), 0, to.sockaddr_ptr(),
                        to.length());
  });
  if (sent >= 0) {
    ++stats_.sent;
    return SendResult::kSent;
  }
  if (would_block(errno)) return enqueue(payload, to);
  ++stats_.send_errors;
  return SendResult::kDropped;
}

void DatagramEndpoint::on_readable() {
  // Every datagram and every error counts against the budget, so nothing can hold the loop.
  unsigned int budget = options_.max_datagrams_per_wakeup;
  while (budget > 0) {
    const unsigned int wanted = std::min(options_.receive_batch, budget);
    const int got = receive_batch(wanted);
    if (got < 0 || !active()) return;
    budget -= static_cast<unsigned int>(std::max(got, 1));
    // Fewer than asked for: the socket is drained (level-triggered polling reports new ones).
    if (got > 0 && static_cast<unsigned int>(got) < wanted) return;
  }
}

void DatagramEndpoint::on_writable() {
  flush();
}

int DatagramEndpoint::receive_batch(unsigned int count) {
  for (unsigned int i = 0; i < count; ++i)
    receive_headers_[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
  const int got = retry_on_eintr(
      [&] { return sys().recvmmsg(socket_.fd(), receive_headers_.data(), count, 0); });
  if (got < 0) {
    if (would_block(errno)) return -1;
    // An error the kernel kept for an earlier datagram (ECONNREFUSED after an ICMP port
    // unreachable, ...): reporting it cleared it.
    ++stats_.receive_errors;
    return 0;
  }
  for (std::size_t i = 0; i < static_cast<std::size_t>(got); ++i) {
    const msghdr& header = receive_headers_[i].msg_hdr;
    if (header.msg_flags & MSG_TRUNC) {
      ++stats_.truncated;
      continue;
    }
    const std::optional<SocketAddress> from = SocketAddress::from_sockaddr(
        static_cast<const sockaddr*>(header.msg_name), header.msg_namelen);
    if (!from) {  // not an IP sender: not a datagram of this endpoint's kind
      ++stats_.receive_errors;
      continue;
    }
    ++stats_.received;
    on_datagram(std::string_view(static_cast<const char*>(header.msg_iov->iov_base),
                                 receive_headers_[i].msg_len),
                *from);
    if (!active()) break;  // stopped or closed by the callback: the rest is dropped
  }
  return got;
}

void DatagramEndpoint::flush() {
  while (queued_datagrams() > 0) {
    const std::size_t count = std::min<std::size_t>(options_.send_batch, queued_datagrams());
    for (std::size_t i = 0; i < count; ++i) {
      const Queued& datagram = queue_[queue_head_ + i];
      send_iovecs_[i] = {queue_bytes_.data() + datagram.offset, datagram.length};
      msghdr& header = send_headers_[i].msg_hdr;
      // sendmmsg() only reads the address; msghdr has no const member for it.
      header.msg_name = const_cast<sockaddr*>(datagram.to.sockaddr_ptr());
      header.msg_namelen = datagram.to.length();
    }
    const int sent = retry_on_eintr([&] {
      return sys().sendmmsg(socket_.fd(), send_headers_.data(), static_cast<unsigned int>(count),
                            0);
    });
    if (sent > 0) {
      stats_.sent += static_cast<std::uint64_t>(sent);
      pop(static_cast<std::size_t>(sent));
      continue;
    }
    if (would_block(errno)) return;  // write interest stays
    // The first datagram was refused (EMSGSIZE, EHOSTUNREACH, ...): drop it, go on with the rest.
    ++stats_.send_errors;
    pop(1);
  }
  disable(kWrite);
}

DatagramEndpoint::SendResult DatagramEndpoint::enqueue(std::string_view payload,
                                                       const SocketAddress& to) {
  if (queued_datagrams() >= options_.max_queued_datagrams ||
      payload.size() > options_.max_queued_bytes - queued_bytes()) {
    ++stats_.dropped;
    return SendResult::kDropped;
  }
  // Make room by moving what is queued to the front before growing either buffer.
  if (queue_.size() == queue_.capacity() && queue_head_ > 0) {
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(queue_head_));
    queue_head_ = 0;
  }
  if (payload.size() > queue_bytes_.size() - queue_bytes_used_ && queue_bytes_head_ > 0) {
    std::memmove(queue_bytes_.data(), queue_bytes_.data() + queue_bytes_head_, queued_bytes());
    for (std::size_t i = queue_head_; i < queue_.size(); ++i)
      queue_[i].offset -= queue_bytes_head_;
    queue_bytes_used_ -= queue_bytes_head_;
    queue_bytes_head_ = 0;
  }
  if (payload.size() > queue_bytes_.size() - queue_bytes_used_) {
    const std::size_t needed = queue_bytes_used_ + payload.size();
    queue_bytes_.resize(
        std::max(needed, std::min(queue_bytes_.size() * 2, options_.max_queued_bytes)));
  }
  if (!payload.empty()) {  // an empty payload may have no data() to copy from
    std::memcpy(queue_bytes_.data() + queue_bytes_used_, payload.data(), payload.size());
  }
  queue_.push_back({to, queue_bytes_used_, payload.size()});
  queue_bytes_used_ += payload.size();
  enable(kWrite);
  return SendResult::kQueued;
}

void DatagramEndpoint::pop(std::size_t count) {
  queue_head_ += count;
  if (queue_head_ == queue_.size()) {
    queue_.clear();
    queue_head_ = 0;
    queue_bytes_head_ = 0;
    queue_bytes_used_ = 0;
  } else {
    queue_bytes_head_ = queue_[queue_head_].offset;
  }
}

}  // namespace reactor
