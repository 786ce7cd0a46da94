#include "apps/http_server/request_parser.h"

#include <algorithm>

#include "apps/http_server/syntax.h"

namespace http {
namespace {

// More digits than this cannot be a length within any limit.
constexpr std::size_t kMaxLengthDigits = 18;

Method method_of(std::string_view token) {
  if (token == "GET") return Method::kGet;
  if (token == "HEAD") return Method::kHead;
  if (token == "POST") return Method::kPost;
  return Method::kOther;
}

}  // namespace

void RequestParser::reset() {
  stage_ = Stage::kRequestLine;
  error_ = Status::kOk;
  position_ = 0;
  head_ = RequestHead{};
  body_size_ = 0;
  chunked_.reset();
}

RequestParser::Progress RequestParser::fail(Status status) {
  stage_ = Stage::kFailed;
  error_ = status;
  return Progress::kError;
}

RequestParser::LineEnd RequestParser::find_line_end(std::string_view request,
                                                    std::size_t& carriage_return) const {
  // The head may not pass max_header_bytes, its last line end included.
  const std::size_t end = std::min(request.size(), limits_.max_header_bytes);
  const char* const data = request.data();
  for (std::size_t i = position_;;) {
    i += syntax::count_plain_field_chars(data + i, end - i);
    if (i == end) return LineEnd::kNeedMore;
    if (data[i] == '\t') {
      ++i;
      continue;
    }
    if (data[i] != '\r') return LineEnd::kBad;  // a bare LF or another control byte
    if (i + 1 == end) return LineEnd::kNeedMore;
    if (data[i + 1] != '\n') return LineEnd::kBad;
    carriage_return = i;
    return LineEnd::kFound;
  }
}

RequestParser::Progress RequestParser::parse(std::string_view request) {
  while (stage_ < Stage::kBody) {
    std::size_t carriage_return = 0;
    switch (find_line_end(request, carriage_return)) {
      case LineEnd::kNeedMore:
        if (request.size() >= limits_.max_header_bytes) return fail(Status::kHeaderFieldsTooLarge);
        return Progress::kNeedMore;
      case LineEnd::kBad:
        return fail(Status::kBadRequest);
      case LineEnd::kFound:
        break;
    }
    const std::string_view line = request.substr(position_, carriage_return - position_);
    const std::uint32_t line_begin = position_;
    position_ = static_cast<std::uint32_t>(carriage_return + 2);
    if (stage_ == Stage::kRequestLine) {
      if (!request_line(line, line_begin)) return Progress::kError;
    } else if (line.empty()) {
      if (!end_of_head()) return Progress::kError;
    } else if (!header(line)) {
      return Progress::kError;
    }
  }
  return parse_body(request);
}

bool RequestParser::request_line(std::string_view line, std::uint32_t begin) {
  const std::size_t method_end = line.find(' ');
  if (method_end == std::string_view::npos || !syntax::is_token(line.substr(0, method_end))) {
    fail(Status::kBadRequest);
    return false;
  }
  head_.method = method_of(line.substr(0, method_end));
  const std::size_t target_begin = method_end + 1;
  const std::size_t target_end =
      target_begin +
      syntax::count_visible_chars(line.data() + target_begin, line.size() - target_begin);
  // Origin form only: a path, and perhaps a query.
  if (target_end == target_begin || line[target_begin] != '/' || target_end == line.size() ||
      line[target_end] != ' ') {
    fail(Status::kBadRequest);
    return false;
  }
  head_.target_begin = begin + static_cast<std::uint32_t>(target_begin);
  head_.target_size = static_cast<std::uint32_t>(target_end - target_begin);
  const std::string_view version = line.substr(target_end + 1);
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || !digit(version[5]) ||
      version[6] != '.' || !digit(version[7])) {
    fail(Status::kBadRequest);
    return false;
  }
  if (version[5] != '1' || (version[7] != '0' && version[7] != '1')) {
    fail(Status::kVersionNotSupported);
    return false;
  }
  head_.minor_version = static_cast<unsigned char>(version[7] - '0');
  stage_ = Stage::kHeaders;
  return true;
}

bool RequestParser::header(std::string_view line) {
  // The line's bytes are field characters already (find_line_end()): the name must be a token
  // right before the colon (no space, no obs-fold).
  const std::size_t colon = syntax::count_token_chars(line);
  if (colon == 0 || colon == line.size() || line[colon] != ':') {
    fail(Status::kBadRequest);
    return false;
  }
  const std::string_view name = line.substr(0, colon);
  const std::string_view value = syntax::trim(line.substr(colon + 1));
  switch (name.size()) {
    case 6:
      if (syntax::equals_lower(name, "expect")) {
        if (!syntax::equals_lower(value, "100-continue")) {
          fail(Status::kExpectationFailed);
          return false;
        }
        head_.expect_continue = true;
      }
      break;
    case 10:
      if (syntax::equals_lower(name, "connection")) {
        syntax::for_each_list_item(value, [this](std::string_view option) {
          if (syntax::equals_lower(option, "close")) head_.connection_close = true;
          if (syntax::equals_lower(option, "keep-alive")) head_.connection_keep_alive = true;
        });
      }
      break;
    case 14:
      if (syntax::equals_lower(name, "content-length")) {
        if (head_.has_content_length || value.empty() ||
            !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
          fail(Status::kBadRequest);  // a repeated or malformed length: no guessing which
          return false;
        }
        if (value.size() > kMaxLengthDigits) {
          fail(Status::kPayloadTooLarge);
          return false;
        }
        head_.has_content_length = true;
        for (char c : value)
          head_.content_length = head_.content_length * 10 + static_cast<unsigned>(c - '0');
      }
      break;
    case 17:
      if (syntax::equals_lower(name, "transfer-encoding")) {
        // Only "chunked", once: any other coding, or chunked applied twice, is refused.
        if (head_.chunked || !syntax::equals_lower(value, "chunked")) {
          fail(value.empty() ? Status::kBadRequest : Status::kNotImplemented);
          return false;
        }
        head_.chunked = true;
      }
      break;
    default:
      break;
  }
  return true;
}

bool RequestParser::end_of_head() {
  head_.size = position_;
  // Both framings at once is how requests are smuggled past a proxy: refused.
  if (head_.chunked && head_.has_content_length) {
    fail(Status::kBadRequest);
    return false;
  }
  if (head_.content_length > limits_.max_body_bytes) {
    fail(Status::kPayloadTooLarge);
    return false;
  }
  body_size_ = head_.content_length;
  stage_ = Stage::kBody;
  return true;
}

RequestParser::Progress RequestParser::parse_body(std::string_view request) {
  if (stage_ == Stage::kFailed) return Progress::kError;
  if (head_.chunked) {
    switch (chunked_.scan(request.substr(body_begin()))) {
      case ChunkedBody::Progress::kNeedMore:
        return Progress::kNeedMore;
      case ChunkedBody::Progress::kError:
        return fail(chunked_.error());
      case ChunkedBody::Progress::kComplete:
        body_size_ = chunked_.raw_size();
        break;
    }
  } else if (request.size() - body_begin() < body_size_) {
    return Progress::kNeedMore;
  }
  stage_ = Stage::kDone;
  return Progress::kComplete;
}

}  // namespace http
