#include "test/integration/tcp_proxy_process.h"

#include <optional>
#include <stdexcept>

#include "test/integration/echo_server_process.h"

namespace proxy::testing {
namespace {

std::vector<std::string> arguments(const std::string& upstreams,
                                   const std::vector<std::string>& flags) {
  std::vector<std::string> args{"--port=0", "--upstream=" + upstreams};
  args.insert(args.end(), flags.begin(), flags.end());
  return args;
}

}  // namespace

TcpProxyProcess::TcpProxyProcess(const std::string& upstreams,
                                 const std::vector<std::string>& flags)
    : process_(TCP_PROXY_PATH, arguments(upstreams, flags)) {
  const std::optional<std::string> line =
      process_.wait_for_line("Listening on ", echo::testing::budget(std::chrono::seconds(5)));
  const std::optional<asio::ip::tcp::endpoint> endpoint =
      line ? echo::testing::parse_listening_line(*line) : std::nullopt;
  if (!endpoint) {
    throw std::runtime_error("tcp_proxy did not report a listening address; stdout: " +
                             process_.out() + " stderr: " + process_.err());
  }
  endpoint_ = *endpoint;
}

}  // namespace proxy::testing
