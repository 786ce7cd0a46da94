#include "reactor/net/idle_tracker.h"

#include "reactor/core/reactor.h"
#include "reactor/net/connection.h"

namespace reactor {

IdleTracker::IdleTracker(Reactor& reactor, std::chrono::milliseconds timeout, Activity activity)
    : reactor_(reactor), timeout_(timeout), activity_(activity), timer_([this] { reap(); }) {}

IdleTracker::~IdleTracker() {
  while (oldest_ != nullptr)
    remove(*oldest_);
}

void IdleTracker::add(Connection& connection) {
  if (!enabled()) return;
  if (connection.idle_tracker_ != nullptr) connection.idle_tracker_->remove(connection);
  connection.idle_tracker_ = this;
  connection.output_is_activity_ = activity_ == Activity::kInputAndOutput;
  connection.last_activity_ = reactor_.now();
  link_newest(connection);
  if (oldest_ == &connection) arm();
}

void IdleTracker::touch(Connection& connection) {
  if (connection.idle_tracker_ != this) return;
  connection.last_activity_ = reactor_.now();
  if (newest_ == &connection) return;
  unlink(connection);
  link_newest(connection);
}

void IdleTracker::remove(Connection& connection) {
  if (connection.idle_tracker_ != this) return;
  unlink(connection);
  connection.idle_tracker_ = nullptr;
  connection.output_is_activity_ = false;
  if (oldest_ == nullptr) timer_.stop();
}

void IdleTracker::link_newest(Connection& connection) {
  connection.idle_prev_ = newest_;
  connection.idle_next_ = nullptr;
  if (newest_ != nullptr) {
    newest_->idle_next_ = &connection;
  } else {
    oldest_ = &connection;
  }
  newest_ = &connection;
}

void IdleTracker::unlink(Connection& connection) {
  if (connection.idle_prev_ != nullptr) {
    connection.idle_prev_->idle_next_ = connection.idle_next_;
  } else {
    oldest_ = connection.idle_next_;
  }
  if (connection.idle_next_ != nullptr) {
    connection.idle_next_->idle_prev_ = connection.idle_prev_;
  } else {
    newest_ = connection.idle_prev_;
  }
  connection.idle_prev_ = connection.idle_next_ = nullptr;
}

void IdleTracker::reap() {
  const Clock::time_point now = reactor_.now();
  while (oldest_ != nullptr && now - oldest_->last_activity_ >= timeout_) {
    Connection& idle = *oldest_;
    // Its idle clock restarts first, so a connection that on_idle() keeps open is told again
    // only after another full timeout, and this loop moves past it.
    touch(idle);
    idle.idle_timeout();
  }
  arm();
}

void IdleTracker::arm() {
  if (oldest_ == nullptr) {
    timer_.stop();
    return;
  }
  const Clock::time_point deadline = oldest_->last_activity_ + timeout_;
  timer_.start(reactor_, deadline - reactor_.clock().now());
}

}  // namespace reactor
