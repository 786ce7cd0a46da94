// libevent_echo: the echo server on libevent 2, the way its documentation describes it: an
// evconnlistener, one socket bufferevent per connection whose read callback moves its input to
// its output, and evsignal events for SIGINT/SIGTERM. Reading pauses while more than one read
// buffer's worth of output waits, and resumes once the output has drained. Single-threaded.
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include <csignal>
#include <cstring>
#include <memory>

#include "apps/bench/peers/connection_table.h"
#include "apps/bench/peers/peer_support.h"

namespace {

struct Connection {
  explicit Connection(bufferevent* buffered) : events(buffered) {}
  ~Connection() { bufferevent_free(events); }  // closes the socket (BEV_OPT_CLOSE_ON_FREE)
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bufferevent* const events;
};

struct Server {
  event_base* base = nullptr;
  bench::ConnectionTable<Connection> connections;
};

void on_readable(bufferevent* buffered, void*) {
  evbuffer* output = bufferevent_get_output(buffered);
  evbuffer_add_buffer(output, bufferevent_get_input(buffered));
  if (evbuffer_get_length(output) >= bench::kPeerReadBufferSize) {
    bufferevent_disable(buffered, EV_READ);
  }
}

// The write callback: with the default low watermark of 0 it runs when the output is empty.
void on_output_drained(bufferevent* buffered, void*) {
  if ((bufferevent_get_enabled(buffered) & EV_READ) == 0) bufferevent_enable(buffered, EV_READ);
}

void on_connection_event(bufferevent* buffered, short events, void* context) {
  if ((events & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) != 0) {
    static_cast<Server*>(context)->connections.erase(bufferevent_getfd(buffered));
  }
}

void on_accepted(evconnlistener*, evutil_socket_t fd, sockaddr*, int, void* context) {
  auto* server = static_cast<Server*>(context);
  bench::set_tcp_nodelay(fd);
  bufferevent* buffered = bufferevent_socket_new(server->base, fd, BEV_OPT_CLOSE_ON_FREE);
  if (buffered == nullptr) {
    evutil_closesocket(fd);
    return;
  }
  bufferevent_set_max_single_read(buffered, bench::kPeerReadBufferSize);
  bufferevent_setcb(buffered, on_readable, on_output_drained, on_connection_event, server);
  bufferevent_enable(buffered, EV_READ | EV_WRITE);
  server->connections.insert(fd, std::make_unique<Connection>(buffered));
}

void on_termination_signal(evutil_socket_t, short, void* context) {
  event_base_loopbreak(static_cast<event_base*>(context));
}

}  // namespace

int main(int argc, char** argv) {
  const bench::PeerAddress address =
      bench::start_peer_or_exit(argc, argv, "Echo server on libevent.");
  Server server;
  server.base = event_base_new();
  if (server.base == nullptr) bench::exit_with_error("event_base_new", "failed");

  evconnlistener* listener = evconnlistener_new_bind(
      server.base, on_accepted, &server, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, SOMAXCONN,
      address.socket_address(), static_cast<int>(address.length));
  if (listener == nullptr) {
    bench::exit_with_error("listen on " + address.host,
                           evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
  }
  event* interrupt_event = evsignal_new(server.base, SIGINT, on_termination_signal, server.base);
  event* terminate_event = evsignal_new(server.base, SIGTERM, on_termination_signal, server.base);
  event_add(interrupt_event, nullptr);
  event_add(terminate_event, nullptr);

  bench::announce_listening(address, bench::local_port(evconnlistener_get_fd(listener)));
  event_base_dispatch(server.base);

  server.connections.clear();
  event_free(interrupt_event);
  event_free(terminate_event);
  evconnlistener_free(listener);
  event_base_free(server.base);
  libevent_global_shutdown();
  return 0;
}
