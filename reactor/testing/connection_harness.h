// ConnectionHarness: unit-tests one Connection subclass without network and without sleeps. It
// builds a Reactor on a MockPoller and a ManualClock, makes the connection with the test's factory
// on one end of a SocketPair (the kernel's, so reads and writes are real) and plays the peer on
// the other: the test writes bytes (in pieces, pipelined), shuts down or resets the peer side,
// runs the loop until idle, reads what the connection sent, asks whether and why it closed,
// advances the clock to fire idle and close timeouts, and scripts syscall faults (FakeSyscalls is
// installed for the harness's lifetime). No test framework is assumed; see
// connection_harness_gtest.h for a GoogleTest fixture.
//
//   ConnectionHarness h([](Socket s) { return std::make_unique<Echo>(std::move(s)); });
//   h.peer_write("ping");
//   h.run_until_idle();
//   assert(h.take_output() == "ping");
//
// Running until idle is deterministic: each round asks the kernel (poll() with no wait) what the
// connection's socket is ready for, delivers that through the MockPoller as the connection's
// interest filters it, and runs due timers and posted tasks; it stops when a round delivers
// nothing. Time moves only in advance().
// Ownership: owns the reactor, clock, poller, socket pair, fault script, the optional IdleTracker
// and the connection, which it keeps (closed or not) until it is destroyed.
// Threads: one thread; a test runs one harness at a time (FakeSyscalls is process-wide).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "reactor/core/reactor.h"
#include "reactor/core/syscalls.h"
#include "reactor/net/close_reason.h"
#include "reactor/net/connection.h"
#include "reactor/net/idle_tracker.h"
#include "reactor/net/socket.h"
#include "reactor/testing/fake_syscalls.h"
#include "reactor/testing/manual_clock.h"
#include "reactor/testing/mock_poller.h"
#include "reactor/testing/socket_pair.h"

namespace reactor::testing {

class ConnectionHarness final : private ConnectionOwner {
 public:
  // Makes the connection under test from its socket, as TcpServer::Factory does.
  using Factory = std::function<std::unique_ptr<Connection>(Socket socket)>;

  struct Options {
    // Tracks the connection with an IdleTracker of this timeout; zero: no tracker.
    std::chrono::milliseconds idle_timeout{0};
    IdleTracker::Activity idle_activity = IdleTracker::Activity::kInput;
  };

  // Makes and starts the connection. Throws std::invalid_argument if the factory returns none.
  explicit ConnectionHarness(const Factory& factory) : ConnectionHarness(factory, Options{}) {}
  ConnectionHarness(const Factory& factory, const Options& options);
  ~ConnectionHarness();
  ConnectionHarness(const ConnectionHarness&) = delete;
  ConnectionHarness& operator=(const ConnectionHarness&) = delete;

  // ---- The peer ----
  // Writes `bytes` as the peer, without running the loop: several writes before run_until_idle()
  // arrive pipelined. Bytes past what the socket holds are written as the connection reads them
  // (the loop runs meanwhile). Throws std::logic_error if the connection stops reading first,
  // or once the peer has shut down or reset.
  void peer_write(std::string_view bytes);
  // The peer shuts down its write side (SHUT_WR): the connection reads EOF after what was
  // written. Does not run the loop.
  void peer_shutdown();
  // The peer resets the connection: the connection's next read or write fails with ECONNRESET,
  // as from a TCP RST. On a Unix socketpair the kernel reports ECONNRESET to one end when the
  // other closes with unread data in its receive queue; the harness makes sure there is some
  // (one byte written into the peer's queue from the connection's socket, behind its back) and
  // closes the peer. Output not yet taken by take_output() is lost, as on a real reset. Does not
  // run the loop.
  void peer_reset();
  // What the connection sent since the last call, as far as the kernel has delivered it.
  std::string take_output();
  // The peer has read the connection's EOF (its write side was shut, or its socket closed).
  // Learned by take_output(), which reads up to it.
  bool peer_saw_eof() const { return peer_saw_eof_; }

  // ---- The loop and the clock ----
  // Delivers readiness and due timers until nothing happens; returns the rounds that delivered
  // something. Throws std::logic_error if it does not settle within a bound (a connection that
  // reads without consuming and without closing, or a timer re-armed for now forever).
  int run_until_idle();
  // Moves the clock forward by `by`, then runs until idle: timers due by then fire.
  void advance(std::chrono::milliseconds by);
  // peer_write(bytes), run_until_idle(), take_output(): one request and its reply.
  std::string round_trip(std::string_view bytes);

  // ---- The connection ----
  Connection& connection() { return *connection_; }
  // The connection as its own type. Throws std::bad_cast if it is not a `T`.
  template <typename T>
  T& connection() {
    return dynamic_cast<T&>(*connection_);
  }
  bool closed() const { return close_reason_.has_value(); }
  // Why it closed (Connection::on_close()'s reason); std::nullopt while open or closing.
  const std::optional<CloseReason>& close_reason() const { return close_reason_; }

  // ---- Faults (through the Syscalls seam, on the connection's socket only) ----
  // The connection's next `times` reads fail with `error` (EAGAIN, ECONNRESET, EIO, ...).
  void fail_reads(int error, int times = 1);
  // The connection's next `times` writes fail with `error` (EAGAIN queues the output, ECONNRESET
  // or EPIPE abort the connection).
  void fail_writes(int error, int times = 1);
  // The connection's next `times` writes take at most `max_bytes` each (partial writes).
  void limit_writes(std::size_t max_bytes, int times = 1);
  // Everything else FakeSyscalls can script (see fake_syscalls.h); the connection's fd is fd().
  FakeSyscalls& syscalls() { return syscalls_; }

  // ---- The parts, for what the helpers above do not cover ----
  Reactor& reactor() { return reactor_; }
  MockPoller& poller() { return static_cast<MockPoller&>(reactor_.poller()); }
  ManualClock& clock() { return clock_; }
  // The connection's socket (still numbered so after it closed, for scripting faults).
  int fd() const { return fd_; }
  // The peer end, for a test that drives it by hand; -1 once reset.
  int peer_fd() const { return pair_.peer(); }
  // Null without Options::idle_timeout.
  IdleTracker* idle_tracker() { return idle_tracker_.get(); }

 private:
  void closed(Connection& connection, CloseReason reason) override;
  void release(Connection& connection) override;
  // What the kernel says the connection's socket is ready for, as the connection's interest
  // filters it (errors and hang-ups always pass); empty if it is not watched.
  Readiness pending_readiness();

  FakeSyscalls syscalls_;
  ScopedSyscalls scoped_syscalls_{syscalls_};
  ManualClock clock_;
  Reactor reactor_;
  SocketPair pair_;
  int fd_;
  std::unique_ptr<IdleTracker> idle_tracker_;
  std::unique_ptr<Connection> connection_;
  std::optional<CloseReason> close_reason_;
  bool peer_shut_down_ = false;
  bool peer_saw_eof_ = false;
};

}  // namespace reactor::testing
