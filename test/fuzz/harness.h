// Harness: one fuzz input's world, a Reactor on a MockPoller and a ManualClock with plain
// handlers, echo connections over socket pairs, timers and posted tasks, plus a model of what
// the contracts promise about each of them. Its operations are the top level of an input; the
// objects under test report every callback to it, and it checks each report against the model
// (and the whole world after each operation and iteration) with FUZZ_CHECK.
// Ownership: owns the reactor and every object in its slots, and the peer end of each socket
// pair. Threads: one; FakeSyscalls is in force from construction until finish().
#pragma once

#include <array>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "reactor/core/event_handler.h"
#include "reactor/core/reactor.h"
#include "reactor/core/syscalls.h"
#include "reactor/core/timer.h"
#include "reactor/net/connection.h"
#include "reactor/net/idle_tracker.h"
#include "reactor/testing/fake_syscalls.h"
#include "reactor/testing/manual_clock.h"
#include "reactor/testing/mock_poller.h"
#include "reactor/testing/socket_pair.h"
#include "test/fuzz/program.h"

namespace reactor::fuzz {

class Harness;

// ---- The objects under test: each reports to the harness and touches nothing after. ----

// A watcher of its own eventfd or pipe (which it owns).
class PlainHandler final : public EventHandler {
 public:
  PlainHandler(Harness& harness, std::size_t id, bool pipe);
  ~PlainHandler() override;

  std::size_t id() const { return id_; }
  int own_fd() const { return read_fd_; }

 private:
  void on_readable() override;
  void on_writable() override;
  void on_error() override;

  Harness& harness_;
  const std::size_t id_;
  int read_fd_ = -1;
  int write_fd_ = -1;
};

// A Connection whose on_data() the harness answers (it echoes).
class EchoConnection final : public Connection {
 public:
  EchoConnection(Harness& harness, std::size_t id, Socket socket, const Limits& limits)
      : Connection(std::move(socket), limits), harness_(harness), id_(id) {}
  ~EchoConnection() override;

  std::size_t id() const { return id_; }

 private:
  std::size_t on_data(std::string_view bytes) override;
  void on_peer_shutdown() override;
  void on_idle() override;
  void on_close(CloseReason reason) override;

  Harness& harness_;
  const std::size_t id_;
};

class FuzzTimer final : public TimerHandler {
 public:
  FuzzTimer(Harness& harness, std::size_t id) : harness_(harness), id_(id) {}
  ~FuzzTimer() override;

  std::size_t id() const { return id_; }

 private:
  void on_timer() override;

  Harness& harness_;
  const std::size_t id_;
};

// ---- The model: what each object should be doing, by id. ----

struct HandlerModel {
  PlainHandler* object = nullptr;  // while alive
  bool active = false;
  Action action;  // in every callback
};

enum class Echo { kAll, kHalf, kNone };  // how much of what on_data() sees it consumes
enum class PeerEofReply { kClose, kShutdown, kAbort, kNothing };
struct ConnectionConfig {
  Echo echo = Echo::kAll;
  PeerEofReply on_peer_eof = PeerEofReply::kClose;
  bool tiny_limits = false;         // pauses, resumes and hits max_input on small inputs
  bool destroy_on_release = false;  // like TcpServer: destroy_later() in release()
  bool refuse_start = false;        // the poller refuses its start()
  bool keep_when_idle = false;      // on_idle() does nothing rather than abort()
};

enum class ConnectionState { kOpen, kShuttingDown, kClosing, kClosed };
enum class ConnectionCall { kClose, kAbort, kShutdown };

struct ConnectionModel {
  EchoConnection* object = nullptr;  // while alive
  std::size_t id = 0;
  std::size_t slot = 0;
  ConnectionConfig config;
  int fd = -1;
  std::unique_ptr<testing::SocketPair> pair;  // the connection took the local end
  bool started = false;
  bool close_seen = false;
  bool released = false;
  bool peer_eof_seen = false;  // on_peer_shutdown() came
  bool peer_write_shut = false;
  bool peer_closed = false;
  bool peer_read_eof = false;
  bool in_tracker = false;
  bool marker_sent = false;
  ConnectionState state = ConnectionState::kOpen;
  Action data_action;
  Action close_action;
  std::string sent;               // what the peer wrote
  std::string echoed;             // what on_data() passed to send()
  std::string received;           // what the peer read
  std::size_t consumed = 0;       // bytes of `sent` that on_data() consumed
  std::size_t presented_end = 0;  // one past the last byte of `sent` on_data() has seen
};

enum class TimerCall { kStop, kRestart, kDestroy, kStartNow };

struct TimerModel {
  FuzzTimer* object = nullptr;  // while alive
  bool active = false;
  Action action;
  Clock::duration delay{};
  Clock::duration interval{};
  Clock::time_point deadline{};
  unsigned long long sequence = 0;  // start order, which breaks ties between equal deadlines
  std::uint64_t first_wait = 0;     // the first iteration that must fire it once it is due
};

// What run_once() may pass to the poller as its timeout, worked out before the call.
struct WaitBound {
  int requested_ms;
  bool stop_pending;
  bool unknown_timer;  // the idle tracker's or a linger timer runs: its deadline is not modelled
  std::optional<Clock::time_point> earliest;
  Clock::time_point now;

  void check(int waited_ms) const;
};

class Harness final : public ConnectionOwner {
 public:
  Harness();
  ~Harness();
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  // ---- Operations ----
  void create_handler(std::size_t slot, unsigned config, const Action& action);
  void set_handler_action(std::size_t slot, const Action& action);
  void inject_handler(std::size_t slot, Readiness readiness);
  void destroy_handler(std::size_t slot);

  void create_connection(std::size_t slot, const ConnectionConfig& config);
  void set_connection_action(std::size_t slot, bool on_close, const Action& action);
  void call_connection(std::size_t slot, ConnectionCall call);
  void inject_connection(std::size_t slot, Readiness readiness);
  void idle_track(std::size_t slot, unsigned timeout_code);
  void destroy_connection(std::size_t slot);
  // The peer of the latest connection made in `slot`.
  void peer_send(std::size_t slot, std::size_t length);  // and its fd is readable
  void peer_read(std::size_t slot);
  void peer_half_close(std::size_t slot);
  void peer_close(std::size_t slot);
  void script_fault(std::size_t slot, unsigned fault, unsigned count);

  void create_timer(std::size_t slot, Clock::duration delay, Clock::duration interval,
                    const Action& action);
  void set_timer_action(std::size_t slot, const Action& action);
  void call_timer(std::size_t slot, TimerCall call);

  // fd selector: % 4 picks a handler's fd, a connection's, a raw fd number, or a closed one.
  void inject(std::uint8_t fd_selector, Readiness readiness);
  void set_level(std::uint8_t fd_selector, Readiness readiness);  // none clears
  void post_task(const Action& action);
  void advance_clock(Clock::duration by) { clock_.advance(by); }
  void run_once(std::chrono::milliseconds timeout);
  void run_until_stopped();  // posts a stop, then run()
  void stop_reactor();
  void refuse_next_registration() { poller_->fail_next_registration(ENOMEM); }
  void toggle_teardown_order() { reactor_dies_first_ = !reactor_dies_first_; }

  // Checks the world against the model; between operations.
  void check_invariants() const;
  // Removes the faults, lets every connection flush and echo, checks, and destroys everything.
  void finish();

  // ---- Reports from the objects under test ----
  void on_handler_event(PlainHandler& handler, Interest callback);  // kNoInterest: on_error
  void handler_destroyed(std::size_t id);
  std::size_t on_connection_data(EchoConnection& connection, std::string_view bytes);
  void on_connection_peer_shutdown(EchoConnection& connection);
  void on_connection_idle(EchoConnection& connection);
  void on_connection_close(EchoConnection& connection);
  void connection_destroyed(std::size_t id);
  void release(Connection& connection) override;
  void on_timer(FuzzTimer& timer);
  void timer_destroyed(std::size_t id);

 private:
  // Counts the callbacks (of one kind) on the stack for its lifetime.
  class Scope {
   public:
    explicit Scope(int& depth) : depth_(depth) { ++depth_; }
    ~Scope() { --depth_; }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    int& depth_;
  };

  void perform(const Action& action);

  void start_handler(PlainHandler& handler, int fd, Interest interest);
  void stop_handler(std::size_t slot);
  void toggle_write(std::size_t slot);
  void adopt_fd(std::size_t slot);

  ConnectionModel* latest_connection(std::size_t slot);
  void close_connection(ConnectionModel& model);
  void abort_connection(ConnectionModel& model);
  void shutdown_connection(ConnectionModel& model);
  void retire(EchoConnection& connection);
  void send_from_peer(ConnectionModel& model, std::size_t length);
  void read_at_peer(ConnectionModel& model);

  void start_timer(std::size_t slot, Clock::duration delay, Clock::duration interval);
  void armed(TimerModel& model);
  void run_task(unsigned long long sequence, const Action& action);

  int select_fd(std::uint8_t selector) const;
  void remember_closed_fd(int fd);
  std::uint64_t waits() const { return poller_->counters().waits; }
  bool dispatching() const { return in_iteration_ > 0 && in_timer_ == 0 && in_task_ == 0; }
  bool idle_timer_active() const;
  WaitBound wait_bound(std::chrono::milliseconds timeout) const;
  void after_iteration();

  void check_registration(const EventHandler& handler) const;
  void check_connection(const ConnectionModel& model) const;
  void check_echo_prefix(const ConnectionModel& model) const;

  std::size_t progress() const;
  void settle();
  void teardown();

  testing::ManualClock clock_;
  testing::MockPoller* poller_ = nullptr;
  std::optional<testing::FakeSyscalls> fake_;
  std::optional<ScopedSyscalls> fake_in_force_;
  // By id; a deque keeps references valid while callbacks add objects.
  std::deque<HandlerModel> handler_models_;
  std::deque<ConnectionModel> connection_models_;
  std::deque<TimerModel> timer_models_;
  std::unique_ptr<Reactor> reactor_;
  std::unique_ptr<IdleTracker> idle_tracker_;
  std::array<std::unique_ptr<PlainHandler>, kSlots> handlers_;
  std::array<std::unique_ptr<EchoConnection>, kSlots> connections_;
  std::array<std::unique_ptr<FuzzTimer>, kSlots> timers_;
  std::array<std::optional<std::size_t>, kSlots> latest_connection_;  // id, per slot
  std::vector<std::size_t> retired_;  // connection ids handed to destroy_later()
  std::array<int, 8> closed_fds_;
  std::size_t next_closed_fd_ = 0;

  std::map<unsigned long long, std::uint64_t> pending_tasks_;  // sequence -> its iteration
  unsigned long long next_task_ = 1;
  unsigned long long last_task_run_ = 0;
  unsigned long long next_timer_sequence_ = 0;
  std::optional<std::pair<Clock::time_point, unsigned long long>> last_fired_;

  std::size_t live_handlers_ = 0;
  std::size_t live_connections_ = 0;
  std::size_t live_timers_ = 0;
  bool stop_pending_ = false;
  bool quiescent_ = false;  // settling: callbacks are checked but do nothing
  bool reactor_dies_first_ = false;
  int in_iteration_ = 0;
  int in_timer_ = 0;
  int in_task_ = 0;
  int in_callback_ = 0;
};

}  // namespace reactor::fuzz
