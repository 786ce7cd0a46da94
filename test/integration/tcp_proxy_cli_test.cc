// The tcp_proxy binary from outside: its command line, its start-up, its signal-driven shutdown,
// an IPv6 upstream, and real software nobody here wrote (curl, ab) through it to Python's
// http.server.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "test/integration/echo_server_process.h"
#include "test/integration/tcp_proxy_process.h"
#include "test/support/asio_client.h"
#include "test/support/bad_flag.h"
#include "test/support/loopback_upstream.h"
#include "test/support/temp_dir.h"

namespace proxy::testing {
namespace {

using echo::testing::budget;
using echo::testing::EchoServerProcess;
using reactor::testing::AsioClient;
using reactor::testing::BadFlag;
using reactor::testing::ChildProcess;
using reactor::testing::ExitStatus;
using reactor::testing::line_count;
using reactor::testing::LoopbackUpstream;
using reactor::testing::ReadResult;
using reactor::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using namespace std::chrono_literals;

class TcpProxyBadFlagTest : public ::testing::TestWithParam<BadFlag> {};

TEST_P(TcpProxyBadFlagTest, ExitsWithinASecondWithOneLineNamingTheFlag) {
  ChildProcess proxy(TCP_PROXY_PATH, GetParam().args);
  const std::optional<ExitStatus> status = proxy.wait(budget(1s));
  ASSERT_TRUE(status.has_value()) << "still running; stderr: " << proxy.err();
  EXPECT_TRUE(status->exited) << status->describe();
  EXPECT_NE(status->code, 0);
  EXPECT_EQ(line_count(proxy.err()), 1u) << proxy.err();
  EXPECT_THAT(proxy.err(), MatchesRegex("tcp_proxy: .*\n"));
  EXPECT_THAT(proxy.err(), HasSubstr(GetParam().named));
  EXPECT_EQ(proxy.out(), "");
}

const std::string kUpstream = "--upstream=127.0.0.1:9";

INSTANTIATE_TEST_SUITE_P(
    EveryFlag, TcpProxyBadFlagTest,
    ::testing::Values(BadFlag{{}, "--upstream"}, BadFlag{{"--upstream="}, "--upstream"},
                      BadFlag{{"--upstream=127.0.0.1"}, "--upstream"},
                      BadFlag{{"--upstream=localhost:80"}, "--upstream"},
                      BadFlag{{"--upstream=127.0.0.1:0"}, "--upstream"},
                      BadFlag{{"--upstream=127.0.0.1:65536"}, "--upstream"},
                      BadFlag{{"--upstream=::1:80"}, "--upstream"},
                      BadFlag{{"--upstream=127.0.0.1:80,"}, "--upstream"},
                      BadFlag{{"--upstream=127.0.0.1:80,nothing"}, "--upstream"},
                      BadFlag{{kUpstream, "--port=70000"}, "--port"},
                      BadFlag{{kUpstream, "--port=-1"}, "--port"},
                      BadFlag{{kUpstream, "--threads=0"}, "--threads"},
                      BadFlag{{kUpstream, "--poller=select"}, "--poller"},
                      BadFlag{{kUpstream, "--host=example.org"}, "--host"},
                      BadFlag{{kUpstream, "--max_connections=-1"}, "--max_connections"},
                      BadFlag{{kUpstream, "--connect_timeout_ms=-1"}, "--connect_timeout_ms"},
                      BadFlag{{kUpstream, "--idle_timeout_ms=-1"}, "--idle_timeout_ms"},
                      BadFlag{{kUpstream, "--no_such_flag=1"}, "no_such_flag"}));

TEST(TcpProxyCliTest, StartsAndSaysWhereItListensWithNoUpstreamUp) {
  TcpProxyProcess proxy(LoopbackUpstream::refusing_address());
  EXPECT_THAT(proxy.process().out(), MatchesRegex("Listening on 127\\.0\\.0\\.1:[0-9]+\n"));
}

TEST(TcpProxyCliTest, ABusyPortIsReportedAsAddressInUse) {
  TcpProxyProcess first(LoopbackUpstream::refusing_address());
  ChildProcess second(TCP_PROXY_PATH, {"--port=" + std::to_string(first.endpoint().port()),
                                       "--upstream=" + LoopbackUpstream::refusing_address()});
  const std::optional<ExitStatus> status = second.wait(budget(2s));
  ASSERT_TRUE(status.has_value());
  EXPECT_NE(status->code, 0);
  EXPECT_EQ(line_count(second.err()), 1u) << second.err();
  EXPECT_THAT(second.err(), HasSubstr("in use"));
}

class TcpProxySignalTest : public ::testing::TestWithParam<int> {};

TEST_P(TcpProxySignalTest, ExitsZeroWithinTwoSecondsWithConnectionsOpen) {
  LoopbackUpstream upstream(LoopbackUpstream::Behaviour::kEcho);
  TcpProxyProcess proxy(upstream.address());
  asio::io_context io;
  AsioClient client(io);
  ASSERT_FALSE(client.connect(proxy.endpoint(), budget(2s)));
  const ReadResult echoed = client.exchange("open", 4, budget(2s));
  ASSERT_EQ(echoed.bytes, "open");
  ASSERT_TRUE(proxy.process().send_signal(GetParam()));
  const std::optional<ExitStatus> status = proxy.process().wait(2s);
  ASSERT_TRUE(status.has_value()) << "still running after 2 s";
  EXPECT_TRUE(status->success()) << status->describe() << " " << proxy.process().err();
  const ReadResult rest = client.read_until_eof(budget(1s));
  EXPECT_TRUE(echo::testing::closed_by_peer(rest.error)) << rest.error.message();
}

INSTANTIATE_TEST_SUITE_P(SigintAndSigterm, TcpProxySignalTest, ::testing::Values(SIGINT, SIGTERM));

TEST(TcpProxyCliTest, RelaysToAnIpv6Upstream) {
  EchoServerProcess upstream({"--host=::1"});
  TcpProxyProcess proxy("[::1]:" + std::to_string(upstream.endpoint().port()));
  asio::io_context io;
  AsioClient client(io);
  ASSERT_FALSE(client.connect(proxy.endpoint(), budget(2s)));
  EXPECT_EQ(client.exchange("over IPv6", 9, budget(2s)).bytes, "over IPv6");
}

// Python's http.server (the standard library's threading server and file handler) on a free
// port, serving `directory`, with its per-request log turned off (nobody reads the pipe it would
// fill) and a listen backlog deep enough for ab's concurrent connects (the default of 5 drops
// SYNs, which under load can outlast a connect timeout).
constexpr const char* kQuietHttpServer = R"(
import functools, http.server, sys
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
handler = functools.partial(Quiet, directory=sys.argv[1])
http.server.ThreadingHTTPServer.request_queue_size = 128
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
print("Serving HTTP on port", server.server_address[1], flush=True)
server.serve_forever()
)";

class HttpServer {
 public:
  explicit HttpServer(const std::string& directory)
      : process_(PYTHON3_PATH, {"-c", kQuietHttpServer, directory}) {
    const std::optional<std::string> line = process_.wait_for_line("Serving HTTP", budget(10s));
    std::smatch match;
    if (!line || !std::regex_search(*line, match, std::regex("port ([0-9]+)"))) {
      throw std::runtime_error("http.server did not start: " + process_.err());
    }
    address_ = "127.0.0.1:" + match[1].str();
  }
  const std::string& address() const { return address_; }

 private:
  ChildProcess process_;
  std::string address_;
};

// Runs a tool to completion (bounded), returning its stdout; fails the test on a bad exit.
std::string run_tool(const std::string& path, const std::vector<std::string>& args) {
  ChildProcess tool(path, args);
  const std::optional<ExitStatus> status = tool.wait(budget(60s));
  EXPECT_TRUE(status.has_value() && status->success())
      << path << ": " << (status ? status->describe() : "timed out") << " " << tool.err();
  return tool.out();
}

TEST(TcpProxyRealSoftwareTest, CurlAndAbThroughTheProxyToPythonHttpServerAllSucceed) {
  TempDir directory;
  const std::string body = echo::testing::make_payload(100000, 7);
  std::ofstream(directory.file("file.bin"), std::ios::binary) << body;
  HttpServer http(directory.path());
  TcpProxyProcess proxy(http.address());
  const std::string url = "http://127.0.0.1:" + std::to_string(proxy.endpoint().port()) + "/";

  EXPECT_TRUE(run_tool(CURL_PATH, {"-sS", "--max-time", "20", url + "file.bin"}) == body);

  const std::string report =
      run_tool(AB_PATH, {"-k", "-q", "-c", "10", "-n", "2000", "-s", "20", url + "file.bin"});
  EXPECT_THAT(report, HasSubstr("Complete requests:      2000"));
  EXPECT_THAT(report, HasSubstr("Failed requests:        0"));
  EXPECT_THAT(report, ::testing::Not(HasSubstr("Non-2xx")));
}

}  // namespace
}  // namespace proxy::testing
