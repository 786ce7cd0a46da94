// The echo_server binary from outside, through an independent Asio client: byte-exact echo in
// every configuration, big streams with bounded server memory, half-close, many connections,
// and the connection limit, idle timeout and status broadcast.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
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
using namespace std::chrono_literals;

class EchoServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { app::raise_open_file_limit(); }

  asio::io_context io_;
};

// A server configuration and a name for it.
struct Setup {
  const char* name;
  std::vector<std::string> flags;
};

void PrintTo(const Setup& setup, std::ostream* out) {
  *out << setup.name;
}

std::string setup_name(const ::testing::TestParamInfo<Setup>& setup) {
  return setup.param.name;
}

class EchoConfigTest : public EchoServerTest, public ::testing::WithParamInterface<Setup> {};

TEST_P(EchoConfigTest, EchoesMessagesOfEverySizeByteExact) {
  EchoServerProcess server(GetParam().flags);
  AsioClient client(io_);
  ASSERT_FALSE(client.connect(server.endpoint(), budget(2s)));
  std::uint64_t seed = 0;
  for (std::size_t size : {std::size_t{1}, std::size_t{1} << 10, std::size_t{64} << 10,
                           std::size_t{1} << 20, std::size_t{4} << 20}) {
    const std::string message = make_payload(size, ++seed);
    const ReadResult echoed = client.exchange(message, size, budget(5s));
    ASSERT_FALSE(echoed.error) << size << " bytes: " << echoed.error.message();
    ASSERT_TRUE(echoed.bytes == message) << size << " bytes came back different";
  }
}

TEST_P(EchoConfigTest, ThousandConcurrentConnectionsAllEcho) {
  constexpr std::size_t kConnections = 1000;
  EchoServerProcess server(GetParam().flags);
  // One burst of simultaneous connects: the listen backlog must take it.
  auto clients = connect_all(io_, server.endpoint(), kConnections, budget(5s));
  std::vector<std::string> messages;
  for (std::size_t i = 0; i < kConnections; ++i) {
    messages.push_back(make_payload(100, 1000 + i));
    ASSERT_FALSE(clients[i]->write_all(messages[i], budget(2s)));
  }
  for (std::size_t i = 0; i < kConnections; ++i) {
    const ReadResult echoed = clients[i]->read_exact(messages[i].size(), budget(5s));
    ASSERT_FALSE(echoed.error) << "connection " << i << ": " << echoed.error.message();
    ASSERT_EQ(echoed.bytes, messages[i]) << "connection " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Configurations, EchoConfigTest,
                         ::testing::Values(Setup{"Epoll", {}}, Setup{"Poll", {"--poller=poll"}},
                                           Setup{"TwoThreads", {"--threads=2"}},
                                           Setup{"Ipv6", {"--host=::1"}}),
                         setup_name);

// Writes a stream while reading its echo, both asynchronously on one io_context: a chain of
// chunked writes, and reads that check every byte as it comes.
class StreamEcho {
 public:
  StreamEcho(asio::ip::tcp::socket& socket, const std::string& data)
      : socket_(socket), data_(data), buffer_(1 << 20) {}

  void start_writing() {
    ++outstanding_;
    write_next();
  }
  void start_reading() {
    ++outstanding_;
    read_next();
  }

  std::size_t written() const { return written_; }
  std::size_t received() const { return received_; }
  const int& outstanding() const { return outstanding_; }
  const std::error_code& error() const { return error_; }
  bool intact() const { return intact_; }
  // Called after each read with the total received so far.
  std::function<void(std::size_t)> on_progress = [](std::size_t) {};

 private:
  static constexpr std::size_t kWriteChunk = 256 << 10;

  void write_next() {
    const std::size_t n = std::min(kWriteChunk, data_.size() - written_);
    asio::async_write(socket_, asio::buffer(data_.data() + written_, n),
                      [this](std::error_code error, std::size_t sent) {
                        written_ += sent;
                        if (!error && written_ < data_.size()) return write_next();
                        finish(error);
                      });
  }

  void read_next() {
    socket_.async_read_some(asio::buffer(buffer_), [this](std::error_code error, std::size_t n) {
      if (n > data_.size() - received_ ||
          std::memcmp(buffer_.data(), data_.data() + received_, n) != 0) {
        intact_ = false;
      }
      received_ += n;
      on_progress(received_);
      if (!error && intact_ && received_ < data_.size()) return read_next();
      finish(error);
    });
  }

  void finish(std::error_code error) {
    if (error && !error_) error_ = error;
    --outstanding_;
  }

  asio::ip::tcp::socket& socket_;
  const std::string& data_;
  std::vector<char> buffer_;
  std::size_t written_ = 0;
  std::size_t received_ = 0;
  int outstanding_ = 0;
  std::error_code error_;
  bool intact_ = true;
};

TEST_F(EchoServerTest, LongStreamKeepsServerMemoryBounded) {
  constexpr std::size_t kStreamBytes = std::size_t{64} << 20;
  // With backpressure the server holds about a megabyte per connection; without it, it would
  // queue most of the stream while the client is not reading.
  constexpr std::size_t kMaxGrowth = std::size_t{16} << 20;
  // Under ASan, freed blocks must leave the quarantine promptly for RSS to mean anything.
  EchoServerProcess server({}, {asan_options_with("quarantine_size_mb=1")});
  AsioClient client(io_);
  ASSERT_FALSE(client.connect(server.endpoint(), budget(2s)));
  const std::string warm_up = make_payload(1 << 20, 7);
  ASSERT_FALSE(client.exchange(warm_up, warm_up.size(), budget(5s)).error);
  const std::optional<std::size_t> baseline = server.process().resident_bytes();
  ASSERT_TRUE(baseline.has_value());

  const std::string data = make_payload(kStreamBytes, 8);
  StreamEcho stream(client.socket(), data);
  std::size_t peak = *baseline;
  auto sample = [&] { peak = std::max(peak, server.process().resident_bytes().value_or(0)); };

  // Phase 1: write without reading until the writer stalls, which it must long before the end
  // of the stream: everything in flight is then queued somewhere, the server's share included.
  stream.start_writing();
  io_.restart();
  while (stream.outstanding() > 0 && io_.run_one_for(budget(200ms)) > 0) {
  }
  sample();
  EXPECT_LT(stream.written(), kStreamBytes) << "the server never pushed back";

  // Phase 2: read (and check) the echo while writing the rest.
  std::size_t next_sample = 0;
  stream.on_progress = [&](std::size_t received) {
    if (received < next_sample) return;
    sample();
    next_sample = received + (4 << 20);
  };
  stream.start_reading();
  const bool in_time = reactor::testing::run_until_complete(io_, stream.outstanding(),
                                                            SteadyClock::now() + budget(30s),
                                                            [&] { client.socket().cancel(); });
  ASSERT_TRUE(in_time) << "written " << stream.written() << ", received " << stream.received();
  ASSERT_FALSE(stream.error()) << stream.error().message();
  EXPECT_TRUE(stream.intact()) << "echoed bytes differ at or after offset " << stream.received();
  EXPECT_EQ(stream.received(), kStreamBytes);
  EXPECT_LT(peak - *baseline, kMaxGrowth)
      << "server RSS grew from " << *baseline << " to " << peak << " bytes";
}

TEST_F(EchoServerTest, HalfCloseGetsEveryEchoedByteThenEof) {
  EchoServerProcess server;
  AsioClient client(io_);
  ASSERT_FALSE(client.connect(server.endpoint(), budget(2s)));
  // Nothing is read before the write side is shut, so the end of the stream reaches the server
  // while most of the echo is still queued on its side.
  const std::string message = make_payload(1 << 20, 9);
  ASSERT_FALSE(client.write_all(message, budget(5s)));
  ASSERT_FALSE(client.shutdown_write());

  const ReadResult echoed = client.read_until_eof(budget(5s));
  EXPECT_EQ(echoed.error, asio::error::eof) << echoed.error.message();
  EXPECT_TRUE(echoed.bytes == message)
      << "got " << echoed.bytes.size() << " of " << message.size() << " bytes";
}

TEST_F(EchoServerTest, ConnectionLimitClosesExtraConnectionsAtOnce) {
  EchoServerProcess server({"--max_connections=2"});
  AsioClient first(io_);
  AsioClient second(io_);
  for (AsioClient* client : {&first, &second}) {
    ASSERT_FALSE(client->connect(server.endpoint(), budget(2s)));
    ASSERT_EQ(client->exchange("counted", 7, budget(2s)).bytes, "counted");
  }

  AsioClient extra(io_);
  ASSERT_FALSE(extra.connect(server.endpoint(), budget(2s)));
  const auto connected = SteadyClock::now();
  const ReadResult refused = extra.read_until_eof(budget(2s));
  EXPECT_TRUE(closed_by_peer(refused.error)) << refused.error.message();
  EXPECT_EQ(refused.bytes, "");
  EXPECT_LT(SteadyClock::now() - connected, budget(1s));

  for (AsioClient* client : {&first, &second}) {
    EXPECT_EQ(client->exchange("still here", 10, budget(2s)).bytes, "still here");
  }

  // A slot freed by a close is taken by the next connection, once the server has seen the close.
  first.socket().close();
  const auto deadline = SteadyClock::now() + budget(5s);
  bool admitted = false;
  while (!admitted && SteadyClock::now() < deadline) {
    AsioClient next(io_);
    ASSERT_FALSE(next.connect(server.endpoint(), budget(2s)));
    admitted = next.exchange("admitted", 8, budget(1s)).bytes == "admitted";
  }
  EXPECT_TRUE(admitted);
}

TEST_F(EchoServerTest, IdleTimeoutClosesIdleConnectionsOnly) {
  constexpr auto kIdleTimeout = 300ms;
  EchoServerProcess server({"--idle_timeout_ms=300"});
  AsioClient idle(io_);
  AsioClient active(io_);
  for (AsioClient* client : {&idle, &active}) {
    ASSERT_FALSE(client->connect(server.endpoint(), budget(2s)));
    ASSERT_EQ(client->exchange("hello", 5, budget(2s)).bytes, "hello");
  }
  const auto start = SteadyClock::now();

  // The active connection talks every 50 ms; the wait between its messages is a read on the
  // idle one, which ends early when the server closes it.
  ReadResult idle_read;
  do {
    ASSERT_EQ(active.exchange("ping", 4, budget(1s)).bytes, "ping");
    idle_read = idle.read_until_eof(50ms);
  } while (idle_read.error == asio::error::timed_out && SteadyClock::now() - start < budget(3s));
  const auto idle_lifetime = SteadyClock::now() - start;
  EXPECT_TRUE(closed_by_peer(idle_read.error)) << idle_read.error.message();
  EXPECT_GE(idle_lifetime, kIdleTimeout - 100ms);

  // The active connection outlives several more timeouts.
  while (SteadyClock::now() - start < idle_lifetime + 3 * kIdleTimeout) {
    ASSERT_EQ(active.exchange("ping", 4, budget(1s)).bytes, "ping");
    const ReadResult nothing = active.read_exact(1, 50ms);
    ASSERT_EQ(nothing.error, asio::error::timed_out) << "unexpected: " << nothing.error.message();
  }
}

// The N of a "Server status: N active connections\n" line; std::nullopt for any other line.
std::optional<std::size_t> status_count(std::string_view line) {
  constexpr std::string_view kPrefix = "Server status: ";
  constexpr std::string_view kSuffix = " active connections\n";
  if (line.size() <= kPrefix.size() + kSuffix.size() || line.substr(0, kPrefix.size()) != kPrefix ||
      line.substr(line.size() - kSuffix.size()) != kSuffix) {
    return std::nullopt;
  }
  const std::string_view digits =
      line.substr(kPrefix.size(), line.size() - kPrefix.size() - kSuffix.size());
  if (digits.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  return std::stoul(std::string(digits));
}

// Reads status lines until one reports `expected` connections; every line must be a status line.
::testing::AssertionResult sees_status(AsioClient& client, std::size_t expected) {
  const auto deadline = SteadyClock::now() + budget(3s);
  while (SteadyClock::now() < deadline) {
    const ReadResult line = client.read_until('\n', budget(1s));
    if (line.error) return ::testing::AssertionFailure() << line.error.message();
    const std::optional<std::size_t> count = status_count(line.bytes);
    if (!count) return ::testing::AssertionFailure() << "not a status line: " << line.bytes;
    if (*count == expected) return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "no status line with " << expected << " connections";
}

TEST_F(EchoServerTest, StatusBroadcastCountsConnectionsOfEveryThread) {
  constexpr std::size_t kConnections = 8;
  EchoServerProcess server({"--threads=2", "--status_interval_ms=100"});
  auto clients = connect_all(io_, server.endpoint(), kConnections, budget(2s));
  for (auto& client : clients) {
    EXPECT_TRUE(sees_status(*client, kConnections));
  }
  clients.resize(kConnections / 2);
  for (auto& client : clients) {
    EXPECT_TRUE(sees_status(*client, kConnections / 2));
  }
}

TEST_F(EchoServerTest, NoStatusLinesUnlessAsked) {
  EchoServerProcess server;
  AsioClient client(io_);
  ASSERT_FALSE(client.connect(server.endpoint(), budget(2s)));
  EXPECT_EQ(client.read_exact(1, 300ms).error, asio::error::timed_out);
}

}  // namespace
}  // namespace echo::testing
