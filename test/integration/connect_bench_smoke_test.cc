// Smoke test of the client side under load, for CI: a short connect_bench run against
// echo_server opens and closes a few hundred connections through the library's TcpClient and
// Connector (and as many through Asio), and must end with exit status 0 and no errors. It checks
// that the tools work together, never how fast they are.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

#include "test/integration/echo_server_process.h"
#include "test/support/process.h"

namespace echo::testing {
namespace {

using std::chrono::seconds;

TEST(ConnectBenchSmokeTest, AFewHundredConnectionsOpenAndCloseWithoutErrors) {
  EchoServerProcess server;
  reactor::testing::ChildProcess bench(
      CONNECT_BENCH_PATH,
      {"--port", std::to_string(server.endpoint().port()), "--connections", "300", "--concurrency",
       "16", "--rounds", "1", "--round_timeout_s", "30"});

  const std::optional<reactor::testing::ExitStatus> status = bench.wait(budget(seconds(90)));
  ASSERT_TRUE(status.has_value()) << "connect_bench did not finish";
  EXPECT_TRUE(status->success()) << status->describe() << "\n" << bench.err();
  EXPECT_NE(bench.out().find("\"errors\":0}"), std::string::npos) << bench.out();
  EXPECT_NE(bench.err().find("reactor 300 connections"), std::string::npos) << bench.err();
}

}  // namespace
}  // namespace echo::testing
