// No heap allocation per message: echo round trips on warmed-up connections, with every
// operator new of this executable counted. The replacement operators
// (test/support/counted_allocations.cc) are global, which is why this suite is an executable of
// its own.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "reactor/core/reactor.h"
#include "reactor/core/syscalls.h"
#include "reactor/net/connection.h"
#include "reactor/net/datagram_endpoint.h"
#include "reactor/net/inet_address.h"
#include "reactor/net/socket.h"
#include "reactor/net/tcp_server.h"
#include "reactor/testing/socket_pair.h"
#include "test/support/counted_allocations.h"
#include "test/support/echo_connection.h"
#include "test/support/echo_driver.h"

namespace reactor {
namespace {

using testing::allocations_now;
using testing::EchoConnection;
using testing::EchoDriver;

constexpr int kWarmUpRoundTrips = 100;
constexpr int kMeasuredRoundTrips = 10000;
constexpr std::chrono::milliseconds kWaitLimit{5000};

class EchoEndpoint final : public DatagramEndpoint {
 public:
  using DatagramEndpoint::DatagramEndpoint;

 private:
  void on_datagram(std::string_view payload, const SocketAddress& from) override {
    send_to(payload, from);
  }
};

// Runs `reactor` until `server` holds `count` connections, or for at most kWaitLimit.
bool accepted(Reactor& reactor, const TcpServer& server, std::size_t count) {
  const auto deadline = std::chrono::steady_clock::now() + kWaitLimit;
  while (server.connection_count() != count && std::chrono::steady_clock::now() < deadline)
    reactor.run_once(std::chrono::milliseconds(100));
  return server.connection_count() == count;
}

TEST(AllocationTest, TheCounterSeesAnAllocation) {
  // Without this, a zero count below could mean the replacement operators were never used.
  // A direct call of the operator, which the compiler may not elide as it may a new-expression.
  const long before = allocations_now();
  void* memory = ::operator new(sizeof(int));
  const long counted = allocations_now() - before;
  ::operator delete(memory);
  EXPECT_EQ(counted, 1);
}

// Owned timers (Reactor::run_after) come from a slab whose released slots are reused, so arming
// and cancelling them in steady state allocates nothing while their functions fit in
// std::function's own storage.
TEST(AllocationTest, ArmingAndCancellingOwnedTimersAgainAllocatesNothing) {
  Reactor reactor;
  int fired = 0;
  std::vector<TimerHandle> handles;
  handles.reserve(100);
  const auto arm_and_cancel = [&] {
    for (int i = 0; i < 100; ++i)
      handles.push_back(reactor.run_after(std::chrono::seconds(30), [&fired] { ++fired; }));
    for (TimerHandle& handle : handles)
      handle.cancel();
    handles.clear();
  };
  arm_and_cancel();  // grows the slab and the timer heap once

  const long before = allocations_now();
  arm_and_cancel();
  const long allocated = allocations_now() - before;

  EXPECT_EQ(allocated, 0);
  EXPECT_EQ(reactor.active_timers(), 0u);
}

class AllocationPerMessageTest : public ::testing::TestWithParam<std::size_t> {};

TEST_P(AllocationPerMessageTest, EchoOverASocketPairAllocatesNothing) {
  Reactor reactor;
  testing::SocketPair pair;
  EchoConnection connection(Socket(pair.release_local()));
  connection.start(reactor);
  EchoDriver driver(reactor, pair.peer());
  // The first round trips grow whatever grows once: the per-thread read buffer, the batch.
  ASSERT_EQ(driver.round_trips(kWarmUpRoundTrips, GetParam()), kWarmUpRoundTrips);

  const long before = allocations_now();
  const int intact = driver.round_trips(kMeasuredRoundTrips, GetParam());
  const long allocated = allocations_now() - before;

  EXPECT_EQ(intact, kMeasuredRoundTrips);
  EXPECT_EQ(allocated, 0) << "heap allocations over " << kMeasuredRoundTrips << " round trips";
}

TEST_P(AllocationPerMessageTest, EchoThroughATcpServerWithIdleTimeoutAllocatesNothing) {
  // The whole server path: accepted socket, TcpServer, IdleTracker touched on every read, and
  // its timer armed.
  Reactor reactor;
  TcpServer::Options options;
  options.idle_timeout = std::chrono::minutes(1);
  TcpServer server(
      reactor, listen_tcp(*InetAddress::parse("127.0.0.1", 0)),
      [](Socket socket) { return std::make_unique<EchoConnection>(std::move(socket)); }, options);
  server.start();
  Socket client = connect_stream(*server.local_address());
  ASSERT_TRUE(accepted(reactor, server, 1));
  EchoDriver driver(reactor, client.fd());
  ASSERT_EQ(driver.round_trips(kWarmUpRoundTrips, GetParam()), kWarmUpRoundTrips);

  const long before = allocations_now();
  const int intact = driver.round_trips(kMeasuredRoundTrips, GetParam());
  const long allocated = allocations_now() - before;

  EXPECT_EQ(intact, kMeasuredRoundTrips);
  EXPECT_EQ(allocated, 0) << "heap allocations over " << kMeasuredRoundTrips << " round trips";
}

TEST_P(AllocationPerMessageTest, UdpEchoAllocatesNothing) {
  Reactor reactor;
  const InetAddress loopback = *InetAddress::parse("127.0.0.1", 0);
  EchoEndpoint endpoint(bind_udp(loopback));
  endpoint.start(reactor);
  Socket peer = bind_udp(loopback);
  const SocketAddress server = *endpoint.local_address();
  ASSERT_EQ(::connect(peer.fd(), server.sockaddr_ptr(), server.length()), 0);
  EchoDriver driver(reactor, peer.fd());
  ASSERT_EQ(driver.round_trips(kWarmUpRoundTrips, GetParam()), kWarmUpRoundTrips);

  const long before = allocations_now();
  const int intact = driver.round_trips(kMeasuredRoundTrips, GetParam());
  const long allocated = allocations_now() - before;

  EXPECT_EQ(intact, kMeasuredRoundTrips);
  EXPECT_EQ(allocated, 0) << "heap allocations over " << kMeasuredRoundTrips << " round trips";
}

// The kernel's sendto() would block while `blocked` is set, so that datagrams queue.
class BlockableSends final : public Syscalls {
 public:
  bool blocked = false;

  ssize_t sendto(int fd, const void* buf, size_t count, int flags, const sockaddr* to,
                 socklen_t tolen) override {
    if (!blocked) return Syscalls::sendto(fd, buf, count, flags, to, tolen);
    errno = EAGAIN;
    return -1;
  }
};

// A datagram queue that filled and drained once fills and drains again without allocating.
TEST(AllocationTest, RefillingTheDatagramQueueAllocatesNothing) {
  BlockableSends sends;
  ScopedSyscalls scoped(sends);
  Reactor reactor;
  const InetAddress loopback = *InetAddress::parse("127.0.0.1", 0);
  EchoEndpoint endpoint(bind_udp(loopback));
  endpoint.start(reactor);
  Socket peer = bind_udp(loopback);
  const SocketAddress to = *InetAddress::local_of(peer.fd());
  const std::string payload(512, 'q');
  char buffer[1024];
  // Queues 64 datagrams, flushes them, and returns how many the peer received.
  const auto fill_and_drain = [&] {
    sends.blocked = true;
    for (int i = 0; i < 64; ++i)
      endpoint.send_to(std::string_view(payload).substr(0, 256 + i * 4), to);
    sends.blocked = false;
    const auto deadline = std::chrono::steady_clock::now() + kWaitLimit;
    while (endpoint.queued_datagrams() > 0 && std::chrono::steady_clock::now() < deadline)
      reactor.run_once(std::chrono::milliseconds(100));
    int received = 0;
    while (::recv(peer.fd(), buffer, sizeof buffer, MSG_DONTWAIT) > 0)
      ++received;
    return received;
  };
  ASSERT_EQ(fill_and_drain(), 64);

  const long before = allocations_now();
  int received = 0;
  for (int round = 0; round < 10; ++round)
    received += fill_and_drain();
  const long allocated = allocations_now() - before;

  EXPECT_EQ(received, 640);
  EXPECT_EQ(allocated, 0);
}

// A periodic broadcast visits every connection: only the first visit may allocate.
TEST(AllocationTest, VisitingTheConnectionsAgainAllocatesNothing) {
  Reactor reactor;
  TcpServer server(
      reactor, listen_tcp(*InetAddress::parse("127.0.0.1", 0)),
      [](Socket socket) { return std::make_unique<EchoConnection>(std::move(socket)); }, {});
  server.start();
  constexpr std::size_t kClients = 8;
  std::vector<Socket> clients;
  for (std::size_t i = 0; i < kClients; ++i)
    clients.push_back(connect_stream(*server.local_address()));
  ASSERT_TRUE(accepted(reactor, server, kClients));
  std::size_t visits = 0;
  server.for_each_connection([&visits](Connection&) { ++visits; });

  const long before = allocations_now();
  for (int i = 0; i < 100; ++i)
    server.for_each_connection([&visits](Connection&) { ++visits; });
  const long allocated = allocations_now() - before;

  EXPECT_EQ(visits, 101 * kClients);
  EXPECT_EQ(allocated, 0);
}

INSTANTIATE_TEST_SUITE_P(MessageSizes, AllocationPerMessageTest,
                         ::testing::Values(std::size_t{26}, std::size_t{4096}),
                         [](const ::testing::TestParamInfo<std::size_t>& size) {
                           return std::to_string(size.param) + "Bytes";
                         });

}  // namespace
}  // namespace reactor
