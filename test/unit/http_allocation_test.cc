// No heap allocation per request in steady state: keep-alive requests through a TcpServer (with
// its IdleTracker) to HttpConnections on a real reactor, with every operator new of this
// executable counted (test/support/counted_allocations.h).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include "apps/http_server/http_connection.h"
#include "apps/http_server/serving_state.h"
#include "reactor/core/reactor.h"
#include "reactor/net/inet_address.h"
#include "reactor/net/socket.h"
#include "reactor/net/tcp_server.h"
#include "test/support/counted_allocations.h"

namespace http {
namespace {

using reactor::testing::allocations_now;

constexpr int kWarmUpRequests = 100;
constexpr int kMeasuredRequests = 5000;
constexpr std::chrono::milliseconds kWaitLimit{5000};

// A client on a plain socket that sends one request (or a pipelined batch) and turns the reactor
// until `reply_size` bytes came back. Fixed buffers, so the client side allocates nothing.
class Client {
 public:
  Client(reactor::Reactor& reactor, int fd) : reactor_(reactor), fd_(fd) {}

  // Returns how many of `count` exchanges got a reply of exactly `reply_size` bytes ending in
  // `tail`.
  int exchanges(int count, std::string_view request, std::size_t reply_size,
                std::string_view tail) {
    int good = 0;
    for (int i = 0; i < count; ++i) {
      if (exchange(request, reply_size) &&
          std::string_view(reply_, reply_size).substr(reply_size - tail.size()) == tail) {
        ++good;
      }
    }
    return good;
  }

  // Sends `request` and reads whatever comes back within a short wait; the reply's size.
  std::size_t probe(std::string_view request) {
    if (write(fd_, request.data(), request.size()) != static_cast<ssize_t>(request.size()))
      return 0;
    std::size_t received = 0;
    for (int i = 0; i < 20; ++i) {
      reactor_.run_once(std::chrono::milliseconds(10));
      const ssize_t n = read(fd_, reply_ + received, sizeof reply_ - received);
      if (n > 0) received += static_cast<std::size_t>(n);
    }
    return received;
  }

 private:
  bool exchange(std::string_view request, std::size_t reply_size) {
    if (write(fd_, request.data(), request.size()) != static_cast<ssize_t>(request.size()))
      return false;
    std::size_t received = 0;
    const auto deadline = std::chrono::steady_clock::now() + kWaitLimit;
    while (received < reply_size && std::chrono::steady_clock::now() < deadline) {
      reactor_.run_once(std::chrono::milliseconds(100));
      const ssize_t n = read(fd_, reply_ + received, sizeof reply_ - received);
      if (n > 0) received += static_cast<std::size_t>(n);
    }
    return received == reply_size;
  }

  reactor::Reactor& reactor_;
  const int fd_;
  char reply_[16384];
};

struct Exchange {
  const char* name;
  std::string request;
  std::string tail;  // how the whole reply ends
};

void PrintTo(const Exchange& param, std::ostream* out) {
  *out << param.name;
}

class HttpAllocationTest : public ::testing::TestWithParam<Exchange> {};

TEST_P(HttpAllocationTest, KeepAliveRequestsAllocateNothing) {
  reactor::Reactor reactor;
  ServingSettings settings;
  ServingState state(settings);
  reactor::TcpServer::Options options;
  options.idle_timeout = std::chrono::minutes(1);
  reactor::TcpServer server(
      reactor, reactor::listen_tcp(*reactor::InetAddress::parse("127.0.0.1", 0)),
      [&state](reactor::Socket socket) {
        return std::make_unique<HttpConnection>(std::move(socket), state);
      },
      options);
  server.start();
  reactor::Socket socket = reactor::connect_stream(*server.local_address());
  Client client(reactor, socket.fd());
  const std::size_t reply_size = client.probe(GetParam().request);
  ASSERT_GT(reply_size, GetParam().tail.size());
  ASSERT_EQ(server.connection_count(), 1u);
  // The first requests grow whatever grows once: the read buffer, the timer heap.
  ASSERT_EQ(client.exchanges(kWarmUpRequests, GetParam().request, reply_size, GetParam().tail),
            kWarmUpRequests);

  const long before = allocations_now();
  const int good =
      client.exchanges(kMeasuredRequests, GetParam().request, reply_size, GetParam().tail);
  const long allocated = allocations_now() - before;

  EXPECT_EQ(good, kMeasuredRequests);
  EXPECT_EQ(allocated, 0) << "heap allocations over " << kMeasuredRequests << " exchanges";
}

INSTANTIATE_TEST_SUITE_P(
    Requests, HttpAllocationTest,
    ::testing::Values(
        Exchange{"Plaintext", "GET /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n",
                 "Hello, World!"},
        Exchange{"ApacheBenchKeepAlive",
                 "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\nHost: localhost\r\nUser-Agent: "
                 "ApacheBench/2.3\r\nAccept: */*\r\n\r\n",
                 "Hello, World!"},
        Exchange{"PipelinedBatch",
                 "GET /plaintext HTTP/1.1\r\n\r\nGET /plaintext HTTP/1.1\r\n\r\n"
                 "HEAD / HTTP/1.1\r\n\r\nGET /plaintext HTTP/1.1\r\n\r\n",
                 "Hello, World!"},
        Exchange{"EchoContentLength", "POST /echo HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789",
                 "0123456789"},
        Exchange{"EchoChunked",
                 "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nabcd\r\n"
                 "0\r\nT: v\r\n\r\n",
                 "abcd"},
        Exchange{"EscapedPath404", "GET /no%20such HTTP/1.1\r\n\r\n", "Content-Length: 0\r\n\r\n"}),
    [](const ::testing::TestParamInfo<Exchange>& exchange) { return exchange.param.name; });

}  // namespace
}  // namespace http
