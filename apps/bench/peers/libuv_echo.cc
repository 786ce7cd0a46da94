// libuv_echo: the echo server on libuv, the way its documentation describes it: uv_tcp_t handles,
// uv_read_start with a per-connection buffer, uv_try_write for the common case and one uv_write
// request (with reading stopped until it completes) for what the kernel did not take, and
// uv_signal_t handles that close every handle so uv_run returns. Single-threaded.
#include <uv.h>

#include <csignal>

#include "apps/bench/peers/peer_support.h"

namespace {

// handle.data points back here; the close callback deletes it.
struct Connection {
  uv_tcp_t handle;
  uv_write_t write_request;
  char buffer[bench::kPeerReadBufferSize];
};

void on_read(uv_stream_t* stream, ssize_t received, const uv_buf_t* buffer);

uv_stream_t* stream_of(Connection* connection) {
  return reinterpret_cast<uv_stream_t*>(&connection->handle);
}

// Deletes the Connection of a closed connection handle; other handles have data == nullptr.
void on_handle_closed(uv_handle_t* handle) {
  delete static_cast<Connection*>(handle->data);
}

void close_handle(uv_handle_t* handle) {
  if (!uv_is_closing(handle)) uv_close(handle, on_handle_closed);
}

void allocate_read_buffer(uv_handle_t* handle, size_t, uv_buf_t* buffer) {
  auto* connection = static_cast<Connection*>(handle->data);
  *buffer = uv_buf_init(connection->buffer, sizeof(connection->buffer));
}

void on_written(uv_write_t* request, int status) {
  if (status < 0) return close_handle(reinterpret_cast<uv_handle_t*>(request->handle));
  uv_read_start(request->handle, allocate_read_buffer, on_read);
}

void on_read(uv_stream_t* stream, ssize_t received, const uv_buf_t* buffer) {
  if (received < 0) return close_handle(reinterpret_cast<uv_handle_t*>(stream));
  if (received == 0) return;
  uv_buf_t pending = uv_buf_init(buffer->base, static_cast<unsigned int>(received));
  const int written = uv_try_write(stream, &pending, 1);
  if (written == received) return;
  if (written < 0 && written != UV_EAGAIN) {
    return close_handle(reinterpret_cast<uv_handle_t*>(stream));
  }
  if (written > 0) {
    pending.base += written;
    pending.len -= static_cast<unsigned int>(written);
  }
  auto* connection = static_cast<Connection*>(stream->data);
  uv_read_stop(stream);  // the buffer is in use until on_written
  uv_write(&connection->write_request, stream, &pending, 1, on_written);
}

void on_new_connection(uv_stream_t* server, int status) {
  if (status < 0) return;
  auto* connection = new Connection;
  uv_tcp_init(server->loop, &connection->handle);
  connection->handle.data = connection;
  if (uv_accept(server, stream_of(connection)) != 0) {
    return close_handle(reinterpret_cast<uv_handle_t*>(&connection->handle));
  }
  uv_tcp_nodelay(&connection->handle, 1);
  uv_read_start(stream_of(connection), allocate_read_buffer, on_read);
}

void close_any_handle(uv_handle_t* handle, void*) {
  close_handle(handle);
}

void on_termination_signal(uv_signal_t* signal, int) {
  uv_walk(signal->loop, close_any_handle, nullptr);
}

void start_termination_handle(uv_loop_t* loop, uv_signal_t* handle, int signal_number) {
  uv_signal_init(loop, handle);
  handle->data = nullptr;
  uv_signal_start(handle, on_termination_signal, signal_number);
}

void exit_on_uv_error(int status, const char* what) {
  if (status < 0) bench::exit_with_error(what, uv_strerror(status));
}

}  // namespace

int main(int argc, char** argv) {
  const bench::PeerAddress address = bench::start_peer_or_exit(argc, argv, "Echo server on libuv.");
  uv_loop_t* loop = uv_default_loop();

  uv_tcp_t server;
  uv_tcp_init(loop, &server);
  server.data = nullptr;
  exit_on_uv_error(uv_tcp_bind(&server, address.socket_address(), 0),
                   ("listen on " + address.host).c_str());
  exit_on_uv_error(uv_listen(reinterpret_cast<uv_stream_t*>(&server), SOMAXCONN, on_new_connection),
                   "listen");
  sockaddr_storage local{};
  int local_length = sizeof(local);
  exit_on_uv_error(uv_tcp_getsockname(&server, reinterpret_cast<sockaddr*>(&local), &local_length),
                   "getsockname");

  uv_signal_t interrupt_handle;
  uv_signal_t terminate_handle;
  start_termination_handle(loop, &interrupt_handle, SIGINT);
  start_termination_handle(loop, &terminate_handle, SIGTERM);

  bench::announce_listening(address, bench::port_of(reinterpret_cast<sockaddr*>(&local)));
  uv_run(loop, UV_RUN_DEFAULT);
  exit_on_uv_error(uv_loop_close(loop), "uv_loop_close");
  return 0;
}
