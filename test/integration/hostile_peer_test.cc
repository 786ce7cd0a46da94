// The echo_server binary against hostile peers, through an independent Asio client: silent
// (slowloris) connections are reaped by the idle timeout, a connection flood past
// --max_connections leaves the admitted connections served, and peers that send without ever
// reading cost bounded server memory. In each case another client is served meanwhile, and the
// server's sockets (in /proc/PID/fd) come back to their baseline.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "apps/common/process_limits.h"
#include "test/integration/echo_server_process.h"
#include "test/support/asio_client.h"

namespace echo::testing {
namespace {

using reactor::testing::AsioClient;
using reactor::testing::connect_all;
using reactor::testing::ReadResult;
using SteadyClock = std::chrono::steady_clock;
using Clients = std::vector<std::unique_ptr<AsioClient>>;
using namespace std::chrono_literals;

constexpr std::size_t MiB = std::size_t{1} << 20;

// Polls `condition` every 10 ms until it holds or `timeout` passes; its last value.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  while (!condition()) {
    if (SteadyClock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// Reads each client until the server closes it, all at once, recording when and how each read
// ended and what it received. The reads progress whenever the shared io_context runs, also
// inside another client's calls.
class CloseWatch {
 public:
  struct Close {
    std::string bytes;
    std::error_code error;
    SteadyClock::time_point at;
  };

  explicit CloseWatch(Clients& clients) : clients_(clients), closes_(clients.size()) {
    for (std::size_t i = 0; i < clients.size(); ++i) {
      ++pending_;
      asio::async_read(clients[i]->socket(), asio::dynamic_buffer(closes_[i].bytes),
                       [this, i](std::error_code error, std::size_t) {
                         closes_[i].error = error;
                         closes_[i].at = SteadyClock::now();
                         --pending_;
                       });
    }
  }

  int pending() const { return pending_; }
  // Runs `io` until every read has ended; at `timeout` cancels the rest (timed_out) and is false.
  bool wait(asio::io_context& io, std::chrono::milliseconds timeout) {
    const bool in_time =
        reactor::testing::run_until_complete(io, pending_, SteadyClock::now() + timeout, [this] {
          for (auto& client : clients_)
            client->socket().cancel();
        });
    if (!in_time) {
      for (Close& close : closes_) {
        if (close.error == asio::error::operation_aborted) close.error = asio::error::timed_out;
      }
    }
    return in_time;
  }
  const std::vector<Close>& closes() const { return closes_; }

 private:
  Clients& clients_;
  std::vector<Close> closes_;
  int pending_ = 0;
};

class HostilePeerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { app::raise_open_file_limit(); }

  // A fresh echo of a small message, or why not.
  static ::testing::AssertionResult echoes(AsioClient& client, std::uint64_t seed,
                                           std::size_t size = 4096) {
    const std::string message = make_payload(size, seed);
    const ReadResult echoed = client.exchange(message, message.size(), budget(2s));
    if (echoed.error) return ::testing::AssertionFailure() << echoed.error.message();
    if (echoed.bytes != message) return ::testing::AssertionFailure() << "wrong bytes echoed";
    return ::testing::AssertionSuccess();
  }

  // Waits for the server's open sockets to come back to `count`.
  static ::testing::AssertionResult sockets_settle_at(EchoServerProcess& server,
                                                      std::size_t count) {
    std::optional<std::size_t> sockets;
    if (eventually([&] { return (sockets = server.process().open_sockets()) == count; },
                   budget(2s))) {
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "server has " << (sockets ? std::to_string(*sockets) : "no /proc entry")
           << " sockets, not " << count;
  }

  asio::io_context io_;
};

TEST_F(HostilePeerTest, SlowlorisConnectionsAreReapedByTheIdleTimeoutWhileAnActiveClientIsServed) {
  constexpr auto kIdleTimeout = 500ms;
  constexpr std::size_t kSilent = 200;
  EchoServerProcess server({"--idle_timeout_ms=500"});
  const std::size_t baseline_sockets = server.process().open_sockets().value();
  AsioClient active(io_);
  ASSERT_FALSE(active.connect(server.endpoint(), budget(2s)));
  ASSERT_TRUE(echoes(active, 1));

  // Half of them send the start of a request that never ends, the other half nothing at all.
  // Each is silent from its last write, or from before its connect (the server's clock starts
  // at the accept).
  const auto connecting = SteadyClock::now();
  Clients silent = connect_all(io_, server.endpoint(), kSilent, budget(5s));
  std::vector<SteadyClock::time_point> silent_since(kSilent, connecting);
  const std::string partial_request = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
  for (std::size_t i = 0; i < kSilent; i += 2) {
    ASSERT_FALSE(silent[i]->write_all(partial_request, budget(2s)));
    silent_since[i] = SteadyClock::now();
  }
  const auto went_silent = SteadyClock::now();
  CloseWatch watch(silent);

  // The active client talks every 50 ms until every silent connection is gone, and is served
  // within its budget each time; the silent connections' closes are recorded meanwhile.
  std::uint64_t seed = 100;
  while (watch.pending() > 0 && SteadyClock::now() - went_silent < kIdleTimeout + budget(2s)) {
    ASSERT_TRUE(echoes(active, ++seed)) << "the active client was not served";
    io_.restart();
    io_.run_for(50ms);
  }
  ASSERT_TRUE(watch.wait(io_, budget(1s))) << watch.pending() << " silent connections still open";

  for (std::size_t i = 0; i < kSilent; ++i) {
    const CloseWatch::Close& close = watch.closes()[i];
    EXPECT_TRUE(closed_by_peer(close.error)) << "connection " << i << ": " << close.error.message();
    // The echo of the partial request is all a silent connection gets.
    EXPECT_EQ(close.bytes, i % 2 == 0 ? partial_request : "") << "connection " << i;
    const auto silence =
        std::chrono::duration_cast<std::chrono::milliseconds>(close.at - silent_since[i]);
    EXPECT_GE(silence.count(), (kIdleTimeout - 50ms).count()) << "connection " << i;
  }
  // The active connection outlived them all and is still served; the reaped ones left no socket.
  EXPECT_TRUE(echoes(active, ++seed));
  silent.clear();
  EXPECT_TRUE(sockets_settle_at(server, baseline_sockets + 1));
}

class ConnectionFloodTest : public HostilePeerTest, public ::testing::WithParamInterface<int> {};

TEST_P(ConnectionFloodTest, AFloodPastTheLimitLeavesTheAdmittedConnectionsServed) {
  constexpr std::size_t kLimit = 20;
  constexpr std::size_t kRounds = 3;
  constexpr std::size_t kFlood = 300;
  EchoServerProcess server(
      {"--max_connections=" + std::to_string(kLimit), "--threads=" + std::to_string(GetParam())});
  const std::size_t baseline_sockets = server.process().open_sockets().value();
  // Each admitted connection is served before the next connects, so all of them are counted.
  Clients admitted;
  for (std::size_t i = 0; i < kLimit; ++i) {
    admitted.push_back(std::make_unique<AsioClient>(io_));
    ASSERT_FALSE(admitted.back()->connect(server.endpoint(), budget(2s)));
    ASSERT_TRUE(echoes(*admitted.back(), i));
  }
  ASSERT_TRUE(sockets_settle_at(server, baseline_sockets + kLimit));

  std::uint64_t seed = 1000;
  for (std::size_t round = 0; round < kRounds; ++round) {
    Clients flood = connect_all(io_, server.endpoint(), kFlood, budget(5s));
    for (auto& client : flood) {
      // A request the server must not answer; it may already have closed (write error).
      asio::async_write(client->socket(), asio::buffer("refused?", 8),
                        [](std::error_code, std::size_t) {});
    }
    CloseWatch watch(flood);
    ASSERT_TRUE(watch.wait(io_, budget(5s))) << watch.pending() << " flood connections open";
    for (std::size_t i = 0; i < kFlood; ++i) {
      const CloseWatch::Close& close = watch.closes()[i];
      EXPECT_TRUE(closed_by_peer(close.error)) << "flood " << i << ": " << close.error.message();
      EXPECT_EQ(close.bytes, "") << "flood connection " << i << " was served";
    }
    for (std::size_t i = 0; i < kLimit; ++i) {
      EXPECT_TRUE(echoes(*admitted[i], ++seed)) << "round " << round << ", connection " << i;
    }
    EXPECT_TRUE(sockets_settle_at(server, baseline_sockets + kLimit)) << "round " << round;
  }
}

INSTANTIATE_TEST_SUITE_P(Threads, ConnectionFloodTest, ::testing::Values(1, 2),
                         [](const ::testing::TestParamInfo<int>& threads) {
                           return threads.param == 1 ? "OneThread" : "TwoThreads";
                         });

// A peer that writes and never reads: it writes one chunk after another until the server stops
// taking them, or until `limit` bytes are out.
class NonReadingPeer {
 public:
  NonReadingPeer(asio::io_context& io, const std::string& chunk, std::size_t limit)
      : client_(io), chunk_(chunk), limit_(limit) {}

  std::error_code connect(const asio::ip::tcp::endpoint& server) {
    return client_.connect(server, budget(2s));
  }
  void start() { write_next(); }
  std::size_t written() const { return written_; }
  const std::error_code& error() const { return error_; }

  // Leaves: closes the socket, unread echo and all (the kernel resets the connection), and runs
  // `io` until the write in progress has been cancelled.
  void leave(asio::io_context& io) {
    client_.socket().close();
    reactor::testing::run_until_complete(io, writing_, SteadyClock::now() + budget(1s), [] {});
  }

 private:
  void write_next() {
    if (written_ >= limit_) return;
    ++writing_;
    client_.socket().async_write_some(asio::buffer(chunk_),
                                      [this](std::error_code error, std::size_t count) {
                                        --writing_;
                                        written_ += count;
                                        if (error) error_ = error;
                                        if (!error) write_next();
                                      });
  }

  AsioClient client_;
  const std::string& chunk_;
  const std::size_t limit_;
  std::size_t written_ = 0;
  int writing_ = 0;
  std::error_code error_;
};

TEST_F(HostilePeerTest, PeersThatSendWithoutReadingCostBoundedMemoryAndOthersAreServed) {
  constexpr std::size_t kPeers = 4;
  // Each tries to send this much; the server's backpressure must stop it long before.
  constexpr std::size_t kAttempted = (sanitized() ? 64 : 256) * MiB;
  // Per peer: the output queue (1 MiB high-water mark, its storage at most doubled) and a few
  // reads past it, with allocator slack; sanitizers add shadow memory on top.
  constexpr std::size_t kPerPeer = (sanitized() ? 12 : 4) * MiB;
  constexpr std::size_t kMaxGrowth = kPeers * kPerPeer + 4 * MiB;
  EchoServerProcess server({}, {asan_options_with("quarantine_size_mb=1")});
  const std::size_t baseline_sockets = server.process().open_sockets().value();
  AsioClient active(io_);
  ASSERT_FALSE(active.connect(server.endpoint(), budget(2s)));
  const std::string warm_up = make_payload(MiB, 1);
  ASSERT_FALSE(active.exchange(warm_up, warm_up.size(), budget(5s)).error);
  const std::size_t baseline_rss = server.process().resident_bytes().value();

  const std::string chunk = make_payload(MiB, 2);
  std::vector<std::unique_ptr<NonReadingPeer>> peers;
  for (std::size_t i = 0; i < kPeers; ++i) {
    peers.push_back(std::make_unique<NonReadingPeer>(io_, chunk, kAttempted));
    ASSERT_FALSE(peers.back()->connect(server.endpoint()));
    peers.back()->start();
  }
  // Run the writers until none has made progress for 300 ms (they are stalled) or the time is up.
  auto total_written = [&] {
    std::size_t total = 0;
    for (const auto& peer : peers)
      total += peer->written();
    return total;
  };
  const auto deadline = SteadyClock::now() + budget(10s);
  std::size_t last_total = 0;
  auto last_progress = SteadyClock::now();
  std::size_t peak_rss = baseline_rss;
  io_.restart();
  while (SteadyClock::now() - last_progress < 300ms && SteadyClock::now() < deadline) {
    io_.run_for(20ms);
    peak_rss = std::max(peak_rss, server.process().resident_bytes().value_or(0));
    if (total_written() != last_total) {
      last_total = total_written();
      last_progress = SteadyClock::now();
    }
  }
  for (const auto& peer : peers) {
    EXPECT_FALSE(peer->error()) << peer->error().message();
    EXPECT_LT(peer->written(), kAttempted) << "the server never pushed back";
  }

  // The stalled peers hold their share of the server; everyone else is still served.
  std::uint64_t seed = 10;
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(echoes(active, ++seed, 64 << 10)) << "exchange " << i;
    peak_rss = std::max(peak_rss, server.process().resident_bytes().value_or(0));
  }
  EXPECT_LT(peak_rss - baseline_rss, kMaxGrowth)
      << "server RSS grew from " << baseline_rss << " to " << peak_rss << " bytes";

  // Once the peers leave, their connections go (reset: their echo can no longer be delivered).
  for (const auto& peer : peers)
    peer->leave(io_);
  EXPECT_TRUE(sockets_settle_at(server, baseline_sockets + 1));
  EXPECT_TRUE(echoes(active, ++seed));
}

}  // namespace
}  // namespace echo::testing
