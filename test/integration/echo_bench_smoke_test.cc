// Smoke test of the benchmark path, for CI: a short echo_bench run against echo_server must end
// with exit status 0 and no errors, and the server must still stop cleanly afterwards. It checks
// that the tools work together, never how fast they are.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <optional>
#include <string>

#include "test/integration/echo_server_process.h"
#include "test/support/process.h"

namespace echo::testing {
namespace {

using std::chrono::seconds;

// The integer field `name` of echo_bench's "JSON {...}" line, if it is there.
std::optional<long long> json_field(const std::string& out, const std::string& name) {
  const std::size_t line = out.find("JSON {");
  const std::string key = "\"" + name + "\":";
  const std::size_t at = line == std::string::npos ? line : out.find(key, line);
  if (at == std::string::npos) return std::nullopt;
  return std::stoll(out.substr(at + key.size()));  // stops at the "," after the digits
}

TEST(EchoBenchSmokeTest, ShortRunAgainstEchoServerHasNoErrors) {
  EchoServerProcess server;
  reactor::testing::ChildProcess bench(
      ECHO_BENCH_PATH, {"--port", std::to_string(server.endpoint().port()), "--duration_s", "2",
                        "--connections", "20"});

  const std::optional<reactor::testing::ExitStatus> bench_status = bench.wait(budget(seconds(60)));
  ASSERT_TRUE(bench_status.has_value()) << "echo_bench did not finish";
  EXPECT_TRUE(bench_status->success()) << bench_status->describe() << "\n" << bench.err();
  EXPECT_EQ(json_field(bench.out(), "errors"), 0) << bench.out();
  EXPECT_GT(json_field(bench.out(), "requests").value_or(0), 0) << bench.out();

  ASSERT_TRUE(server.process().send_signal(SIGTERM));
  const std::optional<reactor::testing::ExitStatus> server_status =
      server.process().wait(budget(seconds(10)));
  ASSERT_TRUE(server_status.has_value()) << "echo_server did not stop on SIGTERM";
  EXPECT_TRUE(server_status->success()) << server_status->describe() << "\n"
                                        << server.process().err();
}

}  // namespace
}  // namespace echo::testing
