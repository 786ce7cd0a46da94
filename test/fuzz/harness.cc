#include "test/fuzz/harness.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

namespace reactor::fuzz {
namespace {

using std::chrono::milliseconds;
using testing::FakeSyscalls;
using Call = FakeSyscalls::Call;
using Outcome = FakeSyscalls::Outcome;

constexpr std::size_t kMaxObjectsPerKind = 256;  // made per input: bounds fds and time
constexpr std::size_t kMaxBytesPerConnection = 64 << 10;
constexpr int kSettleRounds = 32;

// The byte at `offset` of the stream the peer of connection `id` sends: distinct per
// connection and position, so reordering, loss and duplication show.
char stream_byte(std::size_t id, std::size_t offset) {
  return static_cast<char>((offset * 7 + id * 13 + (offset >> 8)) & 0xff);
}

// close()d, its output flushed, its socket not closed yet: the connection lingers, with a timer of
// its own that the model does not follow.
bool lingering(const ConnectionModel& model) {
  return model.object != nullptr && model.started && !model.close_seen &&
         model.state == ConnectionState::kClosing && model.object->queued_bytes() == 0;
}

}  // namespace

void WaitBound::check(int waited_ms) const {
  if (stop_pending) {
    FUZZ_CHECK(waited_ms == 0);
    return;
  }
  if (requested_ms >= 0) FUZZ_CHECK(waited_ms >= 0 && waited_ms <= requested_ms);
  if (unknown_timer) return;
  if (!earliest) {
    FUZZ_CHECK(waited_ms == requested_ms);
    return;
  }
  FUZZ_CHECK(waited_ms >= 0);
  // Never early (unless the caller asked for less), and late by under a millisecond.
  FUZZ_CHECK(waited_ms == requested_ms || now + milliseconds(waited_ms) >= *earliest);
  FUZZ_CHECK(waited_ms == 0 || now + milliseconds(waited_ms - 1) < *earliest);
}

// ---- The objects under test ----

PlainHandler::PlainHandler(Harness& harness, std::size_t id, bool pipe)
    : harness_(harness), id_(id) {
  if (pipe) {
    int fds[2];
    FUZZ_CHECK(::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
    read_fd_ = fds[0];
    write_fd_ = fds[1];
  } else {
    read_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    FUZZ_CHECK(read_fd_ >= 0);
  }
}

PlainHandler::~PlainHandler() {
  harness_.handler_destroyed(id_);
  stop();
  ::close(read_fd_);
  if (write_fd_ >= 0) ::close(write_fd_);
}

void PlainHandler::on_readable() {
  harness_.on_handler_event(*this, kRead);
}
void PlainHandler::on_writable() {
  harness_.on_handler_event(*this, kWrite);
}
void PlainHandler::on_error() {
  harness_.on_handler_event(*this, kNoInterest);
}

EchoConnection::~EchoConnection() {
  harness_.connection_destroyed(id_);
}
std::size_t EchoConnection::on_data(std::string_view bytes) {
  return harness_.on_connection_data(*this, bytes);
}
void EchoConnection::on_peer_shutdown() {
  harness_.on_connection_peer_shutdown(*this);
}
void EchoConnection::on_idle() {
  harness_.on_connection_idle(*this);
}
void EchoConnection::on_close(CloseReason) {
  harness_.on_connection_close(*this);
}

FuzzTimer::~FuzzTimer() {
  harness_.timer_destroyed(id_);
}
void FuzzTimer::on_timer() {
  harness_.on_timer(*this);
}

// ---- Harness ----

Harness::Harness() {
  auto poller = std::make_unique<testing::MockPoller>();
  poller_ = poller.get();
  reactor_ = std::make_unique<Reactor>(std::move(poller), clock_);
  fake_.emplace();
  fake_in_force_.emplace(*fake_);
  closed_fds_.fill(-1);
}

Harness::~Harness() = default;

void Harness::finish() {
  settle();
  teardown();
}

void Harness::perform(const Action& action) {
  const std::size_t target = action.target;
  switch (action.kind) {
    case ActionKind::kNone:
      return;
    case ActionKind::kStopHandler:
      return stop_handler(target);
    case ActionKind::kDestroyHandler:
      return destroy_handler(target);
    case ActionKind::kRestartHandler:
      if (PlainHandler* handler = handlers_[target].get()) {
        start_handler(*handler, handler->own_fd(), interest_from(action.arg));
      }
      return;
    case ActionKind::kToggleWrite:
      return toggle_write(target);
    case ActionKind::kSpawnHandler:
      if (!handlers_[target]) create_handler(target, action.arg, Action{});
      return;
    case ActionKind::kAdoptFd:
      return adopt_fd(target);
    case ActionKind::kStartTimer:
      return start_timer(target, timer_delay(action.arg), Clock::duration::zero());
    case ActionKind::kStopTimer:
      return call_timer(target, TimerCall::kStop);
    case ActionKind::kRestartTimer:
      return call_timer(target, TimerCall::kRestart);
    case ActionKind::kDestroyTimer:
      return call_timer(target, TimerCall::kDestroy);
    case ActionKind::kCloseConnection:
      return call_connection(target, ConnectionCall::kClose);
    case ActionKind::kAbortConnection:
      return call_connection(target, ConnectionCall::kAbort);
    case ActionKind::kShutdownConnection:
      return call_connection(target, ConnectionCall::kShutdown);
    case ActionKind::kDestroyConnection:
      return destroy_connection(target);
    case ActionKind::kStopReactor:
      return stop_reactor();
    case ActionKind::kWakeReactor:
      return reactor_->wake();
    case ActionKind::kRefuseRegistration:
      return refuse_next_registration();
    case ActionKind::kPost: {
      // The posted task does something else, so a chain of posts ends.
      Action posted = action;
      posted.kind = action_kind(action.arg);
      if (posted.kind == ActionKind::kPost) posted.kind = ActionKind::kNone;
      return post_task(posted);
    }
  }
}

// ---- Plain handlers ----

void Harness::create_handler(std::size_t slot, unsigned config, const Action& action) {
  if (handler_models_.size() >= kMaxObjectsPerKind) return;
  destroy_handler(slot);
  const std::size_t id = handler_models_.size();
  handler_models_.emplace_back();
  handlers_[slot] = std::make_unique<PlainHandler>(*this, id, (config & 1) != 0);
  ++live_handlers_;
  HandlerModel& model = handler_models_[id];
  model.object = handlers_[slot].get();
  model.action = action;
  start_handler(*handlers_[slot], handlers_[slot]->own_fd(), interest_from(config >> 1));
}

void Harness::set_handler_action(std::size_t slot, const Action& action) {
  if (handlers_[slot]) handler_models_[handlers_[slot]->id()].action = action;
}

void Harness::inject_handler(std::size_t slot, Readiness readiness) {
  if (handlers_[slot]) poller_->inject(handlers_[slot]->fd(), readiness);
}

void Harness::start_handler(PlainHandler& handler, int fd, Interest interest) {
  HandlerModel& model = handler_models_[handler.id()];
  model.active = false;
  try {
    handler.start(*reactor_, fd, interest);
    model.active = true;
  } catch (const std::system_error&) {
    // Refused (fd already watched, or a refusal was asked for): the handler is inactive.
  }
  FUZZ_CHECK(handler.active() == model.active);
}

void Harness::stop_handler(std::size_t slot) {
  if (!handlers_[slot]) return;
  handlers_[slot]->stop();
  handler_models_[handlers_[slot]->id()].active = false;
}

void Harness::toggle_write(std::size_t slot) {
  PlainHandler* handler = handlers_[slot].get();
  if (handler == nullptr || !handler_models_[handler->id()].active) return;
  const Interest before = handler->interest();
  try {
    handler->set_interest(before ^ kWrite);
  } catch (const std::system_error&) {
    FUZZ_CHECK(handler->interest() == before);  // a refused change changes nothing
  }
  FUZZ_CHECK(handler->active());
}

void Harness::adopt_fd(std::size_t slot) {
  PlainHandler* handler = handlers_[slot].get();
  const PlainHandler* other = handlers_[(slot + 1) % kSlots].get();
  if (handler != nullptr && other != nullptr) start_handler(*handler, other->own_fd(), kRead);
}

void Harness::destroy_handler(std::size_t slot) {
  if (handlers_[slot]) remember_closed_fd(handlers_[slot]->own_fd());
  handlers_[slot].reset();  // allowed anywhere, its own callback included
}

void Harness::handler_destroyed(std::size_t id) {
  HandlerModel& model = handler_models_[id];
  FUZZ_CHECK(model.object != nullptr);
  model.object = nullptr;
  model.active = false;
  --live_handlers_;
}

void Harness::on_handler_event(PlainHandler& handler, Interest callback) {
  const HandlerModel& model = handler_models_[handler.id()];
  FUZZ_CHECK(model.object == &handler && model.active && handler.active());
  if (callback == kNoInterest) {
    FUZZ_CHECK(handler.interest() == kNoInterest);  // on_error only with no interest
  } else {
    FUZZ_CHECK(handler.interest().contains(callback));
  }
  const Action action = model.action;
  const Scope scope(in_callback_);
  if (!quiescent_) perform(action);  // may destroy `handler`
}

// ---- Connections ----

void Harness::create_connection(std::size_t slot, const ConnectionConfig& config) {
  if (connection_models_.size() >= kMaxObjectsPerKind) return;
  destroy_connection(slot);
  const std::size_t id = connection_models_.size();
  connection_models_.emplace_back();
  ConnectionModel& model = connection_models_[id];
  model.id = id;
  model.slot = slot;
  model.config = config;
  model.pair = std::make_unique<testing::SocketPair>();
  model.fd = model.pair->local();
  latest_connection_[slot] = id;

  Connection::Limits limits;
  if (config.tiny_limits) {
    limits.high_water_mark = 64;
    limits.low_water_mark = 16;
    limits.max_input = 512;
  }
  connections_[slot] =
      std::make_unique<EchoConnection>(*this, id, Socket(model.pair->release_local()), limits);
  ++live_connections_;
  model.object = connections_[slot].get();
  model.object->set_owner(this, id);
  if (config.refuse_start) poller_->fail_next_registration(ENOMEM);
  try {
    model.object->start(*reactor_);
    model.started = true;
  } catch (const std::system_error&) {
    // Refused: the connection is open but never started.
  }
  FUZZ_CHECK(model.object->active() == model.started);
}

ConnectionModel* Harness::latest_connection(std::size_t slot) {
  return latest_connection_[slot] ? &connection_models_[*latest_connection_[slot]] : nullptr;
}

void Harness::set_connection_action(std::size_t slot, bool on_close, const Action& action) {
  if (!connections_[slot]) return;
  ConnectionModel& model = connection_models_[connections_[slot]->id()];
  (on_close ? model.close_action : model.data_action) = action;
}

void Harness::inject_connection(std::size_t slot, Readiness readiness) {
  if (const ConnectionModel* model = latest_connection(slot)) poller_->inject(model->fd, readiness);
}

void Harness::close_connection(ConnectionModel& model) {
  if (model.state == ConnectionState::kOpen || model.state == ConnectionState::kShuttingDown) {
    model.state = ConnectionState::kClosing;
  }
  model.object->close();  // may run on_close() before it returns
}

void Harness::abort_connection(ConnectionModel& model) {
  model.object->abort();
  FUZZ_CHECK(model.close_seen);  // on_close() ran before abort() returned
}

void Harness::shutdown_connection(ConnectionModel& model) {
  if (model.state == ConnectionState::kOpen) model.state = ConnectionState::kShuttingDown;
  model.object->shutdown();
}

void Harness::call_connection(std::size_t slot, ConnectionCall call) {
  if (!connections_[slot]) return;
  ConnectionModel& model = connection_models_[connections_[slot]->id()];
  switch (call) {
    case ConnectionCall::kClose:
      return close_connection(model);
    case ConnectionCall::kAbort:
      return abort_connection(model);
    case ConnectionCall::kShutdown:
      return shutdown_connection(model);
  }
}

void Harness::destroy_connection(std::size_t slot) {
  if (!connections_[slot]) return;
  if (in_callback_ > 0) {
    // It may be on the stack: only the reactor may delete it, once the iteration is over.
    retire(*connections_[slot]);
  } else {
    remember_closed_fd(connection_models_[connections_[slot]->id()].fd);
    connections_[slot].reset();
  }
}

void Harness::retire(EchoConnection& connection) {
  const std::size_t slot = connection_models_[connection.id()].slot;
  if (connections_[slot].get() != &connection) return;  // retired already
  retired_.push_back(connection.id());
  reactor_->destroy_later(std::move(connections_[slot]));
}

void Harness::connection_destroyed(std::size_t id) {
  ConnectionModel& model = connection_models_[id];
  FUZZ_CHECK(model.object != nullptr);
  model.object = nullptr;
  model.in_tracker = false;
  --live_connections_;
}

std::size_t Harness::on_connection_data(EchoConnection& connection, std::string_view bytes) {
  ConnectionModel& model = connection_models_[connection.id()];
  FUZZ_CHECK(model.object == &connection && model.started && !model.close_seen);
  FUZZ_CHECK(model.state == ConnectionState::kOpen ||
             model.state == ConnectionState::kShuttingDown);
  FUZZ_CHECK(!model.peer_eof_seen);
  // Exactly the bytes not consumed yet, in order: the ones seen before plus at least one more.
  FUZZ_CHECK(bytes.size() > model.presented_end - model.consumed);
  FUZZ_CHECK(model.consumed + bytes.size() <= model.sent.size());
  FUZZ_CHECK(bytes == std::string_view(model.sent).substr(model.consumed, bytes.size()));
  model.presented_end = model.consumed + bytes.size();

  std::size_t take = bytes.size();
  if (!quiescent_ && model.config.echo == Echo::kHalf) take = (bytes.size() + 1) / 2;
  if (!quiescent_ && model.config.echo == Echo::kNone) take = 0;
  model.consumed += take;
  const bool echo = take > 0 && model.state == ConnectionState::kOpen;
  if (echo) model.echoed.append(bytes.substr(0, take));
  const Action action = model.data_action;
  const Scope scope(in_callback_);
  if (echo) connection.send(bytes.substr(0, take));  // a write error aborts inside
  if (!quiescent_) perform(action);
  return take;
}

void Harness::on_connection_peer_shutdown(EchoConnection& connection) {
  ConnectionModel& model = connection_models_[connection.id()];
  FUZZ_CHECK(model.object == &connection && model.started && !model.close_seen);
  FUZZ_CHECK(!model.peer_eof_seen && (model.peer_write_shut || model.peer_closed));
  FUZZ_CHECK(model.state == ConnectionState::kOpen ||
             model.state == ConnectionState::kShuttingDown);
  FUZZ_CHECK(model.presented_end == model.sent.size());  // EOF comes after every byte
  model.peer_eof_seen = true;
  if (quiescent_) return;
  const Scope scope(in_callback_);
  switch (model.config.on_peer_eof) {
    case PeerEofReply::kClose:
      return close_connection(model);
    case PeerEofReply::kShutdown:
      return shutdown_connection(model);
    case PeerEofReply::kAbort:
      return abort_connection(model);
    case PeerEofReply::kNothing:
      return;
  }
}

void Harness::on_connection_idle(EchoConnection& connection) {
  ConnectionModel& model = connection_models_[connection.id()];
  FUZZ_CHECK(model.object == &connection && model.in_tracker && !model.close_seen);
  // Reaped from the idle tracker's timer: whatever starts here starts in the timer phase.
  const Scope timer_scope(in_timer_);
  const Scope scope(in_callback_);
  if (!quiescent_ && !model.config.keep_when_idle) abort_connection(model);
}

void Harness::on_connection_close(EchoConnection& connection) {
  ConnectionModel& model = connection_models_[connection.id()];
  FUZZ_CHECK(model.object == &connection && !model.close_seen && !model.released);
  FUZZ_CHECK(connection.closed() && !connection.active());
  model.close_seen = true;
  model.state = ConnectionState::kClosed;
  model.in_tracker = false;
  remember_closed_fd(model.fd);
  const Action action = model.close_action;
  const Scope scope(in_callback_);
  if (!quiescent_) perform(action);
}

void Harness::release(Connection& closed) {
  auto& connection = static_cast<EchoConnection&>(closed);
  ConnectionModel& model = connection_models_[connection.id()];
  FUZZ_CHECK(model.object == &connection && model.close_seen && !model.released);
  FUZZ_CHECK(connection.owner_tag() == connection.id());
  model.released = true;
  if (model.config.destroy_on_release) retire(connection);
}

void Harness::peer_send(std::size_t slot, std::size_t length) {
  if (ConnectionModel* model = latest_connection(slot)) {
    send_from_peer(*model, length);
    poller_->inject(model->fd, kReadable);
  }
}

void Harness::peer_read(std::size_t slot) {
  if (ConnectionModel* model = latest_connection(slot)) read_at_peer(*model);
}

void Harness::peer_half_close(std::size_t slot) {
  ConnectionModel* model = latest_connection(slot);
  if (model == nullptr || model->peer_closed || model->peer_write_shut) return;
  ::shutdown(model->pair->peer(), SHUT_WR);
  model->peer_write_shut = true;
  poller_->inject(model->fd, kReadable);
}

void Harness::peer_close(std::size_t slot) {
  ConnectionModel* model = latest_connection(slot);
  if (model == nullptr || model->peer_closed) return;
  model->pair->close_peer();
  model->peer_closed = true;
  poller_->inject(model->fd, kReadable | kHangup);
}

void Harness::send_from_peer(ConnectionModel& model, std::size_t length) {
  if (model.peer_closed || model.peer_write_shut) return;
  length = std::min(length, kMaxBytesPerConnection - model.sent.size());
  if (length == 0) return;
  std::string bytes(length, '\0');
  for (std::size_t i = 0; i < length; ++i)
    bytes[i] = stream_byte(model.id, model.sent.size() + i);
  const ssize_t n = ::send(model.pair->peer(), bytes.data(), length, MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n > 0) model.sent.append(bytes, 0, static_cast<std::size_t>(n));
}

void Harness::read_at_peer(ConnectionModel& model) {
  if (model.peer_closed) return;
  char buffer[16 << 10];
  for (;;) {
    const ssize_t n = ::recv(model.pair->peer(), buffer, sizeof buffer, MSG_DONTWAIT);
    if (n == 0) model.peer_read_eof = true;
    if (n <= 0) break;  // EOF, reset, or nothing more for now
    model.received.append(buffer, static_cast<std::size_t>(n));
  }
  check_echo_prefix(model);
}

void Harness::script_fault(std::size_t slot, unsigned fault, unsigned count) {
  const ConnectionModel* model = latest_connection(slot);
  const int fd = model != nullptr ? model->fd : FakeSyscalls::kAnyFd;
  const int times = 1 + static_cast<int>(count % 3);
  // Never a zero-byte cap: a read capped at 0 bytes would return 0, a fake EOF.
  const auto cap = Outcome::at_most(1 + (count % 48) * 17);
  constexpr int kAny = FakeSyscalls::kAnyFd;
  switch (fault) {
    case 0:
      return fake_->script(Call::kRecv, Outcome::fail(EINTR), fd, times);
    case 1:
      return fake_->script(Call::kRecv, Outcome::fail(EAGAIN), fd, times);
    case 2:
      return fake_->script(Call::kRecv, Outcome::fail(ECONNRESET), fd, times);
    case 3:
      return fake_->script(Call::kRecv, cap, fd, times);
    case 4:
      return fake_->script(Call::kSend, Outcome::fail(EINTR), fd, times);
    case 5:
      return fake_->script(Call::kSend, Outcome::fail(EAGAIN), fd, times);
    case 6:
      return fake_->script(Call::kSend, Outcome::fail(EPIPE), fd, times);
    case 7:
      return fake_->script(Call::kSend, Outcome::fail(ECONNRESET), fd, times);
    case 8:
      return fake_->script(Call::kSend, cap, fd, times);
    case 9:
      return fake_->script(Call::kSend, Outcome::fail(EAGAIN), kAny, times);
    case 10:
      return fake_->script(Call::kRecv, Outcome::fail(EINTR), kAny, times);
    default:
      return fake_->script(Call::kSend, cap, kAny, times);
  }
}

void Harness::idle_track(std::size_t slot, unsigned timeout_code) {
  if (!idle_tracker_) {
    idle_tracker_ = std::make_unique<IdleTracker>(*reactor_, milliseconds(5 * timeout_code));
  }
  EchoConnection* connection = connections_[slot].get();
  if (connection == nullptr) return;
  ConnectionModel& model = connection_models_[connection->id()];
  if (model.close_seen) return;  // a closed connection is never tracked
  idle_tracker_->add(*connection);
  model.in_tracker = idle_tracker_->enabled();
}

// ---- Timers and tasks ----

void Harness::create_timer(std::size_t slot, Clock::duration delay, Clock::duration interval,
                           const Action& action) {
  if (timer_models_.size() >= kMaxObjectsPerKind) return;
  timers_[slot].reset();
  const std::size_t id = timer_models_.size();
  timer_models_.emplace_back();
  timers_[slot] = std::make_unique<FuzzTimer>(*this, id);
  ++live_timers_;
  timer_models_[id].object = timers_[slot].get();
  timer_models_[id].action = action;
  start_timer(slot, delay, interval);
}

void Harness::start_timer(std::size_t slot, Clock::duration delay, Clock::duration interval) {
  if (!timers_[slot]) return create_timer(slot, delay, interval, Action{});
  timers_[slot]->start(*reactor_, delay, interval);
  TimerModel& model = timer_models_[timers_[slot]->id()];
  model.delay = std::max(delay, Clock::duration::zero());  // negative counts as zero
  model.interval = std::max(interval, Clock::duration::zero());
  armed(model);
}

void Harness::set_timer_action(std::size_t slot, const Action& action) {
  if (timers_[slot]) timer_models_[timers_[slot]->id()].action = action;
}

void Harness::call_timer(std::size_t slot, TimerCall call) {
  if (!timers_[slot]) return;
  TimerModel& model = timer_models_[timers_[slot]->id()];
  switch (call) {
    case TimerCall::kStop:
      timers_[slot]->stop();
      model.active = false;
      return;
    case TimerCall::kRestart:
      timers_[slot]->restart();  // the delay and interval of the last start()
      return armed(model);
    case TimerCall::kDestroy:
      timers_[slot].reset();  // allowed anywhere, its own callback included
      return;
    case TimerCall::kStartNow:
      return start_timer(slot, Clock::duration::zero(), Clock::duration::zero());
  }
}

void Harness::armed(TimerModel& model) {
  model.active = true;
  model.deadline = clock_.now() + model.delay;
  model.sequence = next_timer_sequence_++;
  // Timers started while handlers are dispatched fire in this iteration's timer phase if due;
  // those started by timers, tasks or outside the loop wait for the next one.
  model.first_wait = dispatching() ? waits() : waits() + 1;
}

void Harness::timer_destroyed(std::size_t id) {
  TimerModel& model = timer_models_[id];
  FUZZ_CHECK(model.object != nullptr);
  model.object = nullptr;
  model.active = false;
  --live_timers_;
}

void Harness::on_timer(FuzzTimer& timer) {
  TimerModel& model = timer_models_[timer.id()];
  FUZZ_CHECK(model.object == &timer && model.active);
  const Clock::time_point now = reactor_->now();
  FUZZ_CHECK(model.deadline <= now);  // never early
  // Due timers fire in (deadline, start order).
  const auto key = std::make_pair(model.deadline, model.sequence);
  FUZZ_CHECK(!last_fired_ || *last_fired_ < key);
  last_fired_ = key;
  if (model.interval > Clock::duration::zero()) {
    // Re-armed before the callback; a loop that fell behind skips the missed ticks.
    Clock::time_point next = model.deadline + model.interval;
    if (next <= now) next = now + model.interval;
    model.deadline = next;
    model.sequence = next_timer_sequence_++;
    model.first_wait = waits() + 1;
    FUZZ_CHECK(timer.active() && timer.deadline() == next);
  } else {
    model.active = false;
    FUZZ_CHECK(!timer.active());
  }
  const Action action = model.action;
  const Scope timer_scope(in_timer_);
  const Scope scope(in_callback_);
  if (!quiescent_) perform(action);  // may destroy `timer`
}

void Harness::post_task(const Action& action) {
  const unsigned long long sequence = next_task_++;
  // Posted from a handler or a timer: run at the end of this iteration; from a posted task or
  // outside the loop: at the end of the next one.
  const bool this_iteration = in_iteration_ > 0 && in_task_ == 0;
  pending_tasks_.emplace(sequence, this_iteration ? waits() : waits() + 1);
  reactor_->post([this, sequence, action] { run_task(sequence, action); });
}

void Harness::run_task(unsigned long long sequence, const Action& action) {
  FUZZ_CHECK(sequence > last_task_run_);  // posting order
  last_task_run_ = sequence;
  const auto it = pending_tasks_.find(sequence);
  FUZZ_CHECK(it != pending_tasks_.end() && it->second == waits());
  pending_tasks_.erase(it);
  const Scope task_scope(in_task_);
  const Scope scope(in_callback_);
  if (!quiescent_) perform(action);
}

// ---- The loop ----

void Harness::inject(std::uint8_t fd_selector, Readiness readiness) {
  poller_->inject(select_fd(fd_selector), readiness);
}

void Harness::set_level(std::uint8_t fd_selector, Readiness readiness) {
  const int fd = select_fd(fd_selector);
  if (!readiness) {
    poller_->clear_ready(fd);
  } else {
    poller_->set_ready(fd, readiness);
  }
}

void Harness::stop_reactor() {
  reactor_->stop();
  stop_pending_ = true;
}

int Harness::select_fd(std::uint8_t selector) const {
  const std::size_t index = (selector / 4) % 12;
  switch (selector % 4) {
    case 0:
      return handlers_[index] ? handlers_[index]->own_fd() : -1;
    case 1: {
      const auto& id = latest_connection_[index];
      return id ? connection_models_[*id].fd : -1;
    }
    case 2:
      return selector / 4;
    default:
      return closed_fds_[index % closed_fds_.size()];
  }
}

void Harness::remember_closed_fd(int fd) {
  closed_fds_[next_closed_fd_] = fd;
  next_closed_fd_ = (next_closed_fd_ + 1) % closed_fds_.size();
}

bool Harness::idle_timer_active() const {
  for (const ConnectionModel& model : connection_models_) {
    if (model.object != nullptr && model.in_tracker) return true;
  }
  return false;
}

WaitBound Harness::wait_bound(milliseconds timeout) const {
  const bool linger_timer =
      std::any_of(connection_models_.begin(), connection_models_.end(),
                  [](const ConnectionModel& model) { return lingering(model); });
  WaitBound bound{static_cast<int>(timeout.count()), stop_pending_,
                  idle_timer_active() || linger_timer, std::nullopt, clock_.now()};
  for (const auto& timer : timers_) {
    if (!timer) continue;
    const TimerModel& model = timer_models_[timer->id()];
    if (model.active && (!bound.earliest || model.deadline < *bound.earliest)) {
      bound.earliest = model.deadline;
    }
  }
  return bound;
}

void Harness::run_once(milliseconds timeout) {
  const WaitBound bound = wait_bound(timeout);
  last_fired_.reset();
  {
    const Scope scope(in_iteration_);
    reactor_->run_once(timeout);
  }
  bound.check(poller_->last_timeout_ms());
  after_iteration();
}

void Harness::run_until_stopped() {
  post_task(Action{ActionKind::kStopReactor, 0, 0});
  const std::uint64_t before = waits();
  last_fired_.reset();
  {
    const Scope scope(in_iteration_);
    reactor_->run();
  }
  stop_pending_ = false;              // run() consumed the request
  FUZZ_CHECK(waits() <= before + 1);  // the posted stop ends the first iteration
  if (waits() != before) after_iteration();
}

void Harness::after_iteration() {
  for (const auto& [sequence, due] : pending_tasks_)
    FUZZ_CHECK(due > waits());
  for (const auto& timer : timers_) {
    if (!timer) continue;
    const TimerModel& model = timer_models_[timer->id()];
    FUZZ_CHECK(!(model.active && model.first_wait <= waits() && model.deadline <= reactor_->now()));
  }
  // Handed to destroy_later(): deleted by the end of the iteration.
  for (const std::size_t id : retired_)
    FUZZ_CHECK(connection_models_[id].object == nullptr);
  retired_.clear();
}

// ---- Checks ----

void Harness::check_registration(const EventHandler& handler) const {
  FUZZ_CHECK(poller_->handler(handler.fd()) == &handler);
  FUZZ_CHECK(poller_->interest(handler.fd()) == handler.interest());
}

void Harness::check_connection(const ConnectionModel& model) const {
  const EchoConnection& connection = *model.object;
  FUZZ_CHECK(connection.closed() == model.close_seen);
  const bool active = model.started && !model.close_seen;
  FUZZ_CHECK(connection.active() == active);
  if (!active) return;
  check_registration(connection);
  const Interest interest = connection.interest();
  // Write interest exactly while output is queued; no reading once it cannot or must not go on.
  // A closing connection reads, to discard, until the peer's EOF, whatever its backpressure.
  FUZZ_CHECK(interest.contains(kWrite) == (connection.queued_bytes() > 0));
  if (model.state == ConnectionState::kClosing) {
    if (!model.peer_write_shut && !model.peer_closed) FUZZ_CHECK(interest.contains(kRead));
  } else if (model.peer_eof_seen || connection.reading_paused()) {
    FUZZ_CHECK(!interest.contains(kRead));
  }
}

void Harness::check_invariants() const {
  std::size_t active_handlers = 1;  // the reactor's waker
  std::size_t handlers = 0;
  for (const auto& handler : handlers_) {
    if (!handler) continue;
    ++handlers;
    const HandlerModel& model = handler_models_[handler->id()];
    FUZZ_CHECK(model.object == handler.get() && handler->active() == model.active);
    if (!model.active) continue;
    ++active_handlers;
    check_registration(*handler);
  }
  FUZZ_CHECK(handlers == live_handlers_);

  std::size_t connections = 0;
  std::size_t lingers = 0;
  bool tracking = false;
  for (const ConnectionModel& model : connection_models_) {
    if (model.object == nullptr) continue;
    ++connections;
    check_connection(model);
    if (model.started && !model.close_seen) ++active_handlers;
    if (lingering(model)) ++lingers;
    tracking = tracking || model.in_tracker;
  }
  FUZZ_CHECK(connections == live_connections_);
  FUZZ_CHECK(reactor_->active_handlers() == active_handlers);
  FUZZ_CHECK(poller_->watched_count() == active_handlers);

  std::size_t active_timers = (tracking ? 1 : 0) + lingers;  // the idle tracker's, the lingers'
  std::size_t timers = 0;
  for (const auto& timer : timers_) {
    if (!timer) continue;
    ++timers;
    const TimerModel& model = timer_models_[timer->id()];
    FUZZ_CHECK(model.object == timer.get() && timer->active() == model.active);
    if (!model.active) continue;
    ++active_timers;
    FUZZ_CHECK(timer->deadline() == model.deadline);
  }
  FUZZ_CHECK(timers == live_timers_);
  FUZZ_CHECK(reactor_->active_timers() == active_timers);
}

void Harness::check_echo_prefix(const ConnectionModel& model) const {
  FUZZ_CHECK(model.received.size() <= model.echoed.size());
  FUZZ_CHECK(model.echoed.compare(0, model.received.size(), model.received) == 0);
}

// ---- The end of an input ----

// A sum of quantities that only grow while connections read, echo and close.
std::size_t Harness::progress() const {
  std::size_t sum = 0;
  for (const ConnectionModel& model : connection_models_) {
    sum += model.presented_end + model.received.size() + model.peer_eof_seen + model.close_seen;
    if (model.object != nullptr) sum += model.object->queued_bytes() > 0;
    // What the connection has read, including what it discarded while closing.
    int unread = 0;
    if (model.object != nullptr && !model.close_seen && ::ioctl(model.fd, FIONREAD, &unread) == 0) {
      sum += model.sent.size() - static_cast<std::size_t>(unread);
    }
  }
  return sum;
}

void Harness::settle() {
  // No more faults, no more actions: every open connection must now echo everything.
  fake_in_force_.reset();
  fake_.reset();
  quiescent_ = true;
  for (ConnectionModel& model : connection_models_) {
    // One more byte makes an open connection present what it left unconsumed.
    if (model.object == nullptr || !model.started || model.state != ConnectionState::kOpen ||
        model.peer_closed || model.peer_write_shut || model.peer_eof_seen) {
      continue;
    }
    const std::size_t before = model.sent.size();
    send_from_peer(model, 1);
    model.marker_sent = model.sent.size() > before;
  }
  // Rounds of "everything is readable and writable" until a round changes nothing.
  for (int round = 0; round < kSettleRounds; ++round) {
    const std::size_t before = progress();
    for (const ConnectionModel& model : connection_models_) {
      if (model.object != nullptr && !model.close_seen) {
        poller_->inject(model.fd, kReadable | kWritable);
      }
    }
    run_once(milliseconds(0));
    bool closed_a_peer = false;
    for (ConnectionModel& model : connection_models_) {
      read_at_peer(model);
      // The peer of a close() answers its EOF with a close of its own, which ends the linger.
      if (model.state == ConnectionState::kClosing && model.peer_read_eof && !model.peer_closed) {
        model.pair->close_peer();
        model.peer_closed = true;
        closed_a_peer = true;
      }
    }
    if (progress() == before && !closed_a_peer) break;
  }
  for (const ConnectionModel& model : connection_models_) {
    if (model.object == nullptr || !model.started || model.close_seen) continue;
    // Every close() has flushed, lingered until its peer closed, and closed, and so has every
    // shutdown() the peer answered.
    FUZZ_CHECK(model.state == ConnectionState::kOpen ||
               model.state == ConnectionState::kShuttingDown);
    FUZZ_CHECK(model.object->queued_bytes() == 0);
    if (model.state == ConnectionState::kShuttingDown) {
      FUZZ_CHECK(!model.peer_write_shut && !model.peer_closed && model.peer_read_eof);
    }
    if (model.peer_closed) continue;
    // Everything echoed arrived; with the marker, everything sent was consumed.
    FUZZ_CHECK(model.received == model.echoed);
    if (model.marker_sent) FUZZ_CHECK(model.consumed == model.sent.size());
  }
}

void Harness::teardown() {
  if (reactor_dies_first_) {
    // Defined at any time: whatever is still active is left inactive.
    reactor_.reset();
    poller_ = nullptr;
    for (const auto& handler : handlers_)
      FUZZ_CHECK(!handler || !handler->active());
    for (const auto& connection : connections_)
      FUZZ_CHECK(!connection || !connection->active());
    for (const auto& timer : timers_)
      FUZZ_CHECK(!timer || !timer->active());
  }
  for (auto& connection : connections_)
    connection.reset();
  for (auto& handler : handlers_)
    handler.reset();
  for (auto& timer : timers_)
    timer.reset();
  idle_tracker_.reset();
  FUZZ_CHECK(live_handlers_ == 0 && live_connections_ == 0 && live_timers_ == 0);
  if (reactor_) {
    FUZZ_CHECK(reactor_->active_handlers() == 1 && poller_->watched_count() == 1);
    FUZZ_CHECK(reactor_->active_timers() == 0);
    reactor_.reset();
  }
}

}  // namespace reactor::fuzz
