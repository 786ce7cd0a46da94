// IdleTracker: reaps connections that showed no activity for a fixed timeout. Activity is input,
// and optionally output the kernel took too (Activity::kInputAndOutput). All connections share
// the timeout, so an intrusive list ordered by last activity does the job in O(1) per read (move
// to the tail) with one TimerHandler for the whole list, armed for the oldest connection: no
// per-connection timer, no heap operation per message.
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
  enum class Activity : unsigned char {
    // Only input: periodic output (a status broadcast) does not keep a silent peer alive.
    kInput,
    // Output the kernel took counts too (from send(), or a flush of queued output while open),
    // for peers that only listen. Costs a touch per write, on connections of this tracker only.
    kInputAndOutput,
  };

  // A zero or negative timeout disables tracking: add() does nothing.
  IdleTracker(Reactor& reactor, std::chrono::milliseconds timeout,
              Activity activity = Activity::kInput);
  ~IdleTracker();  // forgets every connection

  // Starts tracking (leaving any other tracker); the idle clock starts at the loop's now().
  void add(Connection& connection);
  void touch(Connection& connection);  // activity: move to the tail
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
  Activity activity_;
  Connection* oldest_ = nullptr;
  Connection* newest_ = nullptr;
  CallbackTimer timer_;
};

}  // namespace reactor
