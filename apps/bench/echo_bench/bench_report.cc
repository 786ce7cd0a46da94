#include "apps/bench/echo_bench/bench_report.h"

#include <cstdio>

namespace bench {
namespace {

struct Rates {
  double requests_per_s = 0;
  double megabytes_per_s = 0;  // sent + received
};

Rates rates_of(const BenchOptions& options, const BenchResult& result) {
  if (result.elapsed_s <= 0) return {};
  const double requests_per_s = static_cast<double>(result.requests) / result.elapsed_s;
  return {requests_per_s, requests_per_s * 2.0 * static_cast<double>(options.message_size) / 1e6};
}

double percentile_us(const BenchResult& result, double percentile) {
  return static_cast<double>(result.round_trip_ns.value_at_percentile(percentile)) / 1e3;
}

std::string json_string(const std::string& text) {
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      quoted += '\\';
      quoted += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\u%04x", c);
      quoted += escaped;
    } else {
      quoted += c;
    }
  }
  return quoted + "\"";
}

template <typename... Args>
std::string format(const char* pattern, Args... args) {
  const int length = std::snprintf(nullptr, 0, pattern, args...);
  std::string text(static_cast<std::size_t>(length) + 1, '\0');
  std::snprintf(text.data(), text.size(), pattern, args...);
  text.pop_back();
  return text;
}

}  // namespace

std::string format_summary(const BenchOptions& options, const BenchResult& result) {
  const Rates rates = rates_of(options, result);
  const auto& latency = result.round_trip_ns;
  std::string text = format("target       %s port %u\n", options.host.c_str(),
                            static_cast<unsigned>(options.server.port()));
  text += format("load         %d connections x %zu B, pipeline %d, %d thread(s)\n",
                 options.connections, options.message_size, options.pipeline, options.threads);
  text += format("requests     %llu in %.3f s\n", static_cast<unsigned long long>(result.requests),
                 result.elapsed_s);
  text += format("requests/s   %.1f\n", rates.requests_per_s);
  text += format("throughput   %.2f MB/s (sent + received)\n", rates.megabytes_per_s);
  text += format("latency us   p50 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  mean %.1f\n",
                 percentile_us(result, 50), percentile_us(result, 99), percentile_us(result, 99.9),
                 static_cast<double>(latency.max()) / 1e3, latency.mean() / 1e3);
  text += format("errors       %llu (connect %llu, io %llu, mismatch %llu)\n",
                 static_cast<unsigned long long>(result.errors()),
                 static_cast<unsigned long long>(result.connect_errors),
                 static_cast<unsigned long long>(result.io_errors),
                 static_cast<unsigned long long>(result.mismatch_errors));
  return text;
}

std::string format_json_line(const BenchOptions& options, const BenchResult& result) {
  const Rates rates = rates_of(options, result);
  std::string line = "JSON {\"host\":" + json_string(options.host);
  line +=
      format(",\"port\":%u,\"connections\":%d,\"message_size\":%zu,\"pipeline\":%d,\"threads\":%d",
             static_cast<unsigned>(options.server.port()), options.connections,
             options.message_size, options.pipeline, options.threads);
  line += format(",\"requests\":%llu,\"elapsed_s\":%.6f,\"requests_per_s\":%.1f",
                 static_cast<unsigned long long>(result.requests), result.elapsed_s,
                 rates.requests_per_s);
  line += format(",\"mb_per_s_sent_plus_received\":%.3f", rates.megabytes_per_s);
  line += format(
      ",\"latency_p50_us\":%.1f,\"latency_p99_us\":%.1f,\"latency_p999_us\":%.1f"
      ",\"latency_max_us\":%.1f,\"latency_mean_us\":%.1f",
      percentile_us(result, 50), percentile_us(result, 99), percentile_us(result, 99.9),
      static_cast<double>(result.round_trip_ns.max()) / 1e3, result.round_trip_ns.mean() / 1e3);
  line += format(",\"errors\":%llu,\"connect_errors\":%llu,\"io_errors\":%llu",
                 static_cast<unsigned long long>(result.errors()),
                 static_cast<unsigned long long>(result.connect_errors),
                 static_cast<unsigned long long>(result.io_errors));
  line += format(",\"mismatch_errors\":%llu}\n",
                 static_cast<unsigned long long>(result.mismatch_errors));
  return line;
}

}  // namespace bench
