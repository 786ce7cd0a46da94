#include "reactor/net/tcp_server.h"

#include <exception>
#include <optional>
#include <utility>

#include "reactor/core/reactor.h"

namespace reactor {
namespace {

// Whether the listener is TCP, asked once so that no connection pays a syscall for it.
bool is_tcp(const Acceptor& acceptor) {
  const std::optional<SocketAddress> address = acceptor.local_address();
  return address && address->is_inet();
}

}  // namespace

bool ConnectionCounter::try_add(std::size_t limit) {
  std::size_t current = count_.load(std::memory_order_relaxed);
  do {
    if (limit != 0 && current >= limit) return false;
  } while (!count_.compare_exchange_weak(current, current + 1, std::memory_order_relaxed));
  return true;
}

TcpServer::TcpServer(Reactor& reactor, Socket listener, Factory factory, const Options& options,
                     ConnectionCounter* counter)
    : reactor_(reactor),
      factory_(std::move(factory)),
      options_(options),
      counter_(counter != nullptr ? counter : &own_counter_),
      acceptor_(
          std::move(listener), [this](Socket socket) { accept(std::move(socket)); },
          options.acceptor),
      tcp_(is_tcp(acceptor_)),
      idle_tracker_(reactor, options.idle_timeout, options.idle_activity) {}

TcpServer::~TcpServer() {
  // Each abort runs the connection's on_close() and release() while this server is still whole.
  // Outside the reactor's callbacks none of them can be on the stack, so they are deleted here,
  // before anything they refer to that was made after the server is.
  delete_released_here_ = !reactor_.dispatching();
  abort_all();
  released_.clear();
}

void TcpServer::start() {
  acceptor_.start(reactor_);
}

void TcpServer::stop_accepting() {
  acceptor_.close();
}

void TcpServer::close_all() {
  for_each_connection([](Connection& connection) { connection.close(); });
}

void TcpServer::abort_all() {
  for_each_connection([](Connection& connection) { connection.abort(); });
}

std::vector<Connection*> TcpServer::take_snapshot() {
  // Moved from, the kept buffer is left empty: a nested visit makes a buffer of its own.
  std::vector<Connection*> snapshot = std::move(snapshot_buffer_);
  snapshot.clear();
  for (const Slot& slot : slots_) {
    if (slot.connection) snapshot.push_back(slot.connection.get());
  }
  return snapshot;
}

void TcpServer::keep_for_reuse(std::vector<Connection*> snapshot) {
  if (snapshot.capacity() > snapshot_buffer_.capacity()) snapshot_buffer_ = std::move(snapshot);
}

void TcpServer::accept(Socket socket) {
  // Past the limit the socket closes here, at once; the connections already open go on.
  if (!counter_->try_add(options_.max_connections)) return;
  std::unique_ptr<Connection> connection = start_connection(std::move(socket));
  if (!connection) {
    counter_->remove();
    return;
  }
  const std::uint32_t slot = take_slot();
  connection->set_owner(this, slot);
  slots_[slot].connection = std::move(connection);
  ++live_connections_;
  idle_tracker_.add(*slots_[slot].connection);
}

std::uint32_t TcpServer::take_slot() {
  if (free_slot_ == kNoSlot) {
    slots_.emplace_back();
    return static_cast<std::uint32_t>(slots_.size() - 1);
  }
  const std::uint32_t slot = free_slot_;
  free_slot_ = slots_[slot].next_free;
  return slot;
}

ConnectionId TcpServer::id_of(const Connection& connection) {
  const std::size_t slot = connection.owner_tag();
  return ConnectionId{this, static_cast<std::uint32_t>(slot), slots_[slot].generation};
}

Connection* TcpServer::find(const ConnectionId& id) const {
  if (id.server != this || id.slot >= slots_.size()) return nullptr;
  const Slot& slot = slots_[id.slot];
  return slot.generation == id.generation ? slot.connection.get() : nullptr;
}

std::unique_ptr<Connection> TcpServer::start_connection(Socket socket) {
  // Whatever fails here (the factory throws, say out of memory, or the poller refuses the
  // socket) costs this one connection only. It never ran a callback and has no owner yet, so it
  // can go at once.
  try {
    if (tcp_) socket.set_no_delay(true);
    std::unique_ptr<Connection> connection = factory_(std::move(socket));
    if (connection) connection->start(reactor_);  // null: the factory rejected it
    return connection;
  } catch (const std::exception&) {
    return nullptr;
  }
}

void TcpServer::release(Connection& connection) {
  const std::size_t index = connection.owner_tag();
  if (index >= slots_.size() || slots_[index].connection.get() != &connection) return;
  Slot& slot = slots_[index];
  std::unique_ptr<Connection> released = std::move(slot.connection);
  if (++slot.generation == 0) slot.generation = 1;
  slot.next_free = free_slot_;
  free_slot_ = static_cast<std::uint32_t>(index);
  --live_connections_;
  counter_->remove();
  if (delete_released_here_) {
    released_.push_back(std::move(released));
    return;
  }
  // Its callback may still be on the stack: it is deleted after the current iteration.
  reactor_.destroy_later(std::move(released));
}

}  // namespace reactor
