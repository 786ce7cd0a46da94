// HttpConnection through the testing kit (ConnectionHarness: a real socket pair, MockPoller and
// ManualClock): routes, keep-alive, pipelining, every error status, the limits, chunked bodies,
// 100-continue, files and their backpressure, and the timeouts by advancing the clock.
#include "apps/http_server/http_connection.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "apps/http_server/file_root.h"
#include "apps/http_server/serving_state.h"
#include "reactor/testing/connection_harness.h"
#include "test/support/temp_dir.h"

namespace http {
namespace {

using reactor::Socket;
using reactor::testing::ConnectionHarness;
using reactor::testing::FakeSyscalls;
using namespace std::chrono_literals;

struct Response {
  int status = 0;
  std::string head;  // status line and headers, with their CRLFs
  std::string body;

  bool has(std::string_view header_line) const {
    return head.find(std::string(header_line) + "\r\n") != std::string::npos;
  }
};

// Splits what a connection sent into responses, each body by its Content-Length (none: empty).
// A truncated last response is left out.
std::vector<Response> split_responses(std::string_view output) {
  std::vector<Response> responses;
  while (!output.empty()) {
    const std::size_t head_end = output.find("\r\n\r\n");
    if (head_end == std::string_view::npos) break;
    Response response;
    response.head = std::string(output.substr(0, head_end + 2));
    response.status = std::stoi(response.head.substr(9, 3));
    std::size_t length = 0;
    const std::size_t field = response.head.find("\r\nContent-Length: ");
    if (field != std::string::npos) length = std::stoul(response.head.substr(field + 18));
    output.remove_prefix(head_end + 4);
    if (output.size() < length) break;
    response.body = std::string(output.substr(0, length));
    output.remove_prefix(length);
    responses.push_back(std::move(response));
  }
  return responses;
}

class HttpConnectionTest : public ::testing::Test {
 protected:
  HttpConnectionTest() {
    settings.limits.max_header_bytes = 1024;
    settings.limits.max_body_bytes = 4096;
    settings.request_timeout = 10s;
  }

  ConnectionHarness& open() {
    state_.emplace(settings);
    harness_.emplace(
        [this](Socket socket) {
          return std::make_unique<HttpConnection>(std::move(socket), *state_);
        },
        options);
    return *harness_;
  }
  ConnectionHarness& harness() { return *harness_; }

  // Writes `bytes` as the client, runs the loop, and returns the responses that came back.
  std::vector<Response> exchange(std::string_view bytes) {
    return split_responses(harness_->round_trip(bytes));
  }

  // The client reads the whole output up to the server's EOF, or up to `size` bytes.
  std::string read_output(std::size_t size) {
    std::string output;
    for (int round = 0; round < 10000 && output.size() < size && !harness_->peer_saw_eof();
         ++round) {
      harness_->run_until_idle();
      max_queued = std::max(max_queued, harness_->connection().queued_bytes());
      output += harness_->take_output();
    }
    return output;
  }

  ServingSettings settings;
  ConnectionHarness::Options options;
  std::size_t max_queued = 0;

 private:
  std::optional<ServingState> state_;
  std::optional<ConnectionHarness> harness_;
};

TEST_F(HttpConnectionTest, PlaintextIsHelloWorldWithLengthDateAndServer) {
  open();
  const std::vector<Response> responses = exchange("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 200);
  EXPECT_EQ(responses[0].body, "Hello, World!");
  EXPECT_TRUE(responses[0].has("Content-Type: text/plain"));
  EXPECT_TRUE(responses[0].has("Content-Length: 13"));
  EXPECT_TRUE(responses[0].has("Server: reactor"));
  EXPECT_NE(responses[0].head.find("\r\nDate: "), std::string::npos);
  EXPECT_NE(responses[0].head.find(" GMT\r\n"), std::string::npos);
  EXPECT_FALSE(harness().connection().closing());
}

TEST_F(HttpConnectionTest, TheRootAnswersLikePlaintextAndTheQueryIsIgnored) {
  open();
  const std::vector<Response> responses =
      exchange("GET /?a=b HTTP/1.1\r\n\r\nGET /plaintext?x HTTP/1.1\r\n\r\n");
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0].body, "Hello, World!");
  EXPECT_EQ(responses[1].body, "Hello, World!");
}

TEST_F(HttpConnectionTest, HeadGetsTheHeadersOfGetWithoutTheBody) {
  open();
  const std::string output = harness().round_trip("HEAD /plaintext HTTP/1.1\r\n\r\n");
  EXPECT_NE(output.find("Content-Length: 13\r\n"), std::string::npos);
  EXPECT_EQ(output.substr(output.size() - 4), "\r\n\r\n");
  EXPECT_EQ(output.find("Hello"), std::string::npos);
}

TEST_F(HttpConnectionTest, AHeadArrivingByteByByteIsAnsweredOnceWhenComplete) {
  open();
  const std::string request = "GET /plaintext HTTP/1.1\r\nHost: example\r\n\r\n";
  for (std::size_t i = 0; i + 1 < request.size(); ++i)
    EXPECT_EQ(harness().round_trip(request.substr(i, 1)), "") << i;
  const std::vector<Response> responses = exchange(request.substr(request.size() - 1));
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].body, "Hello, World!");
}

TEST_F(HttpConnectionTest, PipelinedRequestsAreAnsweredInOrderInOneSend) {
  open();
  const std::size_t sends_before = harness().syscalls().calls(FakeSyscalls::Call::kSend);
  const std::vector<Response> responses = exchange(
      "GET /plaintext HTTP/1.1\r\n\r\nPOST /echo HTTP/1.1\r\nContent-Length: 5\r\n\r\nfirst"
      "GET /missing HTTP/1.1\r\n\r\nPOST /echo HTTP/1.1\r\nContent-Length: 6\r\n\r\nsecond");
  ASSERT_EQ(responses.size(), 4u);
  EXPECT_EQ(responses[0].body, "Hello, World!");
  EXPECT_EQ(responses[1].body, "first");
  EXPECT_EQ(responses[2].status, 404);
  EXPECT_EQ(responses[3].body, "second");
  EXPECT_EQ(harness().syscalls().calls(FakeSyscalls::Call::kSend) - sends_before, 1u);
}

TEST_F(HttpConnectionTest, EchoReturnsAContentLengthBodyThatCameInPieces) {
  open();
  EXPECT_EQ(harness().round_trip("POST /echo HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello"), "");
  const std::vector<Response> responses = exchange(" world");
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].body, "hello world");
  EXPECT_TRUE(responses[0].has("Content-Length: 11"));
}

TEST_F(HttpConnectionTest, EchoDecodesAChunkedBodyWithExtensionsAndTrailers) {
  open();
  const std::string request =
      "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;ext=1\r\nhello\r\n1\r\n \r\n5;a;b=\"c\"\r\nworld\r\n0\r\nX-Trailer: yes\r\n\r\n";
  // Byte by byte, then the reply.
  for (std::size_t i = 0; i + 1 < request.size(); ++i)
    ASSERT_EQ(harness().round_trip(request.substr(i, 1)), "") << i;
  const std::vector<Response> responses = exchange(request.substr(request.size() - 1));
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].body, "hello world");
  EXPECT_TRUE(responses[0].has("Content-Length: 11"));
}

TEST_F(HttpConnectionTest, Http10ClosesAfterTheResponseUnlessAskedToKeepAlive) {
  open();
  const std::vector<Response> responses = exchange("GET /plaintext HTTP/1.0\r\n\r\n");
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_TRUE(responses[0].has("Connection: close"));
  EXPECT_TRUE(harness().connection().closing());
}

TEST_F(HttpConnectionTest, Http10KeepAliveIsConfirmedAndKept) {
  open();
  const std::vector<Response> responses =
      exchange("GET /plaintext HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_TRUE(responses[0].has("Connection: keep-alive"));
  EXPECT_FALSE(harness().connection().closing());
}

TEST_F(HttpConnectionTest, ConnectionCloseIsHonouredAndLaterRequestsAreNotAnswered) {
  open();
  const std::string output = harness().round_trip(
      "GET /plaintext HTTP/1.1\r\nConnection: close\r\n\r\nGET /plaintext HTTP/1.1\r\n\r\n");
  const std::vector<Response> responses = split_responses(output);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_TRUE(responses[0].has("Connection: close"));
  EXPECT_TRUE(harness().peer_saw_eof());
}

TEST_F(HttpConnectionTest, OtherMethodsOnKnownRoutesGet405WithAllow) {
  open();
  const std::vector<Response> responses = exchange(
      "DELETE /plaintext HTTP/1.1\r\n\r\nGET /echo HTTP/1.1\r\n\r\nPUT / HTTP/1.1\r\n\r\n");
  ASSERT_EQ(responses.size(), 3u);
  EXPECT_EQ(responses[0].status, 405);
  EXPECT_TRUE(responses[0].has("Allow: GET, HEAD"));
  EXPECT_EQ(responses[1].status, 405);
  EXPECT_TRUE(responses[1].has("Allow: POST"));
  EXPECT_EQ(responses[2].status, 405);
  EXPECT_TRUE(responses[2].has("Content-Length: 0"));
}

TEST_F(HttpConnectionTest, WithoutARootOtherPathsAre404) {
  open();
  const std::vector<Response> responses = exchange("GET /index.html HTTP/1.1\r\n\r\n");
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 404);
  EXPECT_FALSE(harness().connection().closing());
}

struct BadRequest {
  const char* name;
  std::string request;
  int status;
};

void PrintTo(const BadRequest& param, std::ostream* out) {
  *out << param.name;
}

class HttpErrorTest : public HttpConnectionTest,
                      public ::testing::WithParamInterface<BadRequest> {};

TEST_P(HttpErrorTest, IsAnsweredWithItsStatusAndTheConnectionCloses) {
  open();
  const std::vector<Response> responses = exchange(GetParam().request);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, GetParam().status);
  EXPECT_TRUE(responses[0].has("Connection: close"));
  EXPECT_TRUE(responses[0].has("Content-Length: 0"));
  EXPECT_TRUE(responses[0].has("Server: reactor"));
  EXPECT_TRUE(harness().connection().closing());
  EXPECT_TRUE(harness().peer_saw_eof());
}

INSTANTIATE_TEST_SUITE_P(
    EveryStatus, HttpErrorTest,
    ::testing::Values(
        BadRequest{"BareLineFeed", "GET / HTTP/1.1\nHost: x\r\n\r\n", 400},
        BadRequest{"SpaceBeforeColon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400},
        BadRequest{"ObsFold", "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", 400},
        BadRequest{"ControlByteInValue", std::string("GET / HTTP/1.1\r\nX: a\x01z\r\n\r\n"), 400},
        BadRequest{"EmptyTarget", "GET  / HTTP/1.1\r\n\r\n", 400},
        BadRequest{"AbsoluteForm", "GET http://x/ HTTP/1.1\r\n\r\n", 400},
        BadRequest{"NoVersion", "GET /\r\n\r\n", 400},
        BadRequest{"NotHttp", "GET / HTTX/1.1\r\n\r\n", 400},
        BadRequest{"BadEscape", "GET /%zz HTTP/1.1\r\n\r\n", 400},
        BadRequest{"Http2", "GET / HTTP/2.0\r\n\r\n", 505},
        BadRequest{"Http12", "GET / HTTP/1.2\r\n\r\n", 505},
        BadRequest{"LengthAndChunked",
                   "POST /echo HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "0\r\n\r\n",
                   400},
        BadRequest{"ChunkedAndLength",
                   "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
                   "abc",
                   400},
        BadRequest{"ConflictingLengths",
                   "POST /echo HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
                   400},
        BadRequest{"RepeatedLength",
                   "POST /echo HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 400},
        BadRequest{"LengthList", "POST /echo HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\nabc", 400},
        BadRequest{"NegativeLength", "POST /echo HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
        BadRequest{
            "BadChunkFraming",
            "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n", 400},
        BadRequest{"GzipCoding", "POST /echo HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                   501},
        BadRequest{"ChunkedTwice",
                   "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
                   "chunked\r\n\r\n",
                   501},
        BadRequest{"DeclaredBodyTooLarge", "POST /echo HTTP/1.1\r\nContent-Length: 4097\r\n\r\n",
                   413},
        BadRequest{"ChunkedBodyTooLarge",
                   "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" +
                       std::string(2048, 'a') + "\r\n801\r\n",
                   413},
        BadRequest{"HeadTooLarge",
                   "GET / HTTP/1.1\r\nX-Filler: " + std::string(1024, 'f') + "\r\n\r\n", 431},
        BadRequest{"UnknownExpectation", "GET / HTTP/1.1\r\nExpect: teapot\r\n\r\n", 417}),
    [](const ::testing::TestParamInfo<BadRequest>& bad) { return bad.param.name; });

TEST_F(HttpConnectionTest, AnErrorIsDeliveredWholeEvenWhenTheClientKeepsSending) {
  open();
  // The bad request, then far more than the socket buffers hold: a close that did not linger
  // would reset the connection and lose the answer.
  harness().peer_write("GET / HTTP/9.9\r\n\r\n" + std::string(512 << 10, 'x'));
  const std::vector<Response> responses = split_responses(read_output(1 << 20));
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 505);
}

TEST_F(HttpConnectionTest, ExpectContinueGetsContinueBeforeTheBodyAndThenTheAnswer) {
  open();
  const std::string interim = harness().round_trip(
      "POST /echo HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  const std::vector<Response> responses = exchange("body");
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].body, "body");
}

TEST_F(HttpConnectionTest, ExpectContinueWithABodyTooLargeGets413AtOnce) {
  open();
  const std::string output = harness().round_trip(
      "POST /echo HTTP/1.1\r\nContent-Length: 999999\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(output.find("100 Continue"), std::string::npos);
  const std::vector<Response> responses = split_responses(output);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 413);
}

TEST_F(HttpConnectionTest, AHeadIncompleteForTheRequestTimeoutGets408) {
  open();
  EXPECT_EQ(harness().round_trip("GET /plaintext HT"), "");
  harness().advance(9999ms);
  EXPECT_EQ(harness().take_output(), "");
  harness().advance(1ms);
  const std::vector<Response> responses = split_responses(harness().take_output());
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 408);
  EXPECT_TRUE(harness().connection().closing());
}

TEST_F(HttpConnectionTest, AHeadTricklingInCountsFromItsFirstByte) {
  open();
  const std::string head = "GET /plaintext HTTP/1.1\r\nX-Slow: aaaaaaaaaa\r\n";
  for (std::size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(harness().round_trip(head.substr(i, 1)), "");
    harness().advance(1000ms);
  }
  const std::vector<Response> responses = split_responses(harness().take_output());
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 408);
}

TEST_F(HttpConnectionTest, TheHeadTimeoutStopsOnceTheHeadIsComplete) {
  open();
  ASSERT_EQ(exchange("GET /plaintext HTTP/1.1\r\n\r\n").size(), 1u);
  EXPECT_EQ(harness().round_trip("POST /echo HTTP/1.1\r\nContent-Length: 2\r\n\r\n"), "");
  harness().advance(20s);
  EXPECT_EQ(harness().take_output(), "");
  const std::vector<Response> responses = exchange("ok");
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].body, "ok");
}

TEST_F(HttpConnectionTest, AnIdleKeepAliveConnectionIsClosedQuietly) {
  options.idle_timeout = 1000ms;
  open();
  ASSERT_EQ(exchange("GET /plaintext HTTP/1.1\r\n\r\n").size(), 1u);
  harness().advance(999ms);
  EXPECT_FALSE(harness().connection().closing());
  harness().advance(1ms);
  EXPECT_EQ(harness().take_output(), "");
  EXPECT_TRUE(harness().peer_saw_eof());
}

class HttpFileTest : public HttpConnectionTest {
 protected:
  HttpFileTest() : root_(directory_.path()) { settings.root = &root_; }

  void write_file(const std::string& path, const std::string& content) {
    std::ofstream(path, std::ios::binary) << content;
  }

  reactor::testing::TempDir directory_;
  reactor::testing::TempDir outside_;
  FileRoot root_;
};

TEST_F(HttpFileTest, ServesARegularFileWithTypeLengthAndLastModified) {
  write_file(directory_.file("page.html"), "<p>hi</p>");
  open();
  const std::vector<Response> responses = exchange("GET /page.html HTTP/1.1\r\n\r\n");
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 200);
  EXPECT_EQ(responses[0].body, "<p>hi</p>");
  EXPECT_TRUE(responses[0].has("Content-Type: text/html; charset=utf-8"));
  EXPECT_NE(responses[0].head.find("\r\nLast-Modified: "), std::string::npos);
}

TEST_F(HttpFileTest, MissingFilesAre404AndOtherMethods405) {
  open();
  const std::vector<Response> responses =
      exchange("GET /nothing.txt HTTP/1.1\r\n\r\nPOST /nothing.txt HTTP/1.1\r\n\r\n");
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0].status, 404);
  EXPECT_EQ(responses[1].status, 405);
  EXPECT_TRUE(responses[1].has("Allow: GET, HEAD"));
}

TEST_F(HttpFileTest, NothingOutsideTheRootIsServedHoweverThePathIsSpelt) {
  write_file(outside_.file("secret"), "secret");
  ASSERT_EQ(symlink(outside_.file("secret").c_str(), directory_.file("link").c_str()), 0);
  const std::string up =
      "/../" + outside_.path().substr(outside_.path().rfind('/') + 1) + "/secret";
  open();
  const std::vector<std::string> targets = {
      up,      "/%2e%2e/" + up.substr(4),     "/%2E%2E%2F" + up.substr(4), "/.%2e/" + up.substr(4),
      "/link", "/" + outside_.file("secret"),
  };
  for (const std::string& target : targets) {
    const std::vector<Response> responses = exchange("GET " + target + " HTTP/1.1\r\n\r\n");
    ASSERT_EQ(responses.size(), 1u) << target;
    EXPECT_TRUE(responses[0].status == 403 || responses[0].status == 404)
        << target << ": " << responses[0].status;
    EXPECT_EQ(responses[0].body.find("secret"), std::string::npos) << target;
  }
}

TEST_F(HttpFileTest, ALargeFileStreamsInBoundedChunksAndPipelinedRequestsWait) {
  std::string content(3 << 20, '\0');
  for (std::size_t i = 0; i < content.size(); ++i)
    content[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  write_file(directory_.file("big.bin"), content);
  open();
  harness().peer_write("GET /big.bin HTTP/1.1\r\n\r\nGET /plaintext HTTP/1.1\r\n\r\n");
  const std::string output = read_output(content.size() + 1024);
  const std::vector<Response> responses = split_responses(output);
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_TRUE(responses[0].body == content);
  EXPECT_TRUE(responses[0].has("Content-Type: application/octet-stream"));
  EXPECT_EQ(responses[1].body, "Hello, World!");
  // The reader held the file back: what waited for it was one chunk, not the file.
  EXPECT_GT(max_queued, 0u);
  EXPECT_LE(max_queued, OutputBatch::kCapacity);
  // The connection goes on as before, with nothing left over from the requests that waited.
  const std::vector<Response> after =
      exchange("POST /echo HTTP/1.1\r\nContent-Length: 4\r\n\r\nnext");
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].body, "next");
}

TEST_F(HttpFileTest, RequestsArrivingWhileAFileStreamsAreAnsweredAfterIt) {
  write_file(directory_.file("big.bin"), std::string(1 << 20, 'z'));
  open();
  harness().peer_write("GET /big.bin HTTP/1.1\r\n\r\nGET /plaintext HTTP/1.1\r\n\r\nGET /pla");
  std::string output = read_output(64 << 10);
  // Mid-file: the rest of the third request arrives.
  harness().peer_write("intext HTTP/1.1\r\n\r\n");
  output += read_output((1 << 20) + 4096);
  const std::vector<Response> responses = split_responses(output);
  ASSERT_EQ(responses.size(), 3u);
  EXPECT_EQ(responses[0].body.size(), std::size_t{1} << 20);
  EXPECT_EQ(responses[1].body, "Hello, World!");
  EXPECT_EQ(responses[2].body, "Hello, World!");
}

}  // namespace
}  // namespace http
