// IdleTracker: reaps connections that received no input for a fixed timeout. All connections
// share the timeout, so an intrusive list ordered by last input does the job in O(1) per read
// (move to the tail) with one TimerHandler for the whole list, armed for the oldest connection:
// no per-connection timer, no heap operation per message.
// When the timer fires, every connection idle for the timeout gets Connection::on_idle() (its
// idle clock restarts, so one it keeps open is told again a timeout later), or, if it is already
// closing, has its close finished; then the timer is armed for the new oldest.
// Ownership: does not own the connections; a connection leaves the list when it closes or is
// destroyed. Threads: the reactor's thread.
#pragma once

#include <chrono>

#include "reactor/core/timer.h"

namespace reactor {

class Connection;
class Reactor;

class IdleTracker {
 public:
  // A zero or negative timeout disables tracking: add() does nothing.
  IdleTracker(Reactor& reactor, std::chrono::milliseconds timeout);
  ~IdleTracker();  // forgets every connection

  // Starts tracking (leaving any other tracker); the input clock starts at the loop's now().
  void add(Connection& connection);
  void touch(Connection& connection);  // input arrived: move to the tail
  void remove(Connection& connection);
  bool enabled() const { return timeout_ > Clock::duration::zero(); }

 private:
  void reap();
  // Arms the timer for the oldest connection's deadline, or stops it if there is none.
  void arm();
  void link_newest(Connection& connection);
  void unlink(Connection& connection);

  Reactor& reactor_;
  Clock::duration timeout_;
  Connection* oldest_ = nullptr;
  Connection* newest_ = nullptr;
  CallbackTimer timer_;
};

}  // namespace reactor
