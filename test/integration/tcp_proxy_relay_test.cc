// tcp_proxy relaying between real clients (Asio) and loopback upstreams written for the purpose:
// byte-exact relay, concurrency, round robin, failover, connect timeout, half-close and resets
// both ways (also on a socket paused for backpressure), bounded memory, idle timeout, the
// connection limit. The proxy's sockets are counted through /proc to show nothing is left behind.

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "apps/common/process_limits.h"
#include "test/integration/echo_server_process.h"
#include "test/integration/tcp_proxy_process.h"
#include "test/support/asio_client.h"
#include "test/support/loopback_upstream.h"

namespace proxy::testing {
namespace {

using echo::testing::budget;
using echo::testing::closed_by_peer;
using echo::testing::EchoServerProcess;
using echo::testing::make_payload;
using echo::testing::sanitized;
using reactor::testing::AsioClient;
using reactor::testing::BlackholeListener;
using reactor::testing::LoopbackUpstream;
using reactor::testing::ReadResult;
using Behaviour = LoopbackUpstream::Behaviour;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Polls `condition` until it holds or `timeout` passes; its last value.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!condition()) {
    if (Clock::now() >= deadline) return condition();
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// How much a proxy's RSS may grow for one connection whose peer does not read: a high-water mark
// and a read per direction, with room to spare; a sanitizer's shadow memory multiplies it.
constexpr std::size_t kMemoryBound = (sanitized() ? 16 : 4) << 20;

// The proxy holds only its listener: every relayed pair is gone.
bool only_listening(TcpProxyProcess& proxy) {
  return proxy.process().open_sockets() == 1u;
}

// Resets the client's connection (SO_LINGER 0, then close).
void reset(AsioClient& client) {
  client.socket().set_option(asio::socket_base::linger(true, 0));
  client.socket().close();
}

class TcpProxyRelayTest : public ::testing::Test {
 protected:
  std::unique_ptr<AsioClient> connect(TcpProxyProcess& proxy) {
    auto client = std::make_unique<AsioClient>(io_);
    const std::error_code error = client->connect(proxy.endpoint(), budget(2s));
    EXPECT_FALSE(error) << error.message();
    return client;
  }
  // One round trip of `message` through an echo upstream.
  void expect_echo(AsioClient& client, const std::string& message) {
    const ReadResult echoed = client.exchange(message, message.size(), budget(5s));
    EXPECT_FALSE(echoed.error) << echoed.error.message();
    EXPECT_TRUE(echoed.bytes == message)
        << "sizes " << echoed.bytes.size() << " / " << message.size();
  }

  asio::io_context io_;
};

TEST_F(TcpProxyRelayTest, RelaysMessagesOfManySizesUnchanged) {
  LoopbackUpstream upstream(Behaviour::kEcho);
  TcpProxyProcess proxy(upstream.address());
  std::unique_ptr<AsioClient> client = connect(proxy);
  std::uint64_t seed = 0;
  for (std::size_t size : {1, 2, 26, 100, 1000, 4095, 4096, 65535, 65536, 65537, 300000, 1 << 20})
    expect_echo(*client, make_payload(size, ++seed));
}

TEST_F(TcpProxyRelayTest, RelaysALargeStreamBothWaysUnchanged) {
  const std::size_t size = sanitized() ? std::size_t{8} << 20 : std::size_t{64} << 20;
  LoopbackUpstream upstream(Behaviour::kEcho);
  TcpProxyProcess proxy(upstream.address());
  std::unique_ptr<AsioClient> client = connect(proxy);
  const std::string payload = make_payload(size, 64);
  const ReadResult echoed = client->exchange(payload, payload.size(), budget(60s));
  ASSERT_FALSE(echoed.error) << echoed.error.message();
  EXPECT_TRUE(echoed.bytes == payload);
}

TEST_F(TcpProxyRelayTest, RelaysAnEndlessSourceUnchangedToAReadingClient) {
  const std::size_t size = sanitized() ? std::size_t{8} << 20 : std::size_t{64} << 20;
  LoopbackUpstream upstream(Behaviour::kSource);
  TcpProxyProcess proxy(upstream.address());
  std::unique_ptr<AsioClient> client = connect(proxy);
  const ReadResult read = client->read_exact(size, budget(60s));
  ASSERT_FALSE(read.error) << read.error.message();
  EXPECT_TRUE(read.bytes == LoopbackUpstream::source_bytes(size));
}

TEST_F(TcpProxyRelayTest, ServesManyConcurrentClientsEachWithItsOwnUpstream) {
  const std::size_t clients = sanitized() ? 200 : 2000;
  app::raise_open_file_limit();
  EchoServerProcess upstream;
  TcpProxyProcess proxy("127.0.0.1:" + std::to_string(upstream.endpoint().port()));
  std::vector<std::unique_ptr<AsioClient>> all =
      reactor::testing::connect_all(io_, proxy.endpoint(), clients, budget(20s));
  for (std::size_t i = 0; i < all.size(); ++i)
    ASSERT_FALSE(all[i]->write_all(make_payload(26, i), budget(5s)));
  for (std::size_t i = 0; i < all.size(); ++i) {
    const ReadResult echoed = all[i]->read_exact(26, budget(10s));
    ASSERT_FALSE(echoed.error) << "client " << i << ": " << echoed.error.message();
    ASSERT_EQ(echoed.bytes, make_payload(26, i)) << "client " << i;
  }
  // Every client has an upstream connection of its own, open at once.
  EXPECT_EQ(proxy.process().open_sockets(), 1 + 2 * clients);
  all.clear();
  EXPECT_TRUE(eventually([&] { return only_listening(proxy); }, budget(5s)));
}

TEST_F(TcpProxyRelayTest, ServesOnSeveralThreadsEachRoundRobinOverTheUpstreams) {
  LoopbackUpstream a(Behaviour::kEcho);
  LoopbackUpstream b(Behaviour::kEcho);
  TcpProxyProcess proxy(a.address() + "," + b.address(), {"--threads=2"});
  std::vector<std::unique_ptr<AsioClient>> clients =
      reactor::testing::connect_all(io_, proxy.endpoint(), 20, budget(5s));
  for (std::size_t i = 0; i < clients.size(); ++i)
    expect_echo(*clients[i], make_payload(1000, i));
  EXPECT_EQ(a.accepted() + b.accepted(), 20u);
  // Whichever threads the kernel picked, each alternates between the two upstreams.
  EXPECT_GT(a.accepted(), 0u);
  EXPECT_GT(b.accepted(), 0u);
}

TEST_F(TcpProxyRelayTest, SpreadsClientsOverTheUpstreamsRoundRobin) {
  LoopbackUpstream a(Behaviour::kEcho);
  LoopbackUpstream b(Behaviour::kEcho);
  TcpProxyProcess proxy(a.address() + "," + b.address());
  for (int i = 0; i < 4; ++i) {
    std::unique_ptr<AsioClient> client = connect(proxy);
    expect_echo(*client, "round " + std::to_string(i));
  }
  EXPECT_EQ(a.accepted(), 2u);
  EXPECT_EQ(b.accepted(), 2u);
}

TEST_F(TcpProxyRelayTest, FailsOverFromARefusingUpstreamToTheNext) {
  LoopbackUpstream working(Behaviour::kEcho);
  TcpProxyProcess proxy(LoopbackUpstream::refusing_address() + "," + working.address());
  for (int i = 0; i < 3; ++i) {
    std::unique_ptr<AsioClient> client = connect(proxy);
    expect_echo(*client, "failover " + std::to_string(i));
  }
  EXPECT_EQ(working.accepted(), 3u);
}

TEST_F(TcpProxyRelayTest, FailsOverFromAnUnansweringUpstreamAfterTheConnectTimeout) {
  BlackholeListener blackhole;
  ASSERT_TRUE(blackhole.saturated());
  LoopbackUpstream working(Behaviour::kEcho);
  TcpProxyProcess proxy(blackhole.address() + "," + working.address(),
                        {"--connect_timeout_ms=300"});
  const auto started = Clock::now();
  std::unique_ptr<AsioClient> client = connect(proxy);  // the first client tries the blackhole
  expect_echo(*client, "after the timeout");
  EXPECT_GE(Clock::now() - started, 250ms);
  EXPECT_EQ(working.accepted(), 1u);
}

TEST_F(TcpProxyRelayTest, ClosesTheClientWhenEveryUpstreamFailsAndServesOthers) {
  BlackholeListener blackhole;
  ASSERT_TRUE(blackhole.saturated());
  TcpProxyProcess proxy(LoopbackUpstream::refusing_address() + "," + blackhole.address(),
                        {"--connect_timeout_ms=200"});
  for (int i = 0; i < 2; ++i) {
    const auto started = Clock::now();
    std::unique_ptr<AsioClient> client = connect(proxy);
    const ReadResult read = client->read_until_eof(budget(2s));
    EXPECT_TRUE(closed_by_peer(read.error)) << read.error.message();
    // Two upstreams, each tried once: one refusal and one connect timeout, plus a little.
    EXPECT_LT(Clock::now() - started, budget(1s));
  }
  EXPECT_TRUE(eventually([&] { return only_listening(proxy); }, budget(1s)));
}

TEST_F(TcpProxyRelayTest, AClientHalfCloseReachesTheUpstreamAndItsReplyStillComesBack) {
  LoopbackUpstream upstream(Behaviour::kReplyAfterEof);
  TcpProxyProcess proxy(upstream.address());
  std::unique_ptr<AsioClient> client = connect(proxy);
  const std::string request = make_payload(200000, 1);
  ASSERT_FALSE(client->write_all(request, budget(5s)));
  ASSERT_FALSE(client->shutdown_write());
  const ReadResult reply = client->read_until_eof(budget(5s));
  EXPECT_EQ(reply.error, asio::error::eof);
  EXPECT_TRUE(reply.bytes == request);
  EXPECT_EQ(upstream.eofs_read(), 1u);
  EXPECT_TRUE(eventually([&] { return only_listening(proxy); }, budget(1s)));
}

TEST_F(TcpProxyRelayTest, AnUpstreamHalfCloseReachesTheClientWhichCanStillSend) {
  LoopbackUpstream upstream(Behaviour::kGreetAndHalfClose);
  TcpProxyProcess proxy(upstream.address());
  std::unique_ptr<AsioClient> client = connect(proxy);
  const ReadResult greeting = client->read_until_eof(budget(5s));
  EXPECT_EQ(greeting.error, asio::error::eof);
  EXPECT_EQ(greeting.bytes, LoopbackUpstream::greeting());
  ASSERT_FALSE(client->write_all("sent after the upstream's EOF", budget(5s)));
  ASSERT_FALSE(client->shutdown_write());
  EXPECT_TRUE(eventually([&] { return upstream.eofs_read() == 1; }, budget(2s)));
  EXPECT_EQ(upstream.received(), "sent after the upstream's EOF");
  EXPECT_TRUE(eventually([&] { return only_listening(proxy); }, budget(1s)));
}

TEST_F(TcpProxyRelayTest, AClientResetResetsTheUpstreamWithinASecond) {
  LoopbackUpstream upstream(Behaviour::kEcho);
  TcpProxyProcess proxy(upstream.address());
  std::unique_ptr<AsioClient> client = connect(proxy);
  expect_echo(*client, "before the reset");
  reset(*client);
  EXPECT_TRUE(eventually([&] { return upstream.resets_read() == 1; }, 1s));
  EXPECT_TRUE(eventually([&] { return only_listening(proxy); }, 1s));
}

TEST_F(TcpProxyRelayTest, AnUpstreamResetReachesTheClientWithinASecond) {
  LoopbackUpstream upstream(Behaviour::kResetOnData);
  TcpProxyProcess proxy(upstream.address());
  std::unique_ptr<AsioClient> client = connect(proxy);
  ASSERT_FALSE(client->write_all("provoke", budget(2s)));
  const ReadResult read = client->read_until_eof(1s);
  EXPECT_TRUE(closed_by_peer(read.error)) << read.error.message();
  EXPECT_TRUE(eventually([&] { return only_listening(proxy); }, 1s));
}

TEST_F(TcpProxyRelayTest, TheIdleTimeoutClosesBothSides) {
  LoopbackUpstream upstream(Behaviour::kEcho);
  TcpProxyProcess proxy(upstream.address(), {"--idle_timeout_ms=200"});
  std::unique_ptr<AsioClient> client = connect(proxy);
  expect_echo(*client, "then silence");
  const auto silent_since = Clock::now();
  const ReadResult read = client->read_until_eof(budget(3s));
  EXPECT_TRUE(closed_by_peer(read.error)) << read.error.message();
  EXPECT_GE(Clock::now() - silent_since, 150ms);
  EXPECT_TRUE(eventually([&] { return upstream.finished() == 1; }, budget(1s)));
  EXPECT_TRUE(eventually([&] { return only_listening(proxy); }, budget(1s)));
}

TEST_F(TcpProxyRelayTest, PastTheConnectionLimitANewClientIsClosedAtOnce) {
  LoopbackUpstream upstream(Behaviour::kEcho);
  TcpProxyProcess proxy(upstream.address(), {"--max_connections=1"});
  std::unique_ptr<AsioClient> admitted = connect(proxy);
  expect_echo(*admitted, "admitted");
  std::unique_ptr<AsioClient> refused = connect(proxy);
  const ReadResult read = refused->read_until_eof(budget(1s));
  EXPECT_TRUE(closed_by_peer(read.error)) << read.error.message();
  expect_echo(*admitted, "still served");
  EXPECT_EQ(upstream.accepted(), 1u);
}

// ---- Paused sockets and bounded memory, under both pollers ----

class TcpProxyFlowControlTest : public TcpProxyRelayTest,
                                public ::testing::WithParamInterface<const char*> {
 protected:
  std::vector<std::string> poller_flag() const { return {std::string("--poller=") + GetParam()}; }
  // Writes to a client until the proxy stops taking bytes (its write has not completed within a
  // short wait), with at most `limit` bytes.
  static std::size_t write_until_stalled(AsioClient& client, std::size_t limit) {
    const std::string chunk(1 << 20, 'w');
    std::size_t written = 0;
    while (written < limit && !client.write_all(chunk, 300ms))
      written += chunk.size();
    return written;
  }
};

TEST_P(TcpProxyFlowControlTest, ANonReadingClientOfAnEndlessSourceCostsBoundedMemory) {
  LoopbackUpstream upstream(Behaviour::kSource);
  TcpProxyProcess proxy(upstream.address(), poller_flag());
  const std::size_t rss_before = proxy.process().resident_bytes().value_or(0);
  std::unique_ptr<AsioClient> client = connect(proxy);
  // The source is held back once the kernel buffers and the proxy's queue are full.
  std::size_t sent = 0;
  ASSERT_TRUE(eventually(
      [&] {
        const std::size_t now = upstream.bytes_sent();
        std::this_thread::sleep_for(200ms);
        const bool stalled = now > 0 && upstream.bytes_sent() == now;
        sent = now;
        return stalled;
      },
      budget(10s)));
  const std::size_t rss_after = proxy.process().resident_bytes().value_or(SIZE_MAX);
  EXPECT_LT(rss_after - rss_before, kMemoryBound) << sent << " bytes sent";
}

TEST_P(TcpProxyFlowControlTest, AnEndlessClientOfANonReadingUpstreamCostsBoundedMemory) {
  LoopbackUpstream upstream(Behaviour::kSink);
  TcpProxyProcess proxy(upstream.address(), poller_flag());
  const std::size_t rss_before = proxy.process().resident_bytes().value_or(0);
  std::unique_ptr<AsioClient> client = connect(proxy);
  const std::size_t written = write_until_stalled(*client, std::size_t{256} << 20);
  EXPECT_LT(written, std::size_t{256} << 20);
  const std::size_t rss_after = proxy.process().resident_bytes().value_or(SIZE_MAX);
  EXPECT_LT(rss_after - rss_before, kMemoryBound) << written << " bytes written";
}

TEST_P(TcpProxyFlowControlTest, AResetFromAClientPausedForBackpressureIsNoticedWithinASecond) {
  LoopbackUpstream upstream(Behaviour::kSink);
  TcpProxyProcess proxy(upstream.address(), poller_flag());
  std::unique_ptr<AsioClient> client = connect(proxy);
  write_until_stalled(*client, std::size_t{256} << 20);  // the proxy now reads the client no more
  reset(*client);
  EXPECT_TRUE(eventually([&] { return only_listening(proxy); }, 1s));
}

TEST_P(TcpProxyFlowControlTest, AResetFromAnUpstreamPausedForBackpressureIsNoticedWithinASecond) {
  LoopbackUpstream upstream(Behaviour::kSourceThenReset);
  TcpProxyProcess proxy(upstream.address(), poller_flag());
  std::unique_ptr<AsioClient> client = connect(proxy);  // and never reads
  ASSERT_TRUE(eventually([&] { return upstream.finished() == 1; }, budget(10s)));
  EXPECT_TRUE(eventually([&] { return only_listening(proxy); }, 1s));
}

INSTANTIATE_TEST_SUITE_P(BothPollers, TcpProxyFlowControlTest, ::testing::Values("epoll", "poll"));

}  // namespace
}  // namespace proxy::testing
