// The tcp_proxy binary started on a free port for integration tests, relaying to `upstreams`; the
// proxy's own sockets are counted through /proc (ChildProcess::open_sockets()).
// Ownership: owns its child process (killed at destruction if still running).
// Threads: one test thread.
#pragma once

#include <string>
#include <vector>

#include "test/integration/server_process.h"

namespace proxy::testing {

class TcpProxyProcess : public reactor::testing::ServerProcess {
 public:
  // Starts tcp_proxy with --port=0, --upstream=`upstreams`, then `flags`, and waits for its
  // "Listening on" line. Throws std::runtime_error (carrying its stderr) if none comes.
  explicit TcpProxyProcess(const std::string& upstreams, const std::vector<std::string>& flags = {})
      : ServerProcess(TCP_PROXY_PATH, with_upstream(upstreams, flags)) {}

 private:
  static std::vector<std::string> with_upstream(const std::string& upstreams,
                                                std::vector<std::string> flags) {
    flags.insert(flags.begin(), "--upstream=" + upstreams);
    return flags;
  }
};

}  // namespace proxy::testing
