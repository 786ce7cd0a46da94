// UpstreamDialer: connects to one of the upstreams, trying them in turn from a given one, wrapping
// around, each once: a refused or timed-out attempt (Connector with the pool's connect timeout,
// one attempt each) moves on to the next. The callback gets the connected socket, or an invalid
// one when every upstream has failed.
// Ownership: owns the Connector of the attempt in flight; the callback is called from the loop
// only, never inside start(), and must not destroy the dialer. Threads: the reactor's thread.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <system_error>

#include "reactor/net/connector.h"
#include "reactor/net/socket.h"

namespace proxy {

class UpstreamPool;

class UpstreamDialer {
 public:
  using Callback = std::function<void(reactor::Socket socket)>;

  // `pool` must outlive the dialer.
  UpstreamDialer(UpstreamPool& pool, Callback on_result);
  ~UpstreamDialer();  // cancels the attempt in flight, with no callback

  // Starts with the pool's next upstream in round-robin order.
  void start();
  void cancel();

 private:
  void attempt();
  void attempt_done(std::error_code error, reactor::Socket socket);

  UpstreamPool& pool_;
  Callback on_result_;
  std::unique_ptr<reactor::Connector> connector_;
  std::size_t next_ = 0;   // the upstream of the next attempt
  std::size_t tried_ = 0;  // attempts made since start()
};

}  // namespace proxy
