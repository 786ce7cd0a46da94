// EchoServer in-process: run() on a thread of the test, stop() from the test, clients through
// Asio on the loopback.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <future>
#include <stdexcept>
#include <thread>

#include "apps/echo_server/echo_server.h"
#include "test/integration/echo_server_process.h"
#include "test/support/asio_client.h"

namespace echo::testing {
namespace {

using reactor::testing::AsioClient;
using reactor::testing::ReadResult;
using SteadyClock = std::chrono::steady_clock;
using namespace std::chrono_literals;

EchoServer::Config loopback_config(std::size_t threads = 1) {
  EchoServer::Config config;
  config.host = "127.0.0.1";
  config.port = 0;
  config.threads = threads;
  return config;
}

asio::ip::tcp::endpoint endpoint_of(const EchoServer& server) {
  return {asio::ip::make_address(server.address().host()), server.address().port()};
}

// Runs a server's run() on a thread of its own. Destruction stops the server and waits a bounded
// time for run() to return; a run() that never returns aborts the test program.
class ServerThread {
 public:
  explicit ServerThread(EchoServer& server)
      : server_(server), done_(std::async(std::launch::async, [&server] { server.run(); })) {}
  ~ServerThread() {
    server_.stop();
    if (done_.valid() && done_.wait_for(budget(3s)) != std::future_status::ready) {
      ADD_FAILURE() << "EchoServer::run() did not return after stop()";
      std::abort();
    }
  }

  // Waits up to `timeout` for run() to return; rethrows what it threw.
  bool finished_within(std::chrono::milliseconds timeout) {
    if (done_.wait_for(timeout) != std::future_status::ready) return false;
    done_.get();
    return true;
  }

 private:
  EchoServer& server_;
  std::future<void> done_;
};

class EchoServerClassTest : public ::testing::Test {
 protected:
  asio::io_context io_;
};

TEST_F(EchoServerClassTest, ServesUntilStoppedFromAnotherThread) {
  EchoServer server(loopback_config());
  ServerThread thread(server);
  AsioClient client(io_);
  ASSERT_FALSE(client.connect(endpoint_of(server), budget(2s)));
  const std::string message = make_payload(256 << 10, 1);
  const ReadResult echoed = client.exchange(message, message.size(), budget(5s));
  ASSERT_FALSE(echoed.error) << echoed.error.message();
  EXPECT_TRUE(echoed.bytes == message);
  EXPECT_EQ(server.connection_count(), 1u);

  server.stop();
  EXPECT_TRUE(thread.finished_within(2s));
  // The connection was closed, not reset: nothing was left to flush.
  EXPECT_EQ(client.read_until_eof(budget(1s)).error, asio::error::eof);
}

TEST_F(EchoServerClassTest, StopBeforeRunMakesRunReturnAtOnce) {
  EchoServer server(loopback_config(2));
  server.stop();
  ServerThread thread(server);
  EXPECT_TRUE(thread.finished_within(budget(1s)));
}

TEST_F(EchoServerClassTest, AddressHasTheRealPort) {
  EchoServer v4(loopback_config());
  EXPECT_EQ(v4.address().host(), "127.0.0.1");
  EXPECT_NE(v4.address().port(), 0);

  EchoServer::Config config = loopback_config();
  config.host = "::1";
  EchoServer v6(config);
  EXPECT_NE(v6.address().port(), 0);
  EXPECT_EQ(v6.address().to_string(), "[::1]:" + std::to_string(v6.address().port()));
}

TEST_F(EchoServerClassTest, BusyPortThrowsAddressInUse) {
  EchoServer first(loopback_config());
  EchoServer::Config config = loopback_config();
  config.port = first.address().port();
  try {
    EchoServer second(config);
    FAIL() << "bound a port already listened on";
  } catch (const std::system_error& error) {
    EXPECT_EQ(error.code(), std::errc::address_in_use);
    const auto* listen_error = dynamic_cast<const ListenError*>(&error);
    ASSERT_NE(listen_error, nullptr);
    EXPECT_EQ(listen_error->address(), first.address().to_string());
  }
}

TEST_F(EchoServerClassTest, RejectsABadConfiguration) {
  EchoServer::Config bad_host = loopback_config();
  bad_host.host = "localhost";
  EXPECT_THROW(EchoServer{bad_host}, std::invalid_argument);
  EXPECT_THROW(EchoServer{loopback_config(0)}, std::invalid_argument);
  EchoServer::Config bad_poller = loopback_config();
  bad_poller.poller = "select";
  EXPECT_THROW(EchoServer{bad_poller}, std::invalid_argument);
}

TEST_F(EchoServerClassTest, CountsConnectionsAcrossThreads) {
  constexpr std::size_t kConnections = 32;
  EchoServer server(loopback_config(4));
  ServerThread thread(server);
  auto clients = reactor::testing::connect_all(io_, endpoint_of(server), kConnections, budget(2s));
  for (auto& client : clients) {
    ASSERT_EQ(client->exchange("x", 1, budget(2s)).bytes, "x");
  }
  EXPECT_EQ(server.connection_count(), kConnections);
  server.stop();
  EXPECT_TRUE(thread.finished_within(2s));
  EXPECT_EQ(server.connection_count(), 0u);
}

TEST_F(EchoServerClassTest, StopResetsWhatCannotBeFlushedAfterTheGracePeriod) {
  EchoServer server(loopback_config());
  ServerThread thread(server);
  AsioClient stuck(io_);
  ASSERT_FALSE(stuck.connect(endpoint_of(server), budget(2s)));
  // Never reading, the client fills every buffer on the way; the server's echo stays queued.
  const std::string flood = make_payload(32 << 20, 2);
  EXPECT_EQ(stuck.write_all(flood, 500ms), asio::error::timed_out);

  const auto stopped = SteadyClock::now();
  server.stop();
  EXPECT_TRUE(thread.finished_within(2s));
  EXPECT_GE(SteadyClock::now() - stopped, EchoServer::kFlushGrace - 100ms);
  EXPECT_EQ(stuck.read_until_eof(budget(5s)).error, asio::error::connection_reset);
}

}  // namespace
}  // namespace echo::testing
