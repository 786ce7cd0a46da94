// epoll_echo: the hand-written floor of the echo benchmarks. One thread, one level-triggered
// epoll set, nonblocking sockets from accept4, no framework. A connection is watched for input
// while it has nothing queued and for output while it has; SIGINT/SIGTERM arrive on a signalfd.
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <memory>

#include "apps/bench/peers/connection_table.h"
#include "apps/bench/peers/peer_support.h"
#include "apps/bench/peers/socket_echo.h"

namespace {

struct Connection {
  explicit Connection(int socket_fd) : fd(socket_fd) {}
  ~Connection() { close(fd); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const int fd;
  bench::OutputQueue output;
};

class EpollEchoServer {
 public:
  EpollEchoServer(int listen_fd, int signal_fd);
  ~EpollEchoServer();

  // Returns when a termination signal arrives.
  void run();

 private:
  void watch(int operation, int fd, std::uint32_t events);
  void accept_all();
  void on_connection_event(Connection* connection, std::uint32_t events);
  void close_connection(Connection* connection) { connections_.erase(connection->fd); }

  const int listen_fd_;
  const int signal_fd_;
  const int epoll_fd_;
  bench::ConnectionTable<Connection> connections_;
  std::unique_ptr<char[]> read_buffer_{new char[bench::kPeerReadBufferSize]};
};

EpollEchoServer::EpollEchoServer(int listen_fd, int signal_fd)
    : listen_fd_(listen_fd), signal_fd_(signal_fd), epoll_fd_(epoll_create1(EPOLL_CLOEXEC)) {
  if (epoll_fd_ < 0) bench::exit_with_error("epoll_create1", std::strerror(errno));
  watch(EPOLL_CTL_ADD, listen_fd_, EPOLLIN);
  watch(EPOLL_CTL_ADD, signal_fd_, EPOLLIN);
}

EpollEchoServer::~EpollEchoServer() {
  connections_.clear();
  close(epoll_fd_);
}

void EpollEchoServer::watch(int operation, int fd, std::uint32_t events) {
  epoll_event event{};
  event.events = events;
  event.data.fd = fd;
  if (epoll_ctl(epoll_fd_, operation, fd, &event) != 0) {
    bench::exit_with_error("epoll_ctl", std::strerror(errno));
  }
}

void EpollEchoServer::run() {
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  for (;;) {
    const int ready = epoll_wait(epoll_fd_, events, kMaxEvents, -1);
    if (ready < 0 && errno != EINTR) bench::exit_with_error("epoll_wait", std::strerror(errno));
    for (int i = 0; i < ready; ++i) {
      const int fd = events[i].data.fd;
      if (fd == signal_fd_) return;
      if (fd == listen_fd_) {
        accept_all();
      } else if (Connection* connection = connections_.find(fd)) {
        on_connection_event(connection, events[i].events);
      }
    }
  }
}

void EpollEchoServer::accept_all() {
  for (;;) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) std::perror("epoll_echo: accept4");
      return;
    }
    bench::set_tcp_nodelay(fd);
    connections_.insert(fd, std::make_unique<Connection>(fd));
    watch(EPOLL_CTL_ADD, fd, EPOLLIN);
  }
}

void EpollEchoServer::on_connection_event(Connection* connection, std::uint32_t events) {
  if (!connection->output.empty()) {
    if (!connection->output.flush(connection->fd)) return close_connection(connection);
    if (connection->output.empty()) watch(EPOLL_CTL_MOD, connection->fd, EPOLLIN);
    return;
  }
  if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) == 0) return;
  switch (bench::echo_once(connection->fd, read_buffer_.get(), bench::kPeerReadBufferSize,
                           connection->output)) {
    case bench::EchoOutcome::kEchoed:
      break;
    case bench::EchoOutcome::kBlocked:
      watch(EPOLL_CTL_MOD, connection->fd, EPOLLOUT);
      break;
    case bench::EchoOutcome::kClosed:
      close_connection(connection);
      break;
  }
}

// Blocks SIGINT and SIGTERM and returns a descriptor that becomes readable when one arrives.
int termination_signal_fd() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  if (sigprocmask(SIG_BLOCK, &signals, nullptr) != 0) {
    bench::exit_with_error("sigprocmask", std::strerror(errno));
  }
  const int fd = signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) bench::exit_with_error("signalfd", std::strerror(errno));
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  const bench::PeerAddress address =
      bench::start_peer_or_exit(argc, argv, "Echo server on a hand-written epoll loop.");
  const int signal_fd = termination_signal_fd();
  const int listen_fd = bench::listen_or_exit(address);
  {
    EpollEchoServer server(listen_fd, signal_fd);
    bench::announce_listening(address, bench::local_port(listen_fd));
    server.run();
  }
  close(listen_fd);
  close(signal_fd);
  return 0;
}
