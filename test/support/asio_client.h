// AsioClient: one TCP connection driven through Asio with blocking-style calls that each take a
// timeout, an implementation independent of the library for testing servers from the outside.
// A call runs the shared io_context only until its own operations complete; at the timeout they
// are cancelled and the call reports asio::error::timed_out.
// Ownership: owns its socket and the bytes read past what a call returned; the io_context is
// borrowed and must outlive the client. Threads: a context and its clients are used by one
// thread at a time.
#pragma once

#include <asio.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace reactor::testing {

// Bytes a read returned and why it stopped: no error when it got what it asked for,
// asio::error::eof on an orderly close by the peer, asio::error::timed_out at the timeout.
struct ReadResult {
  std::string bytes;
  std::error_code error;
};

class AsioClient {
 public:
  using Timeout = std::chrono::milliseconds;

  explicit AsioClient(asio::io_context& io);
  AsioClient(const AsioClient&) = delete;
  AsioClient& operator=(const AsioClient&) = delete;

  std::error_code connect(const asio::ip::tcp::endpoint& endpoint, Timeout timeout);
  std::error_code write_all(std::string_view bytes, Timeout timeout);
  // Exactly `count` bytes, or what came before an error cut the read short.
  ReadResult read_exact(std::size_t count, Timeout timeout);
  // Up to and including the next `delimiter`.
  ReadResult read_until(char delimiter, Timeout timeout);
  // Everything until the peer closes its side.
  ReadResult read_until_eof(Timeout timeout);
  // Writes `bytes` while reading `count` bytes, so that a large echo cannot stall on full socket
  // buffers; the result carries the first error of either side.
  ReadResult exchange(std::string_view bytes, std::size_t count, Timeout timeout);
  // Half-close: shutdown(SHUT_WR).
  std::error_code shutdown_write();

  asio::ip::tcp::socket& socket() { return socket_; }

 private:
  ReadResult take(std::size_t count, std::error_code error);

  asio::io_context& io_;
  asio::ip::tcp::socket socket_;
  std::string pending_;  // bytes read but not yet returned
};

// Runs `io` until `outstanding` drops to zero (handlers decrement it) or `deadline` passes; then
// calls `cancel` and runs the cancelled handlers to completion. False if the deadline passed.
bool run_until_complete(asio::io_context& io, const int& outstanding,
                        std::chrono::steady_clock::time_point deadline,
                        const std::function<void()>& cancel);

// Connects `count` clients at once, as a burst of simultaneous connects. Throws std::system_error
// if any connect fails or the timeout passes.
std::vector<std::unique_ptr<AsioClient>> connect_all(asio::io_context& io,
                                                     const asio::ip::tcp::endpoint& endpoint,
                                                     std::size_t count,
                                                     AsioClient::Timeout timeout);

}  // namespace reactor::testing
