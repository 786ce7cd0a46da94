// idle_clients: opens many TCP connections to an echo server, has each echo one message once,
// then holds them all open and idle until its standard input closes (or a signal ends it). The
// benchmark script reads the server's RSS while they are held, for the memory an idle connection
// costs. Prints "Ready N" on stdout once all N have echoed. Exit status: 0 after a clean hold,
// 1 when a connection or its echo failed, 2 for a bad command line.
#include <gflags/gflags.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "apps/common/command_line.h"
#include "apps/common/process_limits.h"

DEFINE_string(host, "127.0.0.1", "Echo server address: an IPv4 or IPv6 literal.");
DEFINE_int32(port, 0, "Echo server port (required, 1-65535).");
DEFINE_int32(connections, 10000, "Connections to open and hold.");
DEFINE_int32(message_size, 26, "Bytes each connection sends and expects back, once.");

namespace {

constexpr int kMaxConnections = 1000000;
constexpr int kMaxMessageSize = 1 << 20;
// A server that stops answering fails the run instead of hanging it.
constexpr int kReceiveTimeoutS = 10;

[[noreturn]] void fail(const std::string& what, int error) {
  std::fprintf(stderr, "idle_clients: %s: %s\n", what.c_str(), std::strerror(error));
  std::exit(1);
}

// The server's address; a host that is not a numeric literal is a usage error.
addrinfo* resolve_or_exit(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &result) != 0) {
    app::exit_with_usage_error("--host must be an IPv4 or IPv6 address, got '" + host + "'");
  }
  return result;
}

// Sends `message` and reads back exactly as many bytes, which must equal it.
void echo_once(int fd, const std::string& message, std::string& reply) {
  std::size_t sent = 0;
  while (sent < message.size()) {
    const ssize_t n = send(fd, message.data() + sent, message.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EINTR) fail("send", errno);
    if (n > 0) sent += static_cast<std::size_t>(n);
  }
  std::size_t received = 0;
  while (received < reply.size()) {
    const ssize_t n = recv(fd, reply.data() + received, reply.size() - received, 0);
    if (n == 0) fail("recv", ECONNRESET);
    if (n < 0 && errno != EINTR) fail("recv", errno);
    if (n > 0) received += static_cast<std::size_t>(n);
  }
  if (reply != message) {
    std::fprintf(stderr, "idle_clients: the echo differs from what was sent\n");
    std::exit(1);
  }
}

int connect_or_exit(const addrinfo& server) {
  const int fd = socket(server.ai_family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
  if (fd < 0) fail("socket", errno);
  const timeval timeout{kReceiveTimeoutS, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  const int on = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
  if (connect(fd, server.ai_addr, server.ai_addrlen) != 0) fail("connect", errno);
  return fd;
}

void require_open_file_room(int connections) {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  // A few descriptors are the process's own (standard streams and the like).
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < static_cast<rlim_t>(connections) + 16) {
    std::fprintf(stderr, "idle_clients: the open-file limit (%llu) is too low for %d connections\n",
                 static_cast<unsigned long long>(limit.rlim_cur), connections);
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  app::parse_command_line_or_exit(argc, argv,
                                  "Holds many echo connections open and idle, each having echoed "
                                  "once.\nUsage: idle_clients --port N [--connections N]");
  if (FLAGS_port < 1 || FLAGS_port > 65535) {
    app::exit_with_usage_error("--port must be in [1, 65535], got " + std::to_string(FLAGS_port));
  }
  if (FLAGS_connections < 1 || FLAGS_connections > kMaxConnections) {
    app::exit_with_usage_error("--connections must be in [1, " + std::to_string(kMaxConnections) +
                               "], got " + std::to_string(FLAGS_connections));
  }
  if (FLAGS_message_size < 1 || FLAGS_message_size > kMaxMessageSize) {
    app::exit_with_usage_error("--message_size must be in [1, " + std::to_string(kMaxMessageSize) +
                               "], got " + std::to_string(FLAGS_message_size));
  }
  app::raise_open_file_limit();
  require_open_file_room(FLAGS_connections);

  addrinfo* const server = resolve_or_exit(FLAGS_host, FLAGS_port);
  const std::string message(static_cast<std::size_t>(FLAGS_message_size), 'x');
  std::string reply(message.size(), '\0');
  std::vector<int> held;
  held.reserve(static_cast<std::size_t>(FLAGS_connections));
  for (int i = 0; i < FLAGS_connections; ++i) {
    held.push_back(connect_or_exit(*server));
    echo_once(held.back(), message, reply);
  }
  freeaddrinfo(server);
  std::printf("Ready %d\n", FLAGS_connections);
  std::fflush(stdout);

  // Held until standard input reaches its end; anything written to it is ignored.
  char ignored[256];
  for (;;) {
    const ssize_t n = read(STDIN_FILENO, ignored, sizeof(ignored));
    if (n == 0 || (n < 0 && errno != EINTR)) break;
  }
  for (const int fd : held)
    close(fd);
  return 0;
}
