// libev_echo: the echo server on libev's C API, the way its documentation describes it: the
// default loop, one ev_io watcher per socket (switched between EV_READ and EV_WRITE while output
// is queued), ev_signal watchers for SIGINT/SIGTERM. Single-threaded.
#include <ev.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <memory>

#include "apps/bench/peers/connection_table.h"
#include "apps/bench/peers/peer_support.h"
#include "apps/bench/peers/socket_echo.h"

namespace {

struct Server;

struct Connection {
  Connection(Server* owner, int socket_fd);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Server* const server;
  const int fd;
  ev_io watcher;
  bench::OutputQueue output;
};

struct Server {
  struct ev_loop* loop = nullptr;
  ev_io accept_watcher;
  ev_signal interrupt_watcher;
  ev_signal terminate_watcher;
  bench::ConnectionTable<Connection> connections;
  std::unique_ptr<char[]> read_buffer{new char[bench::kPeerReadBufferSize]};
};

void on_connection_event(struct ev_loop* loop, ev_io* watcher, int events);

Connection::Connection(Server* owner, int socket_fd) : server(owner), fd(socket_fd) {
  ev_io_init(&watcher, on_connection_event, fd, EV_READ);
  watcher.data = this;
  ev_io_start(server->loop, &watcher);
}

Connection::~Connection() {
  ev_io_stop(server->loop, &watcher);
  close(fd);
}

void watch_for(Connection* connection, int events) {
  ev_io_stop(connection->server->loop, &connection->watcher);
  ev_io_modify(&connection->watcher, events);
  ev_io_start(connection->server->loop, &connection->watcher);
}

void on_connection_event(struct ev_loop*, ev_io* watcher, int events) {
  auto* connection = static_cast<Connection*>(watcher->data);
  Server* server = connection->server;
  if (events & EV_WRITE) {
    if (!connection->output.flush(connection->fd)) return server->connections.erase(connection->fd);
    if (connection->output.empty()) watch_for(connection, EV_READ);
    return;
  }
  switch (bench::echo_once(connection->fd, server->read_buffer.get(), bench::kPeerReadBufferSize,
                           connection->output)) {
    case bench::EchoOutcome::kEchoed:
      break;
    case bench::EchoOutcome::kBlocked:
      watch_for(connection, EV_WRITE);
      break;
    case bench::EchoOutcome::kClosed:
      server->connections.erase(connection->fd);
      break;
  }
}

void on_acceptable(struct ev_loop*, ev_io* watcher, int) {
  auto* server = static_cast<Server*>(watcher->data);
  for (;;) {
    const int fd = accept4(watcher->fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) std::perror("libev_echo: accept4");
      return;
    }
    bench::set_tcp_nodelay(fd);
    server->connections.insert(fd, std::make_unique<Connection>(server, fd));
  }
}

void on_termination_signal(struct ev_loop* loop, ev_signal*, int) {
  ev_break(loop, EVBREAK_ALL);
}

}  // namespace

int main(int argc, char** argv) {
  const bench::PeerAddress address = bench::start_peer_or_exit(argc, argv, "Echo server on libev.");
  const int listen_fd = bench::listen_or_exit(address);

  Server server;
  server.loop = ev_default_loop(EVFLAG_AUTO);
  if (server.loop == nullptr) bench::exit_with_error("ev_default_loop", "no usable backend");
  ev_io_init(&server.accept_watcher, on_acceptable, listen_fd, EV_READ);
  server.accept_watcher.data = &server;
  ev_io_start(server.loop, &server.accept_watcher);
  ev_signal_init(&server.interrupt_watcher, on_termination_signal, SIGINT);
  ev_signal_start(server.loop, &server.interrupt_watcher);
  ev_signal_init(&server.terminate_watcher, on_termination_signal, SIGTERM);
  ev_signal_start(server.loop, &server.terminate_watcher);

  bench::announce_listening(address, bench::local_port(listen_fd));
  ev_run(server.loop, 0);

  server.connections.clear();
  ev_io_stop(server.loop, &server.accept_watcher);
  ev_signal_stop(server.loop, &server.interrupt_watcher);
  ev_signal_stop(server.loop, &server.terminate_watcher);
  ev_loop_destroy(server.loop);
  close(listen_fd);
  return 0;
}
