// RequestParser, ChunkedBody and decode_target_path on their own: framing, resumption and the
// limits. The statuses each malformed request gets are tested through HttpConnection.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "apps/http_server/chunked_body.h"
#include "apps/http_server/request_parser.h"
#include "apps/http_server/target_path.h"

namespace http {
namespace {

using Progress = RequestParser::Progress;

RequestParser::Limits small_limits() {
  RequestParser::Limits limits;
  limits.max_header_bytes = 256;
  limits.max_body_bytes = 64;
  return limits;
}

// Feeds `request` one byte more at a time; returns the progress of the last call.
Progress parse_byte_by_byte(RequestParser& parser, std::string_view request) {
  Progress progress = Progress::kNeedMore;
  for (std::size_t n = 1; n <= request.size() && progress == Progress::kNeedMore; ++n)
    progress = parser.parse(request.substr(0, n));
  return progress;
}

TEST(RequestParserTest, ParsesAHeadWithItsFields) {
  RequestParser parser(small_limits());
  const std::string request =
      "POST /echo?x=1 HTTP/1.0\r\nConnection: Keep-Alive\r\ncontent-length: 3\r\n"
      "Expect: 100-continue\r\n\r\nabcGET";
  ASSERT_EQ(parser.parse(request), Progress::kComplete);
  const RequestHead& head = parser.head();
  EXPECT_EQ(head.method, Method::kPost);
  EXPECT_EQ(head.target(request), "/echo?x=1");
  EXPECT_EQ(head.minor_version, 0);
  EXPECT_TRUE(head.keep_alive());
  EXPECT_TRUE(head.expect_continue);
  EXPECT_EQ(parser.raw_body(request), "abc");
  EXPECT_EQ(parser.request_size(), request.size() - 3);
}

TEST(RequestParserTest, ResumesWhereItStoppedWhenTheRequestComesByteByByte) {
  RequestParser parser(small_limits());
  const std::string request = "GET /plaintext HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(parse_byte_by_byte(parser, request), Progress::kComplete);
  EXPECT_EQ(parser.request_size(), request.size());
  EXPECT_FALSE(parser.head().keep_alive());
}

TEST(RequestParserTest, KnowsTheHeadIsCompleteBeforeTheBodyArrives) {
  RequestParser parser(small_limits());
  const std::string request = "POST /echo HTTP/1.1\r\nContent-Length: 5\r\n\r\nab";
  EXPECT_EQ(parser.parse(request), Progress::kNeedMore);
  EXPECT_TRUE(parser.head_complete());
  EXPECT_EQ(parser.parse(request + "cde"), Progress::kComplete);
}

TEST(RequestParserTest, AHeadOfExactlyTheLimitPassesAndOneByteMoreDoesNot) {
  const std::string start = "GET / HTTP/1.1\r\nX: ";
  const std::string filler(256 - start.size() - 4, 'a');
  RequestParser fits(small_limits());
  EXPECT_EQ(fits.parse(start + filler + "\r\n\r\n"), Progress::kComplete);
  RequestParser too_long(small_limits());
  EXPECT_EQ(too_long.parse(start + filler + "a\r\n\r\n"), Progress::kError);
  EXPECT_EQ(too_long.error(), Status::kHeaderFieldsTooLarge);
}

TEST(RequestParserTest, ResetForgetsTheLastRequest) {
  RequestParser parser(small_limits());
  ASSERT_EQ(parser.parse("GET /a HTTP/1.0\r\n\r\n"), Progress::kComplete);
  parser.reset();
  const std::string next = "HEAD /b HTTP/1.1\r\n\r\n";
  ASSERT_EQ(parser.parse(next), Progress::kComplete);
  EXPECT_EQ(parser.head().method, Method::kHead);
  EXPECT_EQ(parser.head().target(next), "/b");
  EXPECT_TRUE(parser.head().keep_alive());
}

std::string decoded(std::string_view body) {
  std::string data;
  ChunkedBody::for_each_chunk(body, [&data](std::string_view chunk) { data += chunk; });
  return data;
}

TEST(ChunkedBodyTest, ScansExtensionsAndTrailersAndWalksTheData) {
  const std::string body = "3;name=value\r\nabc\r\nA\r\n0123456789\r\n0\r\nTrailer: t\r\n\r\nNEXT";
  ChunkedBody chunked(64, 256);
  ASSERT_EQ(chunked.scan(body), ChunkedBody::Progress::kComplete);
  EXPECT_EQ(chunked.raw_size(), body.size() - 4);
  EXPECT_EQ(chunked.data_size(), 13u);
  EXPECT_EQ(decoded(body), "abc0123456789");
}

TEST(ChunkedBodyTest, ResumesByteByByte) {
  const std::string body = "2\r\nab\r\n1;x\r\nc\r\n0\r\n\r\n";
  ChunkedBody chunked(64, 256);
  ChunkedBody::Progress progress = ChunkedBody::Progress::kNeedMore;
  for (std::size_t n = 1; n <= body.size(); ++n) {
    progress = chunked.scan(std::string_view(body).substr(0, n));
    if (n < body.size()) {
      ASSERT_EQ(progress, ChunkedBody::Progress::kNeedMore) << n;
    }
  }
  EXPECT_EQ(progress, ChunkedBody::Progress::kComplete);
  EXPECT_EQ(decoded(body), "abc");
}

TEST(ChunkedBodyTest, RefusesBadFramingAndDataPastTheLimit) {
  const std::vector<std::pair<std::string, Status>> cases = {
      {"x\r\n", Status::kBadRequest},         // not hex
      {"2\r\nabc\r\n", Status::kBadRequest},  // data longer than its size
      {"2 \r\nab\r\n", Status::kBadRequest},  // space after the size
      {"2\nab\r\n", Status::kBadRequest},     // bare LF
      {"41\r\n", Status::kPayloadTooLarge},   // 65 bytes, over 64
      {"ffffffffffffffffff\r\n", Status::kPayloadTooLarge},
      {"0\r\nbad trailer\r\n\r\n", Status::kBadRequest},
  };
  for (const auto& [body, status] : cases) {
    ChunkedBody chunked(64, 256);
    EXPECT_EQ(chunked.scan(body), ChunkedBody::Progress::kError) << body;
    EXPECT_EQ(chunked.error(), status) << body;
  }
}

TEST(TargetPathTest, DecodesEscapesOnceAndDropsTheQuery) {
  std::string scratch;
  EXPECT_EQ(decode_target_path("/a/b?c=%2F", scratch), "/a/b");
  EXPECT_EQ(decode_target_path("/%2e%2E/x%20y", scratch), "/../x y");
  EXPECT_EQ(decode_target_path("/%252e", scratch), "/%2e");
  EXPECT_FALSE(decode_target_path("/%zz", scratch));
  EXPECT_FALSE(decode_target_path("/%2", scratch));
  EXPECT_FALSE(decode_target_path("/%00", scratch));
}

}  // namespace
}  // namespace http
