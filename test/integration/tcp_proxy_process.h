// The tcp_proxy binary started on a free port for integration tests: TcpProxyProcess waits for its
// "Listening on" line and knows its endpoint; the proxy's own sockets are counted through
// /proc (ChildProcess::open_sockets()).
// Ownership: owns its child process (killed at destruction if still running).
// Threads: one test thread.
#pragma once

#include <asio.hpp>
#include <string>
#include <vector>

#include "test/support/process.h"

namespace proxy::testing {

class TcpProxyProcess {
 public:
  // Starts tcp_proxy with --port=0, --upstream=`upstreams`, then `flags`, and waits for its
  // "Listening on" line. Throws std::runtime_error (carrying its stderr) if none comes.
  TcpProxyProcess(const std::string& upstreams, const std::vector<std::string>& flags = {});

  const asio::ip::tcp::endpoint& endpoint() const { return endpoint_; }
  reactor::testing::ChildProcess& process() { return process_; }

 private:
  reactor::testing::ChildProcess process_;
  asio::ip::tcp::endpoint endpoint_;
};

}  // namespace proxy::testing
