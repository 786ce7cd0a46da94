// No heap allocation per relayed message: echo round trips through the proxy's classes (a
// TcpServer of ClientConnections and an UpstreamPool, as tcp_proxy composes them) to an echo
// server, all on one reactor, with every operator new of this executable counted
// (test/support/counted_allocations.cc, hence an executable of its own).
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <vector>

#include "apps/tcp_proxy/client_connection.h"
#include "apps/tcp_proxy/upstream_pool.h"
#include "reactor/core/reactor.h"
#include "reactor/net/connection.h"
#include "reactor/net/inet_address.h"
#include "reactor/net/socket.h"
#include "reactor/net/tcp_server.h"
#include "test/support/counted_allocations.h"
#include "test/support/echo_connection.h"
#include "test/support/echo_driver.h"

namespace proxy {
namespace {

using reactor::testing::allocations_now;
using reactor::testing::EchoConnection;
using reactor::testing::EchoDriver;

constexpr int kWarmUpRoundTrips = 100;
constexpr int kMeasuredRoundTrips = 10000;

reactor::Socket listener() {
  return reactor::listen_tcp(*reactor::InetAddress::parse("127.0.0.1", 0));
}

class TcpProxyAllocationTest : public ::testing::TestWithParam<std::size_t> {};

TEST_P(TcpProxyAllocationTest, RelayedRoundTripsAllocateNothing) {
  reactor::Reactor reactor;
  reactor::TcpServer echo(
      reactor, listener(),
      [](reactor::Socket socket) { return std::make_unique<EchoConnection>(std::move(socket)); },
      {});
  echo.start();
  const std::vector<reactor::InetAddress> upstreams{*echo.local_address()->inet()};
  UpstreamPool pool(reactor, upstreams, std::chrono::seconds(2));
  reactor::TcpServer::Options options;  // as tcp_proxy --idle_timeout_ms sets them
  options.idle_timeout = std::chrono::minutes(1);
  options.idle_activity = reactor::IdleTracker::Activity::kInputAndOutput;
  reactor::TcpServer clients(
      reactor, listener(),
      [&pool](reactor::Socket socket) {
        return std::make_unique<ClientConnection>(std::move(socket), pool);
      },
      options);
  clients.start();
  reactor::Socket client = reactor::connect_stream(*clients.local_address());
  EchoDriver driver(reactor, client.fd());
  // The first round trips connect the upstream and grow what grows once.
  ASSERT_EQ(driver.round_trips(kWarmUpRoundTrips, GetParam()), kWarmUpRoundTrips);
  ASSERT_EQ(pool.connection_count(), 1u);

  const long before = allocations_now();
  const int intact = driver.round_trips(kMeasuredRoundTrips, GetParam());
  const long allocated = allocations_now() - before;

  EXPECT_EQ(intact, kMeasuredRoundTrips);
  EXPECT_EQ(allocated, 0) << "heap allocations over " << kMeasuredRoundTrips << " round trips";
}

INSTANTIATE_TEST_SUITE_P(MessageSizes, TcpProxyAllocationTest, ::testing::Values(1, 26, 4096));

}  // namespace
}  // namespace proxy
