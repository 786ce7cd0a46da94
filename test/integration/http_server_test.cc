// http_server as a process on 127.0.0.1, driven by clients nobody here wrote (curl, ab) and by raw
// sockets for the edge cases: smuggling, lingering close, traversal, the connection limit,
// SIGTERM, bad flags and a busy port. Every wait is bounded.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <asio.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "test/integration/server_process.h"
#include "test/support/asio_client.h"
#include "test/support/bad_flag.h"
#include "test/support/process.h"
#include "test/support/temp_dir.h"

namespace {

using reactor::testing::AsioClient;
using reactor::testing::BadFlag;
using reactor::testing::budget;
using reactor::testing::ChildProcess;
using reactor::testing::ExitStatus;
using reactor::testing::line_count;
using reactor::testing::ServerProcess;
using reactor::testing::TempDir;
using namespace std::chrono_literals;

class HttpServerProcess : public ServerProcess {
 public:
  explicit HttpServerProcess(const std::vector<std::string>& flags = {})
      : ServerProcess(HTTP_SERVER_PATH, flags) {}

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(endpoint().port()) + path;
  }
};

// Runs a client program to its end (bounded) and returns its stdout; fails the test if it does
// not exit 0.
std::string run_client(const std::string& program, const std::vector<std::string>& args) {
  ChildProcess client(program, args);
  const std::optional<ExitStatus> status = client.wait(budget(20s));
  EXPECT_TRUE(status && status->success())
      << program << ": " << (status ? status->describe() : "still running") << "\n"
      << client.err();
  return client.out();
}

// A raw connection to the server.
class RawClient {
 public:
  explicit RawClient(const asio::ip::tcp::endpoint& endpoint) : client_(io_) {
    EXPECT_FALSE(client_.connect(endpoint, budget(2s)));
  }
  std::error_code send(std::string_view bytes) { return client_.write_all(bytes, budget(5s)); }
  reactor::testing::ReadResult read_until_eof() { return client_.read_until_eof(budget(5s)); }
  // One response head and its Content-Length body.
  std::string read_response() {
    std::string head;
    while (head.size() < 4 || head.compare(head.size() - 4, 4, "\r\n\r\n") != 0) {
      const reactor::testing::ReadResult line = client_.read_until('\n', budget(5s));
      if (line.error) return head + line.bytes;
      head += line.bytes;
    }
    const std::size_t field = head.find("Content-Length: ");
    const std::size_t length = field == std::string::npos ? 0 : std::stoul(head.substr(field + 16));
    return head + client_.read_exact(length, budget(5s)).bytes;
  }

 private:
  asio::io_context io_;
  AsioClient client_;
};

TEST(HttpServerCurlTest, GetHeadPostAndHttp10Work) {
  HttpServerProcess server;
  EXPECT_EQ(run_client(CURL_PATH, {"-sS", server.url("/plaintext")}), "Hello, World!");
  const std::string head = run_client(CURL_PATH, {"-sS", "-I", server.url("/")});
  EXPECT_NE(head.find("HTTP/1.1 200 OK\r\n"), std::string::npos);
  EXPECT_NE(head.find("Content-Length: 13\r\n"), std::string::npos);
  EXPECT_EQ(run_client(CURL_PATH, {"-sS", "--data-binary", "posted body", server.url("/echo")}),
            "posted body");
  EXPECT_EQ(run_client(CURL_PATH, {"-sS", "-H", "Transfer-Encoding: chunked", "--data-binary",
                                   "chunked body", server.url("/echo")}),
            "chunked body");
  EXPECT_EQ(run_client(CURL_PATH, {"-sS", "-0", server.url("/plaintext")}), "Hello, World!");
}

TEST(HttpServerCurlTest, ThePollBackendServesAsEpollDoes) {
  HttpServerProcess server({"--poller=poll"});
  EXPECT_EQ(run_client(CURL_PATH, {"-sS", server.url("/plaintext"), server.url("/")}),
            "Hello, World!Hello, World!");
}

TEST(HttpServerCurlTest, CurlReusesTheConnectionForSeveralRequests) {
  HttpServerProcess server;
  // num_connects: 1 for the first transfer, 0 for those that reused its connection.
  const std::string connects =
      run_client(CURL_PATH, {"-sS", "-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null", "-w",
                             "%{num_connects}", server.url("/plaintext"), server.url("/"),
                             server.url("/plaintext")});
  EXPECT_EQ(connects, "100");
}

TEST(HttpServerAbTest, KeepAliveRunHasNoFailuresAndNoNon2xx) {
  HttpServerProcess server;
  const std::string report =
      run_client(AB_PATH, {"-q", "-k", "-n", "4000", "-c", "20", server.url("/plaintext")});
  EXPECT_NE(report.find("Complete requests:      4000"), std::string::npos) << report;
  EXPECT_NE(report.find("Failed requests:        0"), std::string::npos) << report;
  EXPECT_NE(report.find("Keep-Alive requests:    4000"), std::string::npos) << report;
  EXPECT_EQ(report.find("Non-2xx"), std::string::npos) << report;
}

TEST(HttpServerRawTest, ASmuggledRequestIsRefusedAndTheConnectionClosed) {
  HttpServerProcess server;
  RawClient client(server.endpoint());
  ASSERT_FALSE(
      client.send("POST /echo HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "0\r\n\r\nGET /plaintext HTTP/1.1\r\n\r\n"));
  const reactor::testing::ReadResult reply = client.read_until_eof();
  EXPECT_EQ(reply.bytes.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << reply.bytes;
  EXPECT_EQ(reply.bytes.find("Hello"), std::string::npos);
  EXPECT_EQ(reply.error, asio::error::eof);
}

TEST(HttpServerRawTest, TheErrorResponseArrivesWholeThoughTheClientSentMore) {
  HttpServerProcess server;
  RawClient client(server.endpoint());
  // Far more than the socket buffers hold after the bad request: without a lingering close the
  // kernel would reset the connection and drop the answer.
  ASSERT_FALSE(client.send("BAD\r\n\r\n" + std::string(4 << 20, 'x')));
  const reactor::testing::ReadResult reply = client.read_until_eof();
  EXPECT_EQ(reply.bytes.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << reply.error.message();
  EXPECT_EQ(reply.error, asio::error::eof);
}

TEST(HttpServerRawTest, PipelinedRequestsComeBackInOrder) {
  HttpServerProcess server;
  RawClient client(server.endpoint());
  ASSERT_FALSE(
      client.send("POST /echo HTTP/1.1\r\nContent-Length: 3\r\n\r\none"
                  "POST /echo HTTP/1.1\r\nContent-Length: 3\r\n\r\ntwo"
                  "GET /plaintext HTTP/1.1\r\nConnection: close\r\n\r\n"));
  const std::string first = client.read_response();
  const std::string second = client.read_response();
  const std::string third = client.read_response();
  EXPECT_EQ(first.substr(first.size() - 3), "one");
  EXPECT_EQ(second.substr(second.size() - 3), "two");
  EXPECT_EQ(third.substr(third.size() - 13), "Hello, World!");
}

TEST(HttpServerRawTest, FilesAreServedAndNothingOutsideTheRoot) {
  TempDir root;
  std::ofstream(root.file("index.txt")) << "inside";
  ASSERT_EQ(symlink("/etc/passwd", root.file("passwd").c_str()), 0);
  HttpServerProcess server({"--root=" + root.path()});
  EXPECT_EQ(run_client(CURL_PATH, {"-sS", server.url("/index.txt")}), "inside");
  for (const std::string target : {"/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                                   "/..%2f..%2f..%2fetc/passwd", "/passwd"}) {
    RawClient client(server.endpoint());
    ASSERT_FALSE(client.send("GET " + target + " HTTP/1.1\r\nConnection: close\r\n\r\n"));
    const std::string reply = client.read_until_eof().bytes;
    EXPECT_TRUE(reply.rfind("HTTP/1.1 403", 0) == 0 || reply.rfind("HTTP/1.1 404", 0) == 0)
        << target << ": " << reply;
    EXPECT_EQ(reply.find("root:"), std::string::npos) << target;
  }
}

TEST(HttpServerRawTest, PastMaxConnectionsANewConnectionIsClosedAndTheOthersServed) {
  HttpServerProcess server({"--max_connections=2"});
  RawClient first(server.endpoint());
  RawClient second(server.endpoint());
  const std::string request = "GET /plaintext HTTP/1.1\r\n\r\n";
  ASSERT_FALSE(first.send(request));
  ASSERT_FALSE(second.send(request));
  EXPECT_NE(first.read_response().find("Hello, World!"), std::string::npos);
  EXPECT_NE(second.read_response().find("Hello, World!"), std::string::npos);
  RawClient third(server.endpoint());
  third.send(request);
  const reactor::testing::ReadResult refused = third.read_until_eof();
  EXPECT_TRUE(refused.error == asio::error::eof || refused.error == asio::error::connection_reset)
      << refused.error.message();
  EXPECT_EQ(refused.bytes.find("200 OK"), std::string::npos);
  ASSERT_FALSE(first.send(request));
  EXPECT_NE(first.read_response().find("Hello, World!"), std::string::npos);
}

TEST(HttpServerSignalTest, SigtermWithAnOpenConnectionExitsZeroWithinTwoSeconds) {
  HttpServerProcess server;
  RawClient idle(server.endpoint());
  ASSERT_FALSE(idle.send("GET /plaintext HTTP/1.1\r\n\r\n"));
  EXPECT_NE(idle.read_response().find("Hello"), std::string::npos);
  ASSERT_TRUE(server.process().send_signal(SIGTERM));
  const std::optional<ExitStatus> status = server.process().wait(budget(2s));
  ASSERT_TRUE(status) << "still running 2 s after SIGTERM";
  EXPECT_TRUE(status->success()) << status->describe();
}

TEST(HttpServerSignalTest, TwoThreadsServeManyConnectionsAndStopOnSigint) {
  HttpServerProcess server({"--threads=2"});
  const std::string report =
      run_client(AB_PATH, {"-q", "-k", "-n", "2000", "-c", "40", server.url("/plaintext")});
  EXPECT_NE(report.find("Failed requests:        0"), std::string::npos) << report;
  EXPECT_EQ(report.find("Non-2xx"), std::string::npos) << report;
  ASSERT_TRUE(server.process().send_signal(SIGINT));
  const std::optional<ExitStatus> status = server.process().wait(budget(2s));
  ASSERT_TRUE(status) << "still running 2 s after SIGINT";
  EXPECT_TRUE(status->success()) << status->describe();
}

class HttpServerFlagTest : public ::testing::TestWithParam<BadFlag> {};

TEST_P(HttpServerFlagTest, ExitsNonZeroWithinASecondNamingTheFlag) {
  ChildProcess server(HTTP_SERVER_PATH, GetParam().args);
  const std::optional<ExitStatus> status = server.wait(budget(1s));
  ASSERT_TRUE(status) << "still running";
  EXPECT_TRUE(status->exited);
  EXPECT_NE(status->code, 0);
  EXPECT_NE(server.err().find(GetParam().named), std::string::npos) << server.err();
  EXPECT_EQ(line_count(server.err()), 1u) << server.err();
  EXPECT_EQ(server.out(), "");
}

INSTANTIATE_TEST_SUITE_P(
    EveryFlag, HttpServerFlagTest,
    ::testing::Values(BadFlag{{"--port=70000"}, "--port"},
                      BadFlag{{"--port=0", "--threads=0"}, "--threads"},
                      BadFlag{{"--port=0", "--poller=kqueue"}, "--poller"},
                      BadFlag{{"--port=0", "--host=localhost"}, "--host"},
                      BadFlag{{"--port=0", "--idle_timeout_ms=-1"}, "--idle_timeout_ms"},
                      BadFlag{{"--port=0", "--request_timeout_ms=-1"}, "--request_timeout_ms"},
                      BadFlag{{"--port=0", "--max_connections=-1"}, "--max_connections"},
                      BadFlag{{"--port=0", "--max_header_bytes=1"}, "--max_header_bytes"},
                      BadFlag{{"--port=0", "--max_body_bytes=-1"}, "--max_body_bytes"},
                      BadFlag{{"--port=0", "--root=/nonexistent/dir"}, "--root"},
                      BadFlag{{"--port=0", "--root=/etc/passwd"}, "--root"},
                      BadFlag{{"--port=0", "--colour=blue"}, "colour"}));

TEST(HttpServerCliTest, ABusyPortIsReportedAsAddressInUse) {
  HttpServerProcess first;
  ChildProcess second(HTTP_SERVER_PATH, {"--port=" + std::to_string(first.endpoint().port())});
  const std::optional<ExitStatus> status = second.wait(budget(2s));
  ASSERT_TRUE(status);
  EXPECT_FALSE(status->success());
  EXPECT_NE(second.err().find("address in use"), std::string::npos) << second.err();
}

}  // namespace
