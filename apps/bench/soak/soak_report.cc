#include "apps/bench/soak/soak_report.h"

#include <cstdio>
#include <numeric>

namespace soak {
namespace {

std::string format(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}

std::string format_sample_line(const char* what, const ServerSample& start,
                               const ServerSample& warmed_up, const ServerSample& peak,
                               const ServerSample& end, std::size_t ServerSample::*field,
                               std::string (*show)(std::uint64_t)) {
  return std::string("soak: server ") + what + ": start " + show(start.*field) +
         ", after warm-up " + show(warmed_up.*field) + ", peak after warm-up " + show(peak.*field) +
         ", end " + show(end.*field);
}

std::string show_count(std::uint64_t count) {
  return std::to_string(count);
}

}  // namespace

std::uint64_t SoakReport::total_sessions() const {
  return std::accumulate(sessions.begin(), sessions.end(), std::uint64_t{0});
}

std::string format_bytes(std::uint64_t bytes) {
  constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  return format(unit == 0 ? "%.0f " : "%.1f ", value) + kUnits[unit];
}

std::vector<std::string> violations(const SoakReport& report, const SoakOptions& options) {
  std::vector<std::string> found;
  if (report.server_lost) found.push_back("the server process was gone before the end");
  if (report.errors > 0) found.push_back(std::to_string(report.errors) + " session errors");
  if (report.bytes_verified == 0) found.push_back("no echoed byte was checked");
  if (report.at_end.fds != report.at_start.fds) {
    found.push_back("server fds did not return to their baseline once the clients had left: " +
                    std::to_string(report.at_start.fds) + " at the start, " +
                    std::to_string(report.at_end.fds) + " at the end");
  }
  const std::size_t rss_limit = report.warmed_up.rss + options.rss_tolerance;
  for (const ServerSample* sample : {&report.peak, &report.at_end}) {
    if (sample->rss > rss_limit) {
      found.push_back("server RSS grew after warm-up: " + format_bytes(sample->rss) +
                      (sample == &report.peak ? " at its peak" : " at the end") + ", limit " +
                      format_bytes(rss_limit));
    }
  }
  const double idle_cpu_limit_ms =
      static_cast<double>(options.idle_cpu_window.count()) * options.idle_cpu_percent / 100;
  if (static_cast<double>(report.idle_cpu.count()) > idle_cpu_limit_ms) {
    found.push_back("the idle server used " + std::to_string(report.idle_cpu.count()) +
                    " ms of CPU in " + std::to_string(options.idle_cpu_window.count()) +
                    " ms (a busy loop?)");
  }
  return found;
}

std::string format_report(const SoakReport& report, const SoakOptions& options,
                          const std::vector<std::string>& violations) {
  std::string text = "soak: seed " + std::to_string(report.seed) + ", " +
                     format("%.1f", static_cast<double>(report.elapsed.count()) / 1000) + " s, " +
                     std::to_string(report.total_sessions()) + " connections (";
  for (std::size_t kind = 0; kind < kSessionKinds; ++kind) {
    if (kind > 0) text += ", ";
    text += std::string(kind_name(static_cast<SessionKind>(kind))) + " " +
            std::to_string(report.sessions[kind]);
    if (report.failures[kind] > 0)
      text += " [" + std::to_string(report.failures[kind]) + " failed]";
  }
  text += ")\n";
  text += "soak: bytes sent " + format_bytes(report.bytes_sent) + ", echoed bytes verified " +
          format_bytes(report.bytes_verified) + "\n";
  text += "soak: client resets " + std::to_string(report.resets_sent) + ", half-closes " +
          std::to_string(report.half_closes) + ", expected server closes (idle timeout) " +
          std::to_string(report.idle_reaps) + ", errors " + std::to_string(report.errors) + "\n";
  for (const std::string& error : report.first_errors)
    text += "soak: error: " + error + "\n";
  text += format_sample_line("fds", report.at_start, report.warmed_up, report.peak, report.at_end,
                             &ServerSample::fds, show_count) +
          "\n";
  text += format_sample_line("RSS", report.at_start, report.warmed_up, report.peak, report.at_end,
                             &ServerSample::rss, format_bytes) +
          " (tolerance +" + format_bytes(options.rss_tolerance) + ")\n";
  text += "soak: server CPU while idle: " + std::to_string(report.idle_cpu.count()) + " ms in " +
          std::to_string(options.idle_cpu_window.count()) + " ms (limit " +
          format("%g", options.idle_cpu_percent) + "%)\n";
  if (violations.empty()) return text + "soak: PASS\n";
  for (const std::string& violation : violations)
    text += "soak: FAIL: " + violation + "\n";
  return text;
}

}  // namespace soak
