#include "apps/http_server/chunked_body.h"

#include <algorithm>

namespace http {
namespace {

// More hex digits than this cannot be a size within any limit.
constexpr std::size_t kMaxSizeDigits = 15;

}  // namespace

void ChunkedBody::reset() {
  stage_ = Stage::kSizeLine;
  error_ = Status::kOk;
  position_ = 0;
  chunk_left_ = 0;
  data_size_ = 0;
  trailer_size_ = 0;
}

ChunkedBody::Progress ChunkedBody::fail(Status status) {
  stage_ = Stage::kFailed;
  error_ = status;
  return Progress::kError;
}

ChunkedBody::Progress ChunkedBody::next_line(std::string_view body, std::size_t max,
                                             std::string_view& line) {
  const std::size_t available = std::min(body.size() - position_, max);
  const std::string_view window = body.substr(position_, available);
  const std::size_t newline = window.find('\n');
  if (newline == std::string_view::npos) {
    if (available < max) return Progress::kNeedMore;
    fail(stage_ == Stage::kTrailers ? Status::kHeaderFieldsTooLarge : Status::kBadRequest);
    return Progress::kError;
  }
  if (newline == 0 || window[newline - 1] != '\r') {
    fail(Status::kBadRequest);  // a bare LF
    return Progress::kError;
  }
  line = window.substr(0, newline - 1);
  position_ += newline + 1;
  return Progress::kComplete;
}

bool ChunkedBody::size_line(std::string_view line) {
  std::size_t digits = 0;
  std::uint64_t size = 0;
  for (int digit; digits < line.size() && (digit = syntax::hex_value(line[digits])) >= 0;
       ++digits) {
    if (digits == kMaxSizeDigits) {
      fail(Status::kPayloadTooLarge);
      return false;
    }
    size = size * 16 + static_cast<std::uint64_t>(digit);
  }
  if (digits == 0) {
    fail(Status::kBadRequest);
    return false;
  }
  // Chunk extensions: ;name[=value], checked only for their characters.
  const std::string_view extensions = line.substr(digits);
  if (!extensions.empty() && extensions.front() != ';') {
    fail(Status::kBadRequest);
    return false;
  }
  for (char c : extensions) {
    if (!syntax::is_field_char(c)) {
      fail(Status::kBadRequest);
      return false;
    }
  }
  if (size > max_data_ - data_size_) {
    fail(Status::kPayloadTooLarge);
    return false;
  }
  data_size_ += size;
  chunk_left_ = size;
  stage_ = size == 0 ? Stage::kTrailers : Stage::kData;
  return true;
}

ChunkedBody::Progress ChunkedBody::scan(std::string_view body) {
  for (;;) {
    if (position_ > max_raw_size()) return fail(Status::kPayloadTooLarge);
    std::string_view line;
    switch (stage_) {
      case Stage::kSizeLine: {
        const Progress progress = next_line(body, kMaxSizeLine, line);
        if (progress != Progress::kComplete) return progress;
        if (!size_line(line)) return Progress::kError;
        break;
      }
      case Stage::kData: {
        const std::size_t taken =
            static_cast<std::size_t>(std::min<std::uint64_t>(chunk_left_, body.size() - position_));
        position_ += taken;
        chunk_left_ -= taken;
        if (chunk_left_ > 0) return Progress::kNeedMore;
        stage_ = Stage::kDataEnd;
        break;
      }
      case Stage::kDataEnd:
        if (body.size() - position_ < 2) return Progress::kNeedMore;
        if (body.substr(position_, 2) != "\r\n") return fail(Status::kBadRequest);
        position_ += 2;
        stage_ = Stage::kSizeLine;
        break;
      case Stage::kTrailers: {
        const Progress progress = next_line(body, max_trailer_ - trailer_size_, line);
        if (progress != Progress::kComplete) return progress;
        trailer_size_ += line.size() + 2;
        if (line.empty()) {
          stage_ = Stage::kDone;
          return Progress::kComplete;
        }
        if (!syntax::is_header_line(line)) return fail(Status::kBadRequest);
        break;
      }
      case Stage::kDone:
        return Progress::kComplete;
      case Stage::kFailed:
        return Progress::kError;
    }
  }
}

}  // namespace http
