#include "apps/common/worker_group.h"

#include <utility>

namespace app {

void WorkerGroup::run() {
  for (const Member& member : members_) {
    member.reactor->post([worker = member.worker] { worker->start(); });
  }
  for (;;) {
    try {
      reactor_.run();
      break;
    } catch (...) {
      record_failure(std::current_exception());
    }
  }
  if (failure_) std::rethrow_exception(failure_);
}

void WorkerGroup::stop() {
  if (stop_requested_.exchange(true)) return;
  for (const Member& member : members_) {
    member.reactor->post([worker = member.worker] { worker->shut_down(); });
  }
}

void WorkerGroup::drained() {
  if (drained_.fetch_add(1) + 1 == members_.size()) reactor_.stop();
}

void WorkerGroup::record_failure(std::exception_ptr failure) {
  {
    const std::lock_guard<std::mutex> lock(failure_mutex_);
    if (!failure_) failure_ = std::move(failure);
  }
  stop();
}

}  // namespace app
