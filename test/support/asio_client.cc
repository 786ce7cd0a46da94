#include "test/support/asio_client.h"

#include <algorithm>

namespace reactor::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;

}  // namespace

bool run_until_complete(asio::io_context& io, const int& outstanding,
                        SteadyClock::time_point deadline, const std::function<void()>& cancel) {
  io.restart();
  while (outstanding > 0 && io.run_one_until(deadline) > 0) {
  }
  if (outstanding == 0) return true;
  cancel();
  io.restart();
  while (outstanding > 0)
    io.run_one();  // cancelled operations complete at once
  return false;
}

AsioClient::AsioClient(asio::io_context& io) : io_(io), socket_(io) {}

std::error_code AsioClient::connect(const asio::ip::tcp::endpoint& endpoint, Timeout timeout) {
  std::error_code error;
  int outstanding = 1;
  socket_.async_connect(endpoint, [&](std::error_code ec) {
    error = ec;
    --outstanding;
  });
  if (!run_until_complete(io_, outstanding, SteadyClock::now() + timeout,
                          [this] { socket_.close(); })) {
    return asio::error::timed_out;
  }
  if (!error) socket_.set_option(asio::ip::tcp::no_delay(true), error);
  return error;
}

std::error_code AsioClient::write_all(std::string_view bytes, Timeout timeout) {
  std::error_code error;
  int outstanding = 1;
  asio::async_write(socket_, asio::buffer(bytes.data(), bytes.size()),
                    [&](std::error_code ec, std::size_t) {
                      error = ec;
                      --outstanding;
                    });
  if (!run_until_complete(io_, outstanding, SteadyClock::now() + timeout,
                          [this] { socket_.cancel(); })) {
    return asio::error::timed_out;
  }
  return error;
}

ReadResult AsioClient::read_exact(std::size_t count, Timeout timeout) {
  std::error_code error;
  if (pending_.size() < count) {
    int outstanding = 1;
    asio::async_read(socket_, asio::dynamic_buffer(pending_),
                     asio::transfer_exactly(count - pending_.size()),
                     [&](std::error_code ec, std::size_t) {
                       error = ec;
                       --outstanding;
                     });
    if (!run_until_complete(io_, outstanding, SteadyClock::now() + timeout,
                            [this] { socket_.cancel(); })) {
      error = asio::error::timed_out;
    }
  }
  return take(std::min(count, pending_.size()), error);
}

ReadResult AsioClient::read_until(char delimiter, Timeout timeout) {
  std::error_code error;
  std::size_t length = 0;
  int outstanding = 1;
  asio::async_read_until(socket_, asio::dynamic_buffer(pending_), delimiter,
                         [&](std::error_code ec, std::size_t n) {
                           error = ec;
                           length = n;
                           --outstanding;
                         });
  if (!run_until_complete(io_, outstanding, SteadyClock::now() + timeout,
                          [this] { socket_.cancel(); })) {
    error = asio::error::timed_out;
  }
  return take(error ? pending_.size() : length, error);
}

ReadResult AsioClient::read_until_eof(Timeout timeout) {
  std::error_code error;
  int outstanding = 1;
  asio::async_read(socket_, asio::dynamic_buffer(pending_), [&](std::error_code ec, std::size_t) {
    error = ec;
    --outstanding;
  });
  if (!run_until_complete(io_, outstanding, SteadyClock::now() + timeout,
                          [this] { socket_.cancel(); })) {
    error = asio::error::timed_out;
  }
  return take(pending_.size(), error);
}

ReadResult AsioClient::exchange(std::string_view bytes, std::size_t count, Timeout timeout) {
  std::error_code write_error;
  std::error_code read_error;
  int outstanding = 2;
  asio::async_write(socket_, asio::buffer(bytes.data(), bytes.size()),
                    [&](std::error_code ec, std::size_t) {
                      write_error = ec;
                      --outstanding;
                    });
  asio::async_read(socket_, asio::dynamic_buffer(pending_),
                   asio::transfer_exactly(count > pending_.size() ? count - pending_.size() : 0),
                   [&](std::error_code ec, std::size_t) {
                     read_error = ec;
                     --outstanding;
                   });
  if (!run_until_complete(io_, outstanding, SteadyClock::now() + timeout,
                          [this] { socket_.cancel(); })) {
    return take(std::min(count, pending_.size()), asio::error::timed_out);
  }
  return take(std::min(count, pending_.size()), read_error ? read_error : write_error);
}

std::error_code AsioClient::shutdown_write() {
  std::error_code error;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, error);
  return error;
}

ReadResult AsioClient::take(std::size_t count, std::error_code error) {
  ReadResult result{pending_.substr(0, count), error};
  pending_.erase(0, count);
  return result;
}

std::vector<std::unique_ptr<AsioClient>> connect_all(asio::io_context& io,
                                                     const asio::ip::tcp::endpoint& endpoint,
                                                     std::size_t count,
                                                     AsioClient::Timeout timeout) {
  std::vector<std::unique_ptr<AsioClient>> clients;
  std::error_code first_error;
  int outstanding = 0;
  for (std::size_t i = 0; i < count; ++i) {
    clients.push_back(std::make_unique<AsioClient>(io));
    ++outstanding;
    clients.back()->socket().async_connect(endpoint, [&](std::error_code ec) {
      if (ec && !first_error) first_error = ec;
      --outstanding;
    });
  }
  const bool in_time = run_until_complete(io, outstanding, SteadyClock::now() + timeout, [&] {
    for (auto& client : clients)
      client->socket().close();
  });
  if (!in_time) first_error = asio::error::timed_out;
  if (first_error) throw std::system_error(first_error, "connect_all");
  for (auto& client : clients)
    client->socket().set_option(asio::ip::tcp::no_delay(true));
  return clients;
}

}  // namespace reactor::testing
