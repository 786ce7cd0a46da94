#include "apps/tcp_proxy/upstream_dialer.h"

#include <utility>

#include "apps/tcp_proxy/upstream_pool.h"

namespace proxy {

UpstreamDialer::UpstreamDialer(UpstreamPool& pool, Callback on_result)
    : pool_(pool), on_result_(std::move(on_result)) {}

UpstreamDialer::~UpstreamDialer() = default;

void UpstreamDialer::start() {
  next_ = pool_.next_first();
  tried_ = 0;
  attempt();
}

void UpstreamDialer::cancel() {
  connector_.reset();
}

void UpstreamDialer::attempt() {
  reactor::Connector::Options options;
  options.connect_timeout = pool_.connect_timeout();
  options.max_attempts = 1;
  const reactor::InetAddress& upstream = pool_.upstreams()[next_];
  next_ = (next_ + 1) % pool_.upstreams().size();
  ++tried_;
  // Replacing the Connector inside its own callback is allowed: it touches nothing of itself
  // after the callback returns.
  connector_ = std::make_unique<reactor::Connector>(
      pool_.reactor(), upstream,
      [this](std::error_code error, reactor::Socket socket) {
        attempt_done(error, std::move(socket));
      },
      options);
  connector_->start();
}

void UpstreamDialer::attempt_done(std::error_code error, reactor::Socket socket) {
  if (error && tried_ < pool_.upstreams().size()) {
    attempt();
    return;
  }
  // Done with connecting: the Connector (its timers and address) is not kept for the life of the
  // connection. Destroying it inside its own callback is allowed.
  connector_.reset();
  on_result_(std::move(socket));
}

}  // namespace proxy
