#include "test/integration/server_process.h"

#include <stdexcept>

namespace reactor::testing {
namespace {

constexpr std::string_view kListeningPrefix = "Listening on ";

std::vector<std::string> with_free_port(const std::vector<std::string>& flags) {
  std::vector<std::string> args{"--port=0"};
  args.insert(args.end(), flags.begin(), flags.end());
  return args;
}

}  // namespace

std::optional<asio::ip::tcp::endpoint> parse_listening_line(std::string_view line) {
  if (line.substr(0, kListeningPrefix.size()) != kListeningPrefix) return std::nullopt;
  line.remove_prefix(kListeningPrefix.size());
  const std::size_t colon = line.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view host = line.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::error_code error;
  const asio::ip::address address = asio::ip::make_address(std::string(host), error);
  if (error) return std::nullopt;
  const std::string port_text(line.substr(colon + 1));
  if (port_text.empty() || port_text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  const unsigned long port = std::stoul(port_text);
  if (port == 0 || port > 65535) return std::nullopt;
  return asio::ip::tcp::endpoint(address, static_cast<unsigned short>(port));
}

ServerProcess::ServerProcess(const std::string& path, const std::vector<std::string>& flags,
                             const std::vector<std::string>& environment)
    : process_(path, with_free_port(flags), environment) {
  const std::optional<std::string> line =
      process_.wait_for_line(kListeningPrefix, budget(std::chrono::seconds(5)));
  const std::optional<asio::ip::tcp::endpoint> endpoint =
      line ? parse_listening_line(*line) : std::nullopt;
  if (!endpoint) {
    throw std::runtime_error(path + " did not report a listening address; stdout: " +
                             process_.out() + " stderr: " + process_.err());
  }
  listening_line_ = *line;
  endpoint_ = *endpoint;
}

}  // namespace reactor::testing
