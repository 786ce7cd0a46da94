#include "apps/http_server/http_connection.h"

#include <unistd.h>

#include <algorithm>
#include <new>
#include <stdexcept>
#include <utility>

#include "apps/http_server/chunked_body.h"
#include "apps/http_server/target_path.h"
#include "reactor/core/reactor.h"

namespace http {
namespace {

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// A file chunk is read only into at least this much room in the batch.
constexpr std::size_t kMinFileChunk = 16 << 10;

bool get_or_head(Method method) {
  return method == Method::kGet || method == Method::kHead;
}

}  // namespace

HttpConnection::HttpConnection(reactor::Socket socket, ServingState& state)
    : Connection(std::move(socket), connection_limits(state.settings)),
      state_(state),
      parser_(state.settings.limits),
      head_timer_([this] { head_timed_out(); }) {}

reactor::Connection::Limits HttpConnection::connection_limits(const ServingSettings& settings) {
  const ChunkedBody largest_body(settings.limits.max_body_bytes, settings.limits.max_header_bytes);
  Limits limits;
  limits.max_input = settings.limits.max_header_bytes + largest_body.max_raw_size();
  return limits;
}

std::size_t HttpConnection::on_data(std::string_view bytes) {
  std::string_view waiting = bytes;
  if (!streaming() && pending_.empty()) {
    // The common case: the requests are answered from the bytes where they were read, and an
    // incomplete one is left to Connection to present again.
    const std::size_t consumed = serve(bytes);
    if (!streaming() || closing()) return consumed;
    waiting.remove_prefix(consumed);  // requests behind a streaming file wait for it
  }
  if (pending_.size() + waiting.size() > connection_limits(state_.settings).max_input) {
    abort({reactor::CloseKind::kInputLimit, 0});
    return 0;
  }
  try {
    pending_.append(waiting);
  } catch (const std::exception&) {
    abort({reactor::CloseKind::kBufferFailure, 0});
    return 0;
  }
  if (!streaming()) serve_pending();
  return bytes.size();  // all of it: what is not answered yet waits in pending_
}

void HttpConnection::on_drained() {
  if (!streaming()) return;
  pump_file();
  if (!streaming() && !closing() && !pending_.empty()) serve_pending();
}

void HttpConnection::on_idle() {
  if (!streaming()) close();  // a slow reader of a file is not idle
}

std::size_t HttpConnection::serve(std::string_view bytes) {
  std::size_t offset = 0;
  while (offset < bytes.size() && !closing() && !streaming()) {
    const std::string_view request = bytes.substr(offset);
    const RequestParser::Progress progress = parser_.parse(request);
    if (progress == RequestParser::Progress::kNeedMore) {
      await_rest();
      break;
    }
    if (progress == RequestParser::Progress::kError) {
      fail(parser_.error());
      break;
    }
    if (head_timer_.active()) head_timer_.stop();
    const std::size_t size = parser_.request_size();
    respond(request.substr(0, size));
    parser_.reset();
    continue_sent_ = false;
    offset += size;
  }
  state_.batch.flush(*this);
  return offset;
}

void HttpConnection::serve_pending() {
  const std::size_t consumed = serve(pending_.view());
  pending_.consume(consumed);
}

void HttpConnection::await_rest() {
  if (!parser_.head_complete()) {
    const std::chrono::milliseconds timeout = state_.settings.request_timeout;
    if (!head_timer_.active() && timeout.count() > 0) head_timer_.start(*reactor(), timeout);
    return;
  }
  if (head_timer_.active()) head_timer_.stop();
  const RequestHead& head = parser_.head();
  if (head.expect_continue && head.minor_version == 1 && !continue_sent_) {
    continue_sent_ = true;
    append(kContinue);
  }
}

void HttpConnection::respond(std::string_view request) {
  const RequestHead& head = parser_.head();
  keep_alive_ = head.keep_alive();
  http10_ = head.minor_version == 0;
  const std::optional<std::string_view> path =
      decode_target_path(head.target(request), state_.path_scratch);
  if (!path) {
    fail(Status::kBadRequest);
  } else if (*path == "/plaintext" || *path == "/") {
    if (get_or_head(head.method)) {
      respond_plaintext(head.method);
    } else {
      respond_refusal(Status::kMethodNotAllowed, "GET, HEAD");
    }
  } else if (*path == "/echo") {
    if (head.method == Method::kPost) {
      respond_echo(request);
    } else {
      respond_refusal(Status::kMethodNotAllowed, "POST");
    }
  } else if (state_.settings.root == nullptr) {
    respond_refusal(Status::kNotFound);
  } else if (get_or_head(head.method)) {
    respond_file(head.method, *path);
  } else {
    respond_refusal(Status::kMethodNotAllowed, "GET, HEAD");
  }
}

void HttpConnection::respond_plaintext(Method method) {
  append(
      state_.responses.plaintext(reactor()->now(), connection_header(), method != Method::kHead));
  end_response();
}

void HttpConnection::respond_echo(std::string_view request) {
  begin_response(Status::kOk);
  append("Content-Type: application/octet-stream\r\nContent-Length: ");
  append_number(parser_.body_length());
  append("\r\n\r\n");
  const std::string_view body = parser_.raw_body(request);
  if (parser_.head().chunked) {
    ChunkedBody::for_each_chunk(body, [this](std::string_view data) { append(data); });
  } else {
    append(body);
  }
  end_response();
}

void HttpConnection::respond_file(Method method, std::string_view path) {
  OpenedFile opened;
  const Status status = state_.settings.root->open(path, opened);
  if (status != Status::kOk) {
    respond_refusal(status);
    return;
  }
  begin_response(Status::kOk);
  append("Content-Type: ");
  append(opened.content_type);
  append("\r\nContent-Length: ");
  append_number(opened.size);
  append("\r\nLast-Modified: ");
  char modified[ResponseCache::kDateSize];
  ResponseCache::format_date(opened.modified, modified);
  append({modified, sizeof modified});
  append("\r\n\r\n");
  if (method == Method::kHead || opened.size == 0) {
    end_response();
    return;
  }
  file_ = FileStream{std::move(opened.file), 0, opened.size};
  pause_reading();
  pump_file();
}

void HttpConnection::pump_file() {
  while (file_.left > 0 && !closing()) {
    if (queued_bytes() > 0) return;  // on_drained() goes on
    char* const room = state_.batch.room(*this, kMinFileChunk);
    const std::size_t wanted =
        static_cast<std::size_t>(std::min<std::uint64_t>(file_.left, state_.batch.room_size()));
    const ssize_t got = pread(file_.file.fd(), room, wanted, static_cast<off_t>(file_.offset));
    if (got <= 0) {
      // The file shrank or cannot be read: the length already promised cannot be kept.
      file_ = FileStream{};
      state_.batch.flush(*this);
      abort();
      return;
    }
    state_.batch.commit(static_cast<std::size_t>(got));
    file_.offset += static_cast<std::uint64_t>(got);
    file_.left -= static_cast<std::uint64_t>(got);
    state_.batch.flush(*this);
  }
  file_ = FileStream{};
  if (closing()) return;
  resume_reading();
  end_response();
}

void HttpConnection::respond_refusal(Status status, std::string_view allow) {
  begin_response(status);
  if (!allow.empty()) {
    append("Allow: ");
    append(allow);
    append("\r\n");
  }
  append("Content-Length: 0\r\n\r\n");
  end_response();
}

void HttpConnection::fail(Status status) {
  keep_alive_ = false;
  begin_response(status);
  append("Content-Length: 0\r\n\r\n");
  state_.batch.flush(*this);
  file_ = FileStream{};
  close();
}

void HttpConnection::begin_response(Status status) {
  append(status_line(status));
  append(state_.responses.common_headers(reactor()->now()));
  append(ResponseCache::connection_line(connection_header()));
}

ConnectionHeader HttpConnection::connection_header() const {
  if (!keep_alive_) return ConnectionHeader::kClose;
  return http10_ ? ConnectionHeader::kKeepAlive : ConnectionHeader::kNone;
}

void HttpConnection::append_number(std::uint64_t value) {
  char digits[20];
  char* const end = digits + sizeof digits;
  char* begin = end;
  do {
    *--begin = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  append({begin, static_cast<std::size_t>(end - begin)});
}

void HttpConnection::end_response() {
  if (keep_alive_) return;
  state_.batch.flush(*this);
  close();
}

void HttpConnection::head_timed_out() {
  if (closing() || parser_.head_complete()) return;
  fail(Status::kRequestTimeout);
}

}  // namespace http
