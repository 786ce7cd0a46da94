// ChunkedBody: the incremental, strict scanner of a chunked request body (RFC 9112 section 7.1):
// chunk sizes in hex, chunk extensions (checked, ignored), the CRLF after each chunk's data, the
// last chunk and the trailer section (checked, ignored). Like RequestParser it keeps only offsets,
// so that the body presented again with more bytes appended resumes where it stopped; it copies
// nothing. Once complete, for_each_chunk() walks the data of the body it validated.
// Limits: the decoded data (413 past it), each size line, the trailer section (431 past it), and
// the raw body, whose framing may not take more than the data itself plus a fixed allowance
// (413), so that tiny chunks cannot make a request's buffered bytes unbounded.
// Ownership: holds no memory. Threads: one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "apps/http_server/http_status.h"
#include "apps/http_server/syntax.h"

namespace http {

class ChunkedBody {
 public:
  enum class Progress : unsigned char { kNeedMore, kComplete, kError };

  // Longest chunk-size line (size and extensions), CRLF included.
  static constexpr std::size_t kMaxSizeLine = 1024;

  ChunkedBody(std::size_t max_data, std::size_t max_trailer)
      : max_data_(max_data), max_trailer_(max_trailer) {}

  // The most raw bytes a body within the limits may take.
  std::size_t max_raw_size() const { return 2 * max_data_ + 16 * kMaxSizeLine + max_trailer_; }

  // Scans on from where the last call stopped. `body` starts at the first chunk-size line and
  // holds at least the bytes of the previous calls since reset(), unchanged.
  Progress scan(std::string_view body);
  void reset();

  // Raw bytes of the body scanned so far (all of it once complete).
  std::size_t raw_size() const { return position_; }
  // Data bytes so far.
  std::uint64_t data_size() const { return data_size_; }
  Status error() const { return error_; }

  // Calls fn(data) for each non-empty chunk's data of `body`, a complete body scan() accepted.
  template <typename Fn>
  static void for_each_chunk(std::string_view body, Fn&& fn) {
    std::size_t position = 0;
    for (;;) {
      std::uint64_t size = 0;
      for (int digit; (digit = syntax::hex_value(body[position])) >= 0; ++position)
        size = size * 16 + static_cast<std::uint64_t>(digit);
      if (size == 0) return;
      position = body.find('\n', position) + 1;
      fn(body.substr(position, size));
      position += size + 2;  // the data, then its CRLF
    }
  }

 private:
  enum class Stage : unsigned char { kSizeLine, kData, kDataEnd, kTrailers, kDone, kFailed };

  Progress fail(Status status);
  // One chunk-size line without its CRLF; false after fail().
  bool size_line(std::string_view line);
  // The next complete line from position_ (without its CRLF) into `line`, at most `max` bytes
  // with the CRLF: kComplete, kNeedMore, or kError after fail().
  Progress next_line(std::string_view body, std::size_t max, std::string_view& line);

  std::size_t max_data_;
  std::size_t max_trailer_;
  Stage stage_ = Stage::kSizeLine;
  Status error_ = Status::kOk;
  std::size_t position_ = 0;
  std::uint64_t chunk_left_ = 0;
  std::uint64_t data_size_ = 0;
  std::size_t trailer_size_ = 0;
};

}  // namespace http
