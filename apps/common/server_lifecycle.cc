#include "apps/common/server_lifecycle.h"

#include <csignal>
#include <utility>

namespace app {

void ServerLifecycle::add_worker(reactor::Reactor& reactor, std::function<void()> start,
                                 std::function<void()> shut_down) {
  workers_.push_back({&reactor, std::move(start), std::move(shut_down)});
}

void ServerLifecycle::stop_on_signals() {
  signal_handler_ = std::make_unique<reactor::CallbackSignalHandler>(
      std::initializer_list<int>{SIGINT, SIGTERM}, [this](int) { stop(); });
  signal_handler_->start(main_reactor_);
}

void ServerLifecycle::run() {
  for (Worker& worker : workers_)
    worker.reactor->post([&worker] { worker.start(); });
  for (;;) {
    try {
      main_reactor_.run();
      break;
    } catch (...) {
      record_failure(std::current_exception());
    }
  }
  if (failure_) std::rethrow_exception(failure_);
}

void ServerLifecycle::stop() {
  if (stop_requested_.exchange(true)) return;
  for (Worker& worker : workers_)
    worker.reactor->post([&worker] { worker.shut_down(); });
}

void ServerLifecycle::worker_drained() {
  if (drained_.fetch_add(1) + 1 == workers_.size()) main_reactor_.stop();
}

void ServerLifecycle::record_failure(std::exception_ptr failure) {
  {
    const std::lock_guard<std::mutex> lock(failure_mutex_);
    if (!failure_) failure_ = std::move(failure);
  }
  stop();
}

}  // namespace app
