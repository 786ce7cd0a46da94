// Plumbing shared by the peer echo servers, so each server file holds only its event library's
// code: the --host/--port command line, the listening socket for the servers that open their own,
// and the "Listening on HOST:PORT" line the scripts wait for. Functions and a plain value; call
// from the main thread.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace bench {

inline constexpr std::size_t kPeerReadBufferSize = 64 * 1024;

struct PeerAddress {
  std::string host;  // the numeric literal given on the command line
  sockaddr_storage storage{};
  socklen_t length = 0;

  const sockaddr* socket_address() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

// Parses --host (IPv4 or IPv6 literal, default 127.0.0.1) and --port (0 picks a free port);
// a bad command line exits 2. Also ignores SIGPIPE and raises the open-file limit.
PeerAddress start_peer_or_exit(int argc, char** argv, const char* description);

// A nonblocking, close-on-exec TCP socket bound to `address` (SO_REUSEADDR) and listening;
// exits 1 with a message on failure.
int listen_or_exit(const PeerAddress& address);

std::uint16_t port_of(const sockaddr* address);
std::uint16_t local_port(int socket_fd);
void set_tcp_nodelay(int socket_fd);

// Prints "Listening on HOST:PORT" on stdout and flushes it.
void announce_listening(const PeerAddress& address, std::uint16_t port);

// Prints "<program>: <what>: <reason>" on stderr and exits 1.
[[noreturn]] void exit_with_error(const std::string& what, const std::string& reason);

}  // namespace bench
