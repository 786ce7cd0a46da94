// OutputBatch: where a thread's HTTP connections write their responses, so that all the responses
// to the requests of one read leave in one send(). A connection appends its responses and flushes
// before its callback returns; the batch is empty between callbacks, which is why one batch can
// serve every connection of a thread. Bytes that do not fit are flushed first; a piece larger
// than the whole batch goes to the connection directly.
// Ownership: owns a fixed buffer, allocated once. Threads: one reactor thread.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "reactor/net/connection.h"

namespace http {

class OutputBatch {
 public:
  static constexpr std::size_t kCapacity = 64 << 10;

  OutputBatch() : buffer_(new char[kCapacity]) {}

  // Appends `bytes` for `connection`, flushing first if they do not fit.
  void append(reactor::Connection& connection, std::string_view bytes);
  // Sends what is batched to `connection` (which ignores it once closing) and empties the batch.
  void flush(reactor::Connection& connection);

  // Room at the end, at least `at_least` bytes (flushing to `connection` first if need be), for a
  // producer that writes in place and then commit()s; `at_least` <= kCapacity.
  char* room(reactor::Connection& connection, std::size_t at_least);
  std::size_t room_size() const { return kCapacity - size_; }
  void commit(std::size_t count) { size_ += count; }

  bool empty() const { return size_ == 0; }

 private:
  std::unique_ptr<char[]> buffer_;
  std::size_t size_ = 0;
};

}  // namespace http
