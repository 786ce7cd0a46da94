// RequestParser: a strict, incremental parser of one HTTP/1.x request head, and the framing of its
// body (Content-Length or chunked). It reads the bytes in place, from the request's first byte, and
// keeps only offsets and a few fields, so that the same request presented again with more bytes
// appended (possibly in another buffer) resumes where the last call stopped: every line is parsed
// once, and nothing is allocated. Anything not plainly valid is an error with the status to answer
// (400, 413, 431, 501, 505, 417): bare LF, obs-fold, whitespace before a colon, control bytes,
// Content-Length with Transfer-Encoding, repeated Content-Length, a coding other than chunked.
// Ownership: holds no memory; the views it returns point into the bytes of the last call.
// Threads: one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "apps/http_server/chunked_body.h"
#include "apps/http_server/http_status.h"

namespace http {

enum class Method : unsigned char { kGet, kHead, kPost, kOther };

// The head of a request, as offsets into its bytes (valid across calls) and decoded fields.
struct RequestHead {
  Method method = Method::kOther;
  std::uint32_t target_begin = 0;
  std::uint32_t target_size = 0;
  std::uint32_t size = 0;  // bytes of the head, up to and including the empty line
  unsigned char minor_version = 1;
  bool connection_close = false;       // a "close" token in Connection
  bool connection_keep_alive = false;  // a "keep-alive" token in Connection
  bool expect_continue = false;
  bool chunked = false;
  bool has_content_length = false;
  std::uint64_t content_length = 0;

  // The connection stays open after the response: HTTP/1.1 unless "close", HTTP/1.0 only with
  // "keep-alive".
  bool keep_alive() const {
    return !connection_close && (minor_version == 1 || connection_keep_alive);
  }
  std::string_view target(std::string_view request) const {
    return request.substr(target_begin, target_size);
  }
};

class RequestParser {
 public:
  struct Limits {
    std::size_t max_header_bytes = 8192;  // request line and headers, with their line ends
    std::size_t max_body_bytes = 1 << 20;
  };

  enum class Progress : unsigned char {
    kNeedMore,  // not complete yet (head_complete() tells how far): call again with more bytes
    kComplete,  // head and body: request_size() bytes
    kError,     // error(): answer it and close
  };

  explicit RequestParser(const Limits& limits) : limits_(limits) {}

  // Parses on from where the last call stopped. `request` starts at the request's first byte and
  // holds at least the bytes of the previous calls since reset(), unchanged.
  Progress parse(std::string_view request);
  // Forgets the request, for the next one.
  void reset();

  bool head_complete() const { return stage_ >= Stage::kBody; }
  // Once the head is complete.
  const RequestHead& head() const { return head_; }
  // Once complete: the bytes of the whole request, and of its body as sent (chunked: framing
  // included; ChunkedBody::for_each_chunk() walks its data).
  std::size_t request_size() const { return body_begin() + body_size_; }
  std::string_view raw_body(std::string_view request) const {
    return request.substr(body_begin(), body_size_);
  }
  // The body's length once decoded (chunked: the data only).
  std::uint64_t body_length() const {
    return head_.chunked ? chunked_.data_size() : head_.content_length;
  }
  Status error() const { return error_; }

 private:
  enum class Stage : unsigned char { kRequestLine, kHeaders, kBody, kDone, kFailed };
  enum class LineEnd : unsigned char { kFound, kNeedMore, kBad };

  std::size_t body_begin() const { return head_.size; }
  Progress fail(Status status);
  // The CRLF ending the head line at position_, within max_header_bytes, checking that the line
  // holds only field characters.
  LineEnd find_line_end(std::string_view request, std::size_t& carriage_return) const;
  // One line of the head, without its CRLF, starting at offset `begin`; false after fail().
  bool request_line(std::string_view line, std::uint32_t begin);
  bool header(std::string_view line);
  // The empty line: checks the framing headers together; false after fail().
  bool end_of_head();
  Progress parse_body(std::string_view request);

  Limits limits_;
  Stage stage_ = Stage::kRequestLine;
  Status error_ = Status::kOk;
  std::uint32_t position_ = 0;  // the first byte not yet parsed
  RequestHead head_;
  std::uint64_t body_size_ = 0;  // raw body bytes, once known
  ChunkedBody chunked_{limits_.max_body_bytes, limits_.max_header_bytes};
};

}  // namespace http
