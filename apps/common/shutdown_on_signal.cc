#include "apps/common/shutdown_on_signal.h"

#include <csignal>

namespace app {
namespace {

constexpr std::chrono::milliseconds kDrainCheckInterval{10};

}  // namespace

ShutdownOnSignal::ShutdownOnSignal(reactor::Reactor& reactor)
    : reactor_(reactor), signals_({SIGINT, SIGTERM}, [this](int) { shut_down(); }) {}

void ShutdownOnSignal::watch(reactor::ThreadedTcpServer& server) {
  server_ = &server;
  signals_.start(reactor_);
}

void ShutdownOnSignal::shut_down() {
  if (shutting_down_) return;  // a second signal
  shutting_down_ = true;
  for (std::size_t i = 0; i < server_->size(); ++i) {
    server_->reactor(i).run_in_loop([&server = server_->server(i)] {
      server.stop_accepting();
      server.close_all();
    });
  }
  grace_ = reactor_.run_after(kGrace, [this] { reactor_.stop(); });
  drain_check_ = reactor_.run_every(kDrainCheckInterval, [this] { stop_when_drained(); });
}

void ShutdownOnSignal::stop_when_drained() {
  if (server_->counter().value() == 0) reactor_.stop();
}

}  // namespace app
