// echo_server --udp from outside, with clients independent of the library: Python's socket module
// (test/integration/udp_echo_client.py) and socat.

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <string>
#include <vector>

#include "test/integration/echo_server_process.h"
#include "test/support/asio_client.h"

namespace echo::testing {
namespace {

using reactor::testing::AsioClient;
using reactor::testing::ChildProcess;
using reactor::testing::ExitStatus;
using namespace std::chrono_literals;

// Runs the Python client against `server` and returns its verdict line ("ok N" on success).
std::string run_python_client(const EchoServerProcess& server, int sockets, int rounds) {
  ChildProcess client(PYTHON3_PATH, {UDP_ECHO_CLIENT, server.endpoint().address().to_string(),
                                     std::to_string(server.endpoint().port()),
                                     std::to_string(sockets), std::to_string(rounds)});
  const std::optional<ExitStatus> status = client.wait(budget(20s));
  if (!status) return "still running; stdout: " + client.out();
  return client.out() + client.err() + (status->success() ? "" : status->describe());
}

// `count` datagrams of the client's seven sizes per socket and round.
std::string echoed(int sockets, int rounds) {
  return "ok " + std::to_string(sockets * rounds * 7) + "\n";
}

void expect_graceful_exit(EchoServerProcess& server) {
  ASSERT_TRUE(server.process().send_signal(SIGTERM));
  const std::optional<ExitStatus> status = server.process().wait(2s);
  ASSERT_TRUE(status.has_value()) << "still running 2 s after SIGTERM";
  EXPECT_TRUE(status->success()) << status->describe() << "; stderr: " << server.process().err();
}

TEST(EchoServerUdpTest, APythonClientGetsEveryDatagramBackAndTcpStillEchoes) {
  EchoServerProcess server({"--udp"});
  EXPECT_EQ(std::count(server.process().out().begin(), server.process().out().end(), '\n'), 1)
      << server.process().out();

  EXPECT_EQ(run_python_client(server, 2, 20), echoed(2, 20));

  asio::io_context io;
  AsioClient tcp(io);
  ASSERT_FALSE(tcp.connect(server.endpoint(), budget(2s)));
  const auto reply = tcp.exchange("tcp too", 7, budget(2s));
  EXPECT_FALSE(reply.error) << reply.error.message();
  EXPECT_EQ(reply.bytes, "tcp too");
  expect_graceful_exit(server);
}

TEST(EchoServerUdpTest, EveryThreadAnswersItsShareOfTheSenders) {
  // Sixteen source ports: SO_REUSEPORT hashes them over both threads' sockets.
  EchoServerProcess server({"--udp", "--threads=2"});
  EXPECT_EQ(run_python_client(server, 16, 5), echoed(16, 5));
  expect_graceful_exit(server);
}

TEST(EchoServerUdpTest, APythonClientIsAnsweredOverIpv6) {
  EchoServerProcess server({"--udp", "--host=::1"});
  EXPECT_EQ(run_python_client(server, 1, 5), echoed(1, 5));
  expect_graceful_exit(server);
}

TEST(EchoServerUdpTest, ASocatClientGetsItsDatagramBack) {
  if (std::string(SOCAT_PATH).empty())
    GTEST_SKIP() << "socat not found (third_party/install_deps.sh)";
  EchoServerProcess server({"--udp"});
  // socat sends its stdin as one datagram, prints what comes back, and exits a second after its
  // stdin ended.
  ChildProcess client(
      "/bin/sh", {"-c", "printf 'hello from socat' | " + std::string(SOCAT_PATH) +
                            " -t 1 - UDP4:127.0.0.1:" + std::to_string(server.endpoint().port())});
  const std::optional<ExitStatus> status = client.wait(budget(5s));
  ASSERT_TRUE(status.has_value()) << "socat still running";
  EXPECT_TRUE(status->success()) << status->describe() << "; stderr: " << client.err();
  EXPECT_EQ(client.out(), "hello from socat");
  expect_graceful_exit(server);
}

TEST(EchoServerUdpTest, AUdpPortInUseIsOneLineAndExitCode1) {
  // A UDP port whose TCP twin is free, so that only the UDP bind can fail: the TCP listener that
  // found the port is closed just before the server starts.
  asio::io_context io;
  asio::ip::udp::socket holder(io);
  std::string port;
  for (int attempt = 0; attempt < 50 && port.empty(); ++attempt) {
    asio::ip::tcp::acceptor probe(io, asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    asio::error_code error;
    holder.open(asio::ip::udp::v4());
    holder.bind(
        asio::ip::udp::endpoint(asio::ip::address_v4::loopback(), probe.local_endpoint().port()),
        error);
    if (error) {
      holder.close();
      continue;
    }
    port = std::to_string(probe.local_endpoint().port());
  }
  ASSERT_FALSE(port.empty()) << "no port free for both TCP and UDP";

  ChildProcess server(ECHO_SERVER_PATH, {"--udp", "--port=" + port});
  const std::optional<ExitStatus> status = server.wait(budget(1s));
  ASSERT_TRUE(status.has_value()) << "still running; stdout: " << server.out();
  EXPECT_EQ(status->describe(), "exit code 1");
  EXPECT_EQ(server.err(),
            "echo_server: cannot listen on 127.0.0.1:" + port + " (udp): address in use\n");
  EXPECT_EQ(server.out(), "");
}

}  // namespace
}  // namespace echo::testing
