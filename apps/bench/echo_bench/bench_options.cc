#include "apps/bench/echo_bench/bench_options.h"

#include <gflags/gflags.h>

#include <sstream>
#include <type_traits>

#include "apps/common/command_line.h"

DEFINE_string(host, "127.0.0.1", "Echo server address: an IPv4 or IPv6 literal.");
DEFINE_int32(port, 0, "Echo server port (required, 1-65535).");
DEFINE_int32(connections, 50, "Concurrent connections.");
DEFINE_int32(message_size, 26, "Bytes per message.");
DEFINE_int32(pipeline, 1, "Messages in flight per connection.");
DEFINE_double(duration_s, 5, "Measured seconds (ignored when --requests > 0).");
DEFINE_int64(requests, 0, "Measured requests in total; when > 0, overrides --duration_s.");
DEFINE_int32(threads, 1, "Client io threads.");
DEFINE_double(warmup_s, 0, "Unmeasured seconds before the measurement starts.");
DEFINE_bool(json, false, "Print only the final JSON line on stdout.");

namespace bench {
namespace {

constexpr int kMaxConnections = 100000;
constexpr int kMaxMessageSize = 16 << 20;
constexpr int kMaxPipeline = 4096;
constexpr std::size_t kMaxBatchBytes = std::size_t{64} << 20;
constexpr int kMaxThreads = 256;

// Also rejects NaN. The bounds are not deduced, so they convert to the flag's type.
template <typename T>
void require_in_range(const char* flag, T value, std::common_type_t<T> low,
                      std::common_type_t<T> high) {
  if (!(value >= low && value <= high)) {
    std::ostringstream message;
    message << "--" << flag << " must be in [" << low << ", " << high << "], got " << value;
    app::exit_with_usage_error(message.str());
  }
}

asio::ip::address parse_address_or_exit(const std::string& host) {
  asio::error_code error;
  const asio::ip::address address = asio::ip::make_address(host, error);
  if (error)
    app::exit_with_usage_error("--host must be an IPv4 or IPv6 address, got '" + host + "'");
  return address;
}

}  // namespace

BenchOptions parse_bench_options_or_exit(int argc, char** argv) {
  app::parse_command_line_or_exit(
      argc, argv,
      "Echo server load generator: ping-pong over many connections, "
      "verifying every echoed byte.\nUsage: echo_bench --port N [flags]");
  if (gflags::GetCommandLineFlagInfoOrDie("port").is_default) {
    app::exit_with_usage_error("--port is required");
  }
  require_in_range("port", FLAGS_port, 1, 65535);
  require_in_range("connections", FLAGS_connections, 1, kMaxConnections);
  require_in_range("message_size", FLAGS_message_size, 1, kMaxMessageSize);
  require_in_range("pipeline", FLAGS_pipeline, 1, kMaxPipeline);
  require_in_range("requests", FLAGS_requests, 0, INT64_MAX);
  if (FLAGS_requests == 0) require_in_range("duration_s", FLAGS_duration_s, 0.001, 1e6);
  require_in_range("threads", FLAGS_threads, 1, kMaxThreads);
  require_in_range("warmup_s", FLAGS_warmup_s, 0, 1e6);

  BenchOptions options;
  options.host = FLAGS_host;
  options.server = asio::ip::tcp::endpoint(parse_address_or_exit(FLAGS_host),
                                           static_cast<unsigned short>(FLAGS_port));
  options.connections = FLAGS_connections;
  options.message_size = static_cast<std::size_t>(FLAGS_message_size);
  options.pipeline = FLAGS_pipeline;
  if (options.message_size * static_cast<std::size_t>(options.pipeline) > kMaxBatchBytes) {
    app::exit_with_usage_error("--message_size x --pipeline must be at most 64 MiB");
  }
  options.duration_s = FLAGS_duration_s;
  options.requests = FLAGS_requests;
  options.threads = FLAGS_threads;
  options.warmup_s = FLAGS_warmup_s;
  options.json_only = FLAGS_json;
  return options;
}

}  // namespace bench
