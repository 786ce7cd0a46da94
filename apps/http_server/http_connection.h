// HttpConnection: HTTP/1.1 on one connection. It parses the requests in place from the bytes
// Connection::on_data() hands it (RequestParser), answers each complete one into the thread's
// OutputBatch and sends all the answers to one read in one send(), in request order. Routes:
// GET/HEAD "/" and "/plaintext" (Hello, World!), POST "/echo" (the body back), and with a file
// root, GET/HEAD of the files under it, streamed in bounded chunks: the next chunk is read only
// once the kernel took the last (on_drained()), so a slow reader holds one chunk, never the file.
// Requests that arrive meanwhile wait in a buffer of the connection's own, and reading pauses.
// A protocol error is answered (400, 408, 413, 431, 501, 505, ...) with "Connection: close", then
// the connection closes gracefully (Connection::close() lingers, so the client gets the answer
// even if it sent more). A request head not complete within ServingSettings::request_timeout of
// its first byte gets 408; an idle keep-alive connection is closed by its server's IdleTracker.
// Ownership: owned by its TcpServer (or a test harness); the ServingState must outlive it.
// Threads: the reactor's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "apps/http_server/file_handle.h"
#include "apps/http_server/http_status.h"
#include "apps/http_server/request_parser.h"
#include "apps/http_server/serving_state.h"
#include "reactor/core/timer.h"
#include "reactor/net/byte_buffer.h"
#include "reactor/net/connection.h"

namespace http {

class HttpConnection final : public reactor::Connection {
 public:
  HttpConnection(reactor::Socket socket, ServingState& state);

  // Connection limits that let a request within the settings' limits be buffered whole.
  static Limits connection_limits(const ServingSettings& settings);

 private:
  // A file being sent: what is left of it.
  struct FileStream {
    FileHandle file;
    std::uint64_t offset = 0;
    std::uint64_t left = 0;
  };

  std::size_t on_data(std::string_view bytes) override;
  void on_drained() override;
  void on_idle() override;

  // Answers the complete requests at the front of `bytes`, stopping at an incomplete one, a close
  // or a file still streaming; flushes the answers and returns the bytes of the requests answered.
  std::size_t serve(std::string_view bytes);
  // Serves what waited in pending_ (while a file streamed, or an incomplete request after it).
  void serve_pending();
  // An incomplete request at the front of `request`: starts the head timeout, or sends
  // 100 Continue once the head is in.
  void await_rest();
  void respond(std::string_view request);
  void respond_plaintext(Method method);
  void respond_echo(std::string_view request);
  void respond_file(Method method, std::string_view path);
  // A well-formed request the server cannot serve (403, 404, 405 with `allow`): the connection
  // stays open if the request allows.
  void respond_refusal(Status status, std::string_view allow = {});
  // A protocol error: answered, then the connection closes.
  void fail(Status status);
  // Status line, Server, Date and the Connection header the response needs.
  void begin_response(Status status);
  ConnectionHeader connection_header() const;
  void append(std::string_view bytes) { state_.batch.append(*this, bytes); }
  void append_number(std::uint64_t value);
  // The response is done: closes if the request did not keep the connection alive.
  void end_response();
  bool streaming() const { return file_.file.valid(); }
  // Sends file chunks while the kernel takes them whole.
  void pump_file();
  void head_timed_out();

  ServingState& state_;
  RequestParser parser_;
  reactor::CallbackTimer head_timer_;
  FileStream file_;
  reactor::ByteBuffer pending_;
  bool keep_alive_ = true;  // of the request being answered
  bool http10_ = false;     // the request being answered is HTTP/1.0
  bool continue_sent_ = false;
};

}  // namespace http
