// http_fuzzer: a libFuzzer target for the request path of http_server: RequestParser on its own,
// and HttpConnection over a real socket pair through the testing kit (ConnectionHarness:
// MockPoller, ManualClock), with the client's bytes cut into pieces the input chooses.
//
// Input: byte 0 picks the limits (bit 0: tiny ones, so that every limit is reached; bit 1: a file
// root) and byte 1 seeds the piece sizes; the rest is what the client sends. Seeds are readable
// requests. The file root is a directory made once per process: /small.txt, /big.bin (large
// enough to stream in several chunks), /empty, a directory /dir and a symlink /out leading out.
//
// Invariants (a violation aborts, so libFuzzer records a crash; ASan and UBSan watch memory):
//  - the parser fed growing prefixes of a request ends as it does fed the request whole: the same
//    size for a complete request, the same status for an error;
//  - the connection answers exactly the requests a whole-input reference parse finds, in order,
//    each response framed (status line, Server, Date, Content-Length, no body for HEAD) and
//    followed only by interim "100 Continue" lines; an error gets its status with
//    "Connection: close" and nothing after it; a request that closes gets "Connection: close";
//  - a head left incomplete gets 408 once the request timeout passes; nothing else is sent.
//
// Build and run (clang; the fuzz preset sets the compiler and the sanitizers):
//   cmake --preset fuzz && cmake --build --preset fuzz
//   build/fuzz/test/fuzz/http_fuzzer -max_total_time=600 /tmp/http-corpus test/fuzz/http_corpus
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "apps/http_server/file_root.h"
#include "apps/http_server/http_connection.h"
#include "apps/http_server/request_parser.h"
#include "apps/http_server/serving_state.h"
#include "apps/http_server/target_path.h"
#include "reactor/testing/connection_harness.h"

namespace http::fuzz {
namespace {

constexpr std::chrono::milliseconds kRequestTimeout{10000};
constexpr std::size_t kBigFileSize = 300 << 10;

[[noreturn]] void violated(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "http_fuzzer: %s: %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

void require(bool condition, const char* what, std::string_view detail = {}) {
  if (!condition) violated(what, detail);
}

// The directory behind the file root, made on first use and removed at exit.
class RootDirectory {
 public:
  RootDirectory() {
    char name[] = "/tmp/http_fuzzer_root_XXXXXX";
    require(mkdtemp(name) != nullptr, "cannot make the root directory");
    path_ = name;
    std::ofstream(path_ + "/small.txt") << "small file";
    std::ofstream(path_ + "/big.bin") << std::string(kBigFileSize, 'b');
    std::ofstream(path_ + "/empty") << "";
    require(mkdir((path_ + "/dir").c_str(), 0700) == 0, "cannot make /dir");
    require(symlink("/etc", (path_ + "/out").c_str()) == 0, "cannot make /out");
    root_ = std::make_unique<FileRoot>(path_);
  }
  ~RootDirectory() {
    for (const char* name : {"/small.txt", "/big.bin", "/empty", "/out"})
      unlink((path_ + name).c_str());
    rmdir((path_ + "/dir").c_str());
    rmdir(path_.c_str());
  }
  const FileRoot* root() const { return root_.get(); }

 private:
  std::string path_;
  std::unique_ptr<FileRoot> root_;
};

const FileRoot* file_root() {
  static RootDirectory directory;
  return directory.root();
}

// Piece sizes from a small deterministic generator.
class Pieces {
 public:
  explicit Pieces(std::uint8_t seed) : state_(seed * 2654435761u + 1) {}
  std::size_t next() {
    state_ = state_ * 1103515245u + 12345u;
    const std::uint32_t pick = (state_ >> 16) % 16;
    return pick < 8 ? pick + 1 : pick < 14 ? 16 << (pick - 8) : 4096;
  }

 private:
  std::uint32_t state_;
};

// What the server must answer, from a reference parse of the whole input.
struct Expected {
  struct Answer {
    Method method = Method::kGet;
    bool keep_alive = true;
    std::optional<Status> error;  // a protocol error: the last answer
  };
  std::vector<Answer> answers;
  bool head_left_incomplete = false;  // then a 408 follows after the timeout
};

Expected expect(std::string_view input, const RequestParser::Limits& limits) {
  Expected expected;
  RequestParser parser(limits);
  std::string scratch;
  while (!input.empty()) {
    parser.reset();
    const RequestParser::Progress progress = parser.parse(input);
    if (progress == RequestParser::Progress::kNeedMore) {
      expected.head_left_incomplete = !parser.head_complete();
      break;
    }
    Expected::Answer answer;
    if (progress == RequestParser::Progress::kError) {
      answer.error = parser.error();
      expected.answers.push_back(answer);
      break;
    }
    answer.method = parser.head().method;
    answer.keep_alive = parser.head().keep_alive();
    if (!decode_target_path(parser.head().target(input), scratch)) {
      answer.error = Status::kBadRequest;
    }
    expected.answers.push_back(answer);
    if (answer.error || !answer.keep_alive) break;
    input.remove_prefix(parser.request_size());
  }
  return expected;
}

// Parses each request of `input` in growing prefixes and compares with the whole parse.
void check_resumption(std::string_view input, const RequestParser::Limits& limits, Pieces pieces) {
  RequestParser whole(limits);
  RequestParser growing(limits);
  while (!input.empty()) {
    whole.reset();
    growing.reset();
    const RequestParser::Progress expected = whole.parse(input);
    RequestParser::Progress got = RequestParser::Progress::kNeedMore;
    std::size_t length = 0;
    while (got == RequestParser::Progress::kNeedMore && length < input.size()) {
      length = std::min(input.size(), length + pieces.next());
      got = growing.parse(input.substr(0, length));
    }
    require(got == expected, "the parser ended otherwise in pieces than whole");
    if (got == RequestParser::Progress::kError) {
      require(growing.error() == whole.error(), "the parser failed otherwise in pieces");
      return;
    }
    if (got == RequestParser::Progress::kNeedMore) return;
    require(growing.request_size() == whole.request_size(), "request size differs in pieces");
    input.remove_prefix(whole.request_size());
  }
}

bool has_line(std::string_view head, std::string_view line) {
  return head.find(line) != std::string_view::npos;
}

// Checks the output against the expected answers; returns nothing, aborts on a violation.
void check_output(std::string_view output, const Expected& expected) {
  constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  const auto skip_interim = [&output, kContinue] {
    while (output.substr(0, kContinue.size()) == kContinue)
      output.remove_prefix(kContinue.size());
  };
  std::vector<Expected::Answer> answers = expected.answers;
  const bool closed_by_answer =
      !answers.empty() && (answers.back().error || !answers.back().keep_alive);
  if (expected.head_left_incomplete && !closed_by_answer) {
    Expected::Answer timeout;
    timeout.error = Status::kRequestTimeout;
    answers.push_back(timeout);
  }
  for (const Expected::Answer& answer : answers) {
    skip_interim();
    const std::size_t head_end = output.find("\r\n\r\n");
    require(head_end != std::string_view::npos, "a response is missing", output);
    const std::string_view head = output.substr(0, head_end + 2);
    require(head.substr(0, 9) == "HTTP/1.1 " && head.size() > 12, "bad status line", head);
    const int status = std::atoi(std::string(head.substr(9, 3)).c_str());
    require(has_line(head, "\r\nServer: reactor\r\n"), "no Server", head);
    require(has_line(head, "\r\nDate: "), "no Date", head);
    const std::size_t field = head.find("\r\nContent-Length: ");
    require(field != std::string_view::npos, "no Content-Length", head);
    const std::size_t length = std::strtoull(head.data() + field + 18, nullptr, 10);
    output.remove_prefix(head_end + 4);
    if (answer.error) {
      require(status == static_cast<int>(*answer.error), "wrong error status", head);
      require(has_line(head, "\r\nConnection: close\r\n"), "an error that keeps the connection",
              head);
    } else {
      require(status == 200 || status == 403 || status == 404 || status == 405, "unexpected status",
              head);
      if (!answer.keep_alive)
        require(has_line(head, "\r\nConnection: close\r\n"), "no close", head);
    }
    const std::size_t body = answer.method == Method::kHead ? 0 : length;
    require(output.size() >= body, "a truncated body", head);
    output.remove_prefix(body);
  }
  skip_interim();
  require(output.empty(), "bytes after the last response", output);
}

void serve(std::string_view input, const ServingSettings& settings, Pieces pieces,
           const Expected& expected) {
  ServingState state(settings);
  reactor::testing::ConnectionHarness harness([&state](reactor::Socket socket) {
    return std::make_unique<HttpConnection>(std::move(socket), state);
  });
  std::string output;
  while (!input.empty() && !harness.connection().closing()) {
    const std::size_t size = std::min(input.size(), pieces.next());
    harness.peer_write(input.substr(0, size));
    input.remove_prefix(size);
    harness.run_until_idle();
    output += harness.take_output();
  }
  // A streaming file goes on as the client reads.
  for (std::string more = "-"; !more.empty(); output += more) {
    harness.run_until_idle();
    more = harness.take_output();
  }
  harness.advance(kRequestTimeout);
  output += harness.take_output();
  check_output(output, expected);
}

}  // namespace
}  // namespace http::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace http;
  using namespace http::fuzz;
  if (size < 2) return 0;
  ServingSettings settings;
  if ((data[0] & 1) != 0) {
    settings.limits.max_header_bytes = 96;
    settings.limits.max_body_bytes = 32;
  } else {
    settings.limits.max_header_bytes = 2048;
    settings.limits.max_body_bytes = 4096;
  }
  settings.request_timeout = kRequestTimeout;
  if ((data[0] & 2) != 0) settings.root = file_root();
  const std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);
  check_resumption(input, settings.limits, Pieces(data[1]));
  serve(input, settings, Pieces(data[1]), expect(input, settings.limits));
  return 0;
}
