// The echo_server binary from outside: its command line, its start-up failures and its
// signal-driven shutdown.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <string>
#include <vector>

#include "test/integration/echo_server_process.h"
#include "test/support/asio_client.h"
#include "test/support/bad_flag.h"

namespace echo::testing {
namespace {

using reactor::testing::AsioClient;
using reactor::testing::BadFlag;
using reactor::testing::ChildProcess;
using reactor::testing::ExitStatus;
using reactor::testing::line_count;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using namespace std::chrono_literals;

class BadFlagTest : public ::testing::TestWithParam<BadFlag> {};

TEST_P(BadFlagTest, ExitsWithOneLineNamingTheFlag) {
  ChildProcess server(ECHO_SERVER_PATH, GetParam().args);
  const std::optional<ExitStatus> status = server.wait(budget(1s));
  ASSERT_TRUE(status.has_value()) << "still running; stderr: " << server.err();
  EXPECT_TRUE(status->exited) << status->describe();
  EXPECT_EQ(status->code, 2) << status->describe();
  EXPECT_EQ(line_count(server.err()), 1u) << server.err();
  EXPECT_THAT(server.err(), MatchesRegex("echo_server: .*\n"));
  EXPECT_THAT(server.err(), HasSubstr(GetParam().named));
  EXPECT_EQ(server.out(), "");
}

INSTANTIATE_TEST_SUITE_P(
    EveryFlag, BadFlagTest,
    ::testing::Values(BadFlag{{"--port=70000"}, "--port"}, BadFlag{{"--port=-1"}, "--port"},
                      BadFlag{{"--port", "-1"}, "--port"}, BadFlag{{"--port=http"}, "--port"},
                      BadFlag{{"--threads=0"}, "--threads"},
                      BadFlag{{"--threads=100000"}, "--threads"},
                      BadFlag{{"--poller=bogus"}, "--poller"},
                      BadFlag{{"--idle_timeout_ms=-5"}, "--idle_timeout_ms"},
                      BadFlag{{"--status_interval_ms=-1"}, "--status_interval_ms"},
                      BadFlag{{"--max_connections=-1"}, "--max_connections"},
                      BadFlag{{"--host=not-an-address"}, "--host"},
                      BadFlag{{"--host=localhost"}, "--host"}, BadFlag{{"--bogus=1"}, "--bogus"},
                      BadFlag{{"--port"}, "--port"}));

TEST(EchoServerCliTest, AddressInUseIsOneLineAndExitCode1) {
  asio::io_context io;
  asio::ip::tcp::acceptor holder(io, asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  const std::string port = std::to_string(holder.local_endpoint().port());

  ChildProcess server(ECHO_SERVER_PATH, {"--port=" + port});
  const std::optional<ExitStatus> status = server.wait(budget(1s));
  ASSERT_TRUE(status.has_value()) << "still running; stdout: " << server.out();
  EXPECT_EQ(status->describe(), "exit code 1");
  EXPECT_EQ(server.err(), "echo_server: cannot listen on 127.0.0.1:" + port + ": address in use\n");
  EXPECT_EQ(server.out(), "");
}

TEST(EchoServerCliTest, AddressInUseWithSeveralThreads) {
  asio::io_context io;
  asio::ip::tcp::acceptor holder(io, asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  const std::string port = std::to_string(holder.local_endpoint().port());

  ChildProcess server(ECHO_SERVER_PATH, {"--port=" + port, "--threads=2"});
  const std::optional<ExitStatus> status = server.wait(budget(1s));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->describe(), "exit code 1");
  EXPECT_THAT(server.err(), HasSubstr("address in use"));
  EXPECT_EQ(line_count(server.err()), 1u) << server.err();
}

TEST(EchoServerCliTest, ReportsTheAddressItListensOn) {
  EchoServerProcess v4;
  EXPECT_THAT(v4.listening_line(), MatchesRegex("Listening on 127\\.0\\.0\\.1:[0-9]+"));
  EchoServerProcess v6({"--host=::1"});
  EXPECT_THAT(v6.listening_line(), MatchesRegex("Listening on \\[::1\\]:[0-9]+"));
  EXPECT_TRUE(v6.endpoint().address().is_v6());
}

// The server is up and has accepted every client: each one got an echo.
void expect_all_echo(std::vector<std::unique_ptr<AsioClient>>& clients) {
  for (std::size_t i = 0; i < clients.size(); ++i) {
    const std::string message = "client " + std::to_string(i);
    const auto echoed = clients[i]->exchange(message, message.size(), budget(2s));
    ASSERT_FALSE(echoed.error) << echoed.error.message();
    ASSERT_EQ(echoed.bytes, message);
  }
}

class ShutdownSignalTest : public ::testing::TestWithParam<int> {};

TEST_P(ShutdownSignalTest, ClosesConnectionsGracefullyAndExitsZero) {
  EchoServerProcess server({"--threads=2"});
  asio::io_context io;
  auto clients = reactor::testing::connect_all(io, server.endpoint(), 4, budget(2s));
  expect_all_echo(clients);

  const auto signalled = std::chrono::steady_clock::now();
  ASSERT_TRUE(server.process().send_signal(GetParam()));
  const std::optional<ExitStatus> status = server.process().wait(2s);
  const auto elapsed = std::chrono::steady_clock::now() - signalled;
  ASSERT_TRUE(status.has_value()) << "still running 2 s after the signal";
  EXPECT_TRUE(status->success()) << status->describe() << "; stderr: " << server.process().err();
  EXPECT_LT(elapsed, 2s);
  for (auto& client : clients) {
    const auto rest = client->read_until_eof(budget(1s));
    EXPECT_EQ(rest.error, asio::error::eof) << rest.error.message();  // a close, not a reset
    EXPECT_EQ(rest.bytes, "");
  }
}

std::string signal_name(const ::testing::TestParamInfo<int>& signal) {
  return signal.param == SIGTERM ? "SIGTERM" : "SIGINT";
}

INSTANTIATE_TEST_SUITE_P(SigtermAndSigint, ShutdownSignalTest, ::testing::Values(SIGTERM, SIGINT),
                         signal_name);

TEST(EchoServerCliTest, ShutdownResetsWhatCannotBeFlushedAndStillExitsInTime) {
  EchoServerProcess server;
  asio::io_context io;
  AsioClient stuck(io);
  ASSERT_FALSE(stuck.connect(server.endpoint(), budget(2s)));
  // Sends far more than the socket buffers and the server's output queue hold, never reading:
  // the server stops reading, and its queued echo can never be flushed.
  const std::string flood = make_payload(32 << 20, 1);
  EXPECT_EQ(stuck.write_all(flood, 500ms), asio::error::timed_out);

  const auto signalled = std::chrono::steady_clock::now();
  ASSERT_TRUE(server.process().send_signal(SIGTERM));
  const std::optional<ExitStatus> status = server.process().wait(2s);
  ASSERT_TRUE(status.has_value()) << "still running 2 s after SIGTERM";
  EXPECT_TRUE(status->success()) << status->describe() << "; stderr: " << server.process().err();
  // The grace period for flushing passed before the reset.
  EXPECT_GE(std::chrono::steady_clock::now() - signalled, 900ms);
}

}  // namespace
}  // namespace echo::testing
