// kv_server and kv_client as processes, over real sockets on the loopback: the example of
// docs/tutorial.md does what the tutorial says. Every wait is bounded.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "test/integration/server_process.h"
#include "test/support/asio_client.h"
#include "test/support/process.h"

namespace reactor::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using namespace std::chrono_literals;

class KvServerProcess : public ServerProcess {
 public:
  explicit KvServerProcess(const std::vector<std::string>& flags = {})
      : ServerProcess(KV_SERVER_PATH, flags) {}

  std::string port() const { return std::to_string(endpoint().port()); }
};

// A client connected to `server`.
std::unique_ptr<AsioClient> connected(asio::io_context& io, const KvServerProcess& server) {
  auto client = std::make_unique<AsioClient>(io);
  const std::error_code error = client->connect(server.endpoint(), budget(2s));
  if (error) throw std::system_error(error, "cannot connect to kv_server");
  return client;
}

// Sends `requests` and reads as many bytes as `expected` has: the replies, if all is well.
std::string replies(AsioClient& client, std::string_view requests, std::string_view expected) {
  return client.exchange(requests, expected.size(), budget(2s)).bytes;
}

// Reads until the server closes: `rest` and then EOF, a graceful close rather than a reset.
void expect_graceful_close(AsioClient& client, std::string_view rest) {
  const ReadResult read = client.read_until_eof(budget(3s));
  EXPECT_EQ(read.error, asio::error::eof) << read.error.message();
  EXPECT_EQ(read.bytes, rest);
}

std::size_t line_count(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

TEST(KvServerTest, AnswersPipelinedCommandsThenByeAndAClose) {
  KvServerProcess server;
  asio::io_context io;
  const auto client = connected(io, server);
  const std::string expected = "OK\nVALUE hello world\nNOT_FOUND\nERROR unknown command\n";
  EXPECT_EQ(replies(*client, "SET a hello world\r\nGET a\nGET b\nHELLO\n", expected), expected);
  ASSERT_FALSE(client->write_all("QUIT\nGET a\n", budget(2s)));
  expect_graceful_close(*client, "BYE\n");
}

TEST(KvServerTest, ALineOverOneKibibyteIsAnsweredThenTheConnectionCloses) {
  KvServerProcess server;
  asio::io_context io;
  const auto client = connected(io, server);
  ASSERT_FALSE(client->write_all("SET k " + std::string(2000, 'v') + "\n", budget(2s)));
  expect_graceful_close(*client, "ERROR line too long\n");
}

TEST(KvServerTest, AnIdleConnectionIsClosedAfterTheTimeout) {
  KvServerProcess server({"--idle_timeout_ms=200"});
  asio::io_context io;
  const auto client = connected(io, server);
  EXPECT_EQ(replies(*client, "SET k v\n", "OK\n"), "OK\n");
  expect_graceful_close(*client, "");
}

TEST(KvServerThreadsTest, TwoThreadsServeOneStoreToEveryClient) {
  KvServerProcess server({"--threads=2"});
  asio::io_context io;
  // Enough clients that the kernel's spreading over the two listeners puts some on each.
  auto clients = connect_all(io, server.endpoint(), 8, budget(2s));
  for (std::size_t i = 0; i < clients.size(); ++i) {
    const std::string set = "SET key" + std::to_string(i) + " value" + std::to_string(i) + "\n";
    ASSERT_EQ(replies(*clients[i], set, "OK\n"), "OK\n");
  }
  for (auto& client : clients) {
    for (std::size_t i = 0; i < clients.size(); ++i) {
      const std::string value = "VALUE value" + std::to_string(i) + "\n";
      EXPECT_EQ(replies(*client, "GET key" + std::to_string(i) + "\n", value), value);
    }
  }
}

class KvServerThreadsShutdownTest : public ::testing::TestWithParam<int> {};

TEST_P(KvServerThreadsShutdownTest, ClosesConnectionsGracefullyAndExitsZero) {
  KvServerProcess server({"--threads=2"});
  asio::io_context io;
  auto clients = connect_all(io, server.endpoint(), 4, budget(2s));
  for (auto& client : clients)
    ASSERT_EQ(replies(*client, "GET k\n", "NOT_FOUND\n"), "NOT_FOUND\n");

  ASSERT_TRUE(server.process().send_signal(GetParam()));
  for (auto& client : clients) {
    expect_graceful_close(*client, "");
    client->socket().close();  // lets the server's lingering close finish
  }
  const std::optional<ExitStatus> status = server.process().wait(budget(2s));
  ASSERT_TRUE(status.has_value()) << "still running after the signal";
  EXPECT_TRUE(status->success()) << status->describe() << "; stderr: " << server.process().err();
}

INSTANTIATE_TEST_SUITE_P(SigtermAndSigint, KvServerThreadsShutdownTest,
                         ::testing::Values(SIGTERM, SIGINT),
                         [](const ::testing::TestParamInfo<int>& signal) {
                           return std::string(signal.param == SIGTERM ? "SIGTERM" : "SIGINT");
                         });

class KvServerBadFlagTest : public ::testing::TestWithParam<std::vector<std::string>> {};

TEST_P(KvServerBadFlagTest, ExitsWithOneLineNamingTheFlag) {
  ChildProcess server(KV_SERVER_PATH, GetParam());
  const std::optional<ExitStatus> status = server.wait(budget(2s));
  ASSERT_TRUE(status.has_value()) << "still running; stderr: " << server.err();
  EXPECT_EQ(status->describe(), "exit code 2");
  EXPECT_EQ(line_count(server.err()), 1u) << server.err();
  const std::string flag = GetParam().front().substr(0, GetParam().front().find('='));
  EXPECT_THAT(server.err(), MatchesRegex("kv_server: .*" + flag + ".*\n"));
  EXPECT_EQ(server.out(), "");
}

INSTANTIATE_TEST_SUITE_P(EveryFlag, KvServerBadFlagTest,
                         ::testing::Values(std::vector<std::string>{"--port=70000"},
                                           std::vector<std::string>{"--host=localhost"},
                                           std::vector<std::string>{"--threads=0"},
                                           std::vector<std::string>{"--idle_timeout_ms=-1"},
                                           std::vector<std::string>{"--max_store_bytes=-1"},
                                           std::vector<std::string>{"--bogus=1"}));

TEST(KvServerCliTest, AddressInUseIsOneLineAndExitCode1) {
  asio::io_context io;
  asio::ip::tcp::acceptor holder(io, asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  const std::string port = std::to_string(holder.local_endpoint().port());
  ChildProcess server(KV_SERVER_PATH, {"--port=" + port});
  const std::optional<ExitStatus> status = server.wait(budget(2s));
  ASSERT_TRUE(status.has_value()) << "still running; stdout: " << server.out();
  EXPECT_EQ(status->describe(), "exit code 1");
  EXPECT_EQ(server.err(), "kv_server: cannot listen on 127.0.0.1:" + port + ": address in use\n");
}

TEST(KvClientTest, PrintsTheReplyToEachCommand) {
  KvServerProcess server;
  ChildProcess client(KV_CLIENT_PATH, {"--port=" + server.port(), "SET greeting hello world",
                                       "GET greeting", "GET nothing"});
  const std::optional<ExitStatus> status = client.wait(budget(5s));
  ASSERT_TRUE(status.has_value()) << "still running; stdout: " << client.out();
  EXPECT_TRUE(status->success()) << status->describe() << "; stderr: " << client.err();
  EXPECT_EQ(client.out(), "OK\nVALUE hello world\nNOT_FOUND\n");
  EXPECT_EQ(client.err(), "");
}

TEST(KvClientTest, AServerThatClosesBeforeTheLastReplyIsAnError) {
  KvServerProcess server;
  ChildProcess client(KV_CLIENT_PATH, {"--port=" + server.port(), "QUIT", "GET a"});
  const std::optional<ExitStatus> status = client.wait(budget(5s));
  ASSERT_TRUE(status.has_value()) << "still running; stdout: " << client.out();
  EXPECT_EQ(status->describe(), "exit code 1");
  EXPECT_EQ(client.out(), "BYE\n");
  EXPECT_EQ(client.err(), "kv_client: the server closed the connection after 1 of 2 replies\n");
}

TEST(KvClientTest, NoServerIsOneLineAndExitCode1) {
  std::string port;
  {
    // A port that was free a moment ago, and nobody listens on now.
    asio::io_context io;
    asio::ip::tcp::acceptor taken(io, asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    port = std::to_string(taken.local_endpoint().port());
  }
  ChildProcess client(KV_CLIENT_PATH, {"--port=" + port, "GET a"});
  const std::optional<ExitStatus> status = client.wait(budget(5s));
  ASSERT_TRUE(status.has_value()) << "still running";
  EXPECT_EQ(status->describe(), "exit code 1");
  EXPECT_EQ(client.err(),
            "kv_client: cannot connect to 127.0.0.1:" + port + ": Connection refused\n");
  EXPECT_EQ(client.out(), "");
}

TEST(KvClientTest, AServerThatNeverAnswersIsAnErrorAfterTheTimeout) {
  asio::io_context io;
  // Listens, so the connect succeeds, but never accepts nor answers.
  asio::ip::tcp::acceptor silent(io, asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  const std::string port = std::to_string(silent.local_endpoint().port());
  ChildProcess client(KV_CLIENT_PATH, {"--port=" + port, "--timeout_ms=200", "GET a"});
  const std::optional<ExitStatus> status = client.wait(budget(5s));
  ASSERT_TRUE(status.has_value()) << "still running";
  EXPECT_EQ(status->describe(), "exit code 1");
  EXPECT_EQ(client.err(), "kv_client: no answer within 200 ms\n");
}

TEST(KvClientTest, NoCommandIsAUsageError) {
  ChildProcess client(KV_CLIENT_PATH, {"--port=1"});  // stdin is empty
  const std::optional<ExitStatus> status = client.wait(budget(2s));
  ASSERT_TRUE(status.has_value()) << "still running";
  EXPECT_EQ(status->describe(), "exit code 2");
  EXPECT_THAT(client.err(), HasSubstr("no commands"));
  EXPECT_EQ(line_count(client.err()), 1u) << client.err();
}

}  // namespace
}  // namespace reactor::testing
