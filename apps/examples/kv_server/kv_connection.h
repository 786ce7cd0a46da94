// KvConnection: the kv_server protocol on one connection. Each request is a line ("\n" or
// "\r\n"), each answered by one line, in order:
//   SET key value   ->  OK             (the value is the rest of the line, spaces included)
//   GET key         ->  VALUE value  or  NOT_FOUND
//   QUIT            ->  BYE, then the connection closes gracefully
// Anything else gets "ERROR <why>" and the connection stays open. A line longer than 1 KiB gets
// "ERROR line too long", then a graceful close. The server's idle timeout closes a connection
// gracefully too (the peer reads EOF, not a reset).
// Ownership: owned by its TcpServer; the store must outlive it. Threads: the reactor's thread.
#pragma once

#include <cstddef>
#include <string_view>
#include <utility>

#include "apps/examples/kv_server/kv_store.h"
#include "reactor/net/line_connection.h"

namespace kv {

class KvConnection final : public reactor::LineConnection {
 public:
  static constexpr std::size_t kMaxLineLength = 1024;  // without the "\n" or "\r\n"

  KvConnection(reactor::Socket socket, KvStore& store)
      : LineConnection(std::move(socket), kMaxLineLength), store_(store) {}

 private:
  void on_line(std::string_view line) override;
  void on_line_too_long() override { send("ERROR line too long\n"); }  // then a graceful close
  void on_idle() override { close(); }  // instead of the default abort()

  void set(std::string_view arguments);
  void get(std::string_view key);

  KvStore& store_;
};

}  // namespace kv
