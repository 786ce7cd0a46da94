#include "apps/bench/soak/soak_options.h"

#include <gflags/gflags.h>

#include <random>
#include <sstream>
#include <string>

#include "apps/common/command_line.h"

DEFINE_string(host, "127.0.0.1", "Echo server address; loopback only (127.0.0.0/8 or ::1).");
DEFINE_int32(port, 0, "Echo server port (required).");
DEFINE_int32(server_pid, 0, "Process id of the echo server, for its fds, RSS and CPU (required).");
DEFINE_double(duration_s, 60, "Seconds of load.");
DEFINE_double(warmup_s, 10, "First seconds of the load, after which server RSS must stay flat.");
DEFINE_double(rate, 100, "New connections per second.");
DEFINE_int32(max_live, 1000, "Most connections open at once.");
DEFINE_int32(max_heavy, 6, "Most slow-reading and non-reading peers at once.");
DEFINE_string(mix,
              "churn:25,burst:18,half-close:10,reset:12,slow-reader:5,non-reader:5,keepalive:15,"
              "idle:10",
              "Relative weights of the session kinds.");
DEFINE_int64(idle_timeout_ms, 0,
             "The server's --idle_timeout_ms; idle sessions check it. 0: no idle sessions.");
DEFINE_int64(idle_slack_ms, 2000, "How late after the idle timeout the server may close.");
DEFINE_double(session_timeout_s, 30, "A session still running after this long is an error.");
DEFINE_double(rss_tolerance_mb, 16, "MiB server RSS may grow past its level after warm-up.");
DEFINE_double(idle_cpu_percent, 2, "Most CPU the server may use once the clients have left.");
DEFINE_uint64(seed, 0, "Seed of the random choices; 0: a random one (printed).");

namespace soak {
namespace {

using std::chrono::milliseconds;

constexpr long long kShortestIdleTimeoutMs = 2000;

template <typename Value>
[[noreturn]] void reject(const char* flag, const std::string& rule, Value value) {
  std::ostringstream message;
  message << "--" << flag << " must be " << rule << " (got " << value << ")";
  app::exit_with_usage_error(message.str());
}

milliseconds seconds_flag(const char* flag, double seconds, double low, double high) {
  if (!(seconds >= low && seconds <= high)) {
    reject(flag, "in [" + std::to_string(low) + ", " + std::to_string(high) + "]", seconds);
  }
  return milliseconds(static_cast<long long>(seconds * 1000));
}

asio::ip::tcp::endpoint loopback_server() {
  asio::error_code error;
  const asio::ip::address address = asio::ip::make_address(FLAGS_host, error);
  if (error || !address.is_loopback()) reject("host", "a loopback address", FLAGS_host);
  if (gflags::GetCommandLineFlagInfoOrDie("port").is_default) {
    app::exit_with_usage_error("--port is required");
  }
  if (FLAGS_port < 1 || FLAGS_port > 65535) reject("port", "in 1..65535", FLAGS_port);
  return {address, static_cast<unsigned short>(FLAGS_port)};
}

// "kind:weight,..." with every kind named at most once; unnamed kinds get weight 0.
PlanPicker::Weights parse_mix(const std::string& text) {
  PlanPicker::Weights weights{};
  std::istringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    const std::size_t colon = item.find(':');
    const std::string name = item.substr(0, colon);
    std::size_t kind = 0;
    while (kind < kSessionKinds && name != kind_name(static_cast<SessionKind>(kind)))
      ++kind;
    const std::string weight = colon == std::string::npos ? "" : item.substr(colon + 1);
    if (kind == kSessionKinds || weight.empty() || weight.size() > 6 ||
        weight.find_first_not_of("0123456789") != std::string::npos) {
      reject("mix",
             "a list of kind:weight (kinds: churn burst half-close reset slow-reader "
             "non-reader keepalive idle)",
             text);
    }
    weights[kind] = static_cast<unsigned>(std::stoul(weight));
  }
  return weights;
}

}  // namespace

SoakOptions parse_soak_options_or_exit(int argc, char** argv) {
  app::parse_command_line_or_exit(
      argc, argv,
      "Soak test for an echo server: a mixed, hostile load on the loopback with every echoed "
      "byte checked,\nand the server's fds, RSS and idle CPU checked from /proc.\n"
      "Usage: echo_soak --port N --server_pid PID [flags]");
  SoakOptions options;
  options.server = loopback_server();
  if (FLAGS_server_pid <= 0) reject("server_pid", "a process id", FLAGS_server_pid);
  options.server_pid = FLAGS_server_pid;
  options.duration = seconds_flag("duration_s", FLAGS_duration_s, 1, 7 * 24 * 3600);
  options.warmup = seconds_flag("warmup_s", FLAGS_warmup_s, 0, FLAGS_duration_s / 2);
  if (!(FLAGS_rate > 0 && FLAGS_rate <= 5000)) reject("rate", "in (0, 5000]", FLAGS_rate);
  options.connect_rate = FLAGS_rate;
  if (FLAGS_max_live < 1 || FLAGS_max_live > 20000) {
    reject("max_live", "in 1..20000", FLAGS_max_live);
  }
  options.max_live = static_cast<std::size_t>(FLAGS_max_live);
  if (FLAGS_max_heavy < 0 || FLAGS_max_heavy > FLAGS_max_live) {
    reject("max_heavy", "in 0..max_live", FLAGS_max_heavy);
  }
  options.max_heavy = static_cast<std::size_t>(FLAGS_max_heavy);
  options.mix = parse_mix(FLAGS_mix);
  unsigned light_weight = 0;
  for (std::size_t kind = 0; kind < kSessionKinds; ++kind) {
    if (!is_heavy(static_cast<SessionKind>(kind))) light_weight += options.mix[kind];
  }
  // Slow and non-reading peers leave the server without input for up to about a second.
  if (FLAGS_idle_timeout_ms != 0 && FLAGS_idle_timeout_ms < kShortestIdleTimeoutMs) {
    reject("idle_timeout_ms", "0 or at least " + std::to_string(kShortestIdleTimeoutMs),
           FLAGS_idle_timeout_ms);
  }
  options.idle_timeout = milliseconds(FLAGS_idle_timeout_ms);
  if (options.idle_timeout.count() == 0) {
    light_weight -= options.mix[static_cast<std::size_t>(SessionKind::kIdle)];
    options.mix[static_cast<std::size_t>(SessionKind::kIdle)] = 0;
  }
  if (light_weight == 0) {
    reject("mix",
           "a mix with weight on a kind other than slow-reader and non-reader (idle counts "
           "only with --idle_timeout_ms)",
           FLAGS_mix);
  }
  if (FLAGS_idle_slack_ms < 0) reject("idle_slack_ms", ">= 0", FLAGS_idle_slack_ms);
  options.idle_slack = milliseconds(FLAGS_idle_slack_ms);
  // A keepalive session lasts up to 12 s.
  options.session_timeout = seconds_flag("session_timeout_s", FLAGS_session_timeout_s, 25, 3600);
  if (options.session_timeout <= options.idle_timeout + options.idle_slack) {
    reject("session_timeout_s", "longer than the idle timeout plus its slack",
           FLAGS_session_timeout_s);
  }
  if (!(FLAGS_rss_tolerance_mb >= 0 && FLAGS_rss_tolerance_mb <= 1 << 20)) {
    reject("rss_tolerance_mb", "in [0, 1048576]", FLAGS_rss_tolerance_mb);
  }
  options.rss_tolerance = static_cast<std::size_t>(FLAGS_rss_tolerance_mb * (1 << 20));
  if (!(FLAGS_idle_cpu_percent >= 0 && FLAGS_idle_cpu_percent <= 100)) {
    reject("idle_cpu_percent", "in [0, 100]", FLAGS_idle_cpu_percent);
  }
  options.idle_cpu_percent = FLAGS_idle_cpu_percent;
  options.seed = FLAGS_seed;
  std::random_device entropy;
  while (options.seed == 0)
    options.seed = entropy();
  return options;
}

}  // namespace soak
