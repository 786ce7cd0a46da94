#include "apps/http_server/output_batch.h"

#include <cstring>

namespace http {

void OutputBatch::append(reactor::Connection& connection, std::string_view bytes) {
  if (bytes.size() > kCapacity - size_) {
    flush(connection);
    if (bytes.size() > kCapacity) {
      connection.send(bytes);
      return;
    }
  }
  std::memcpy(buffer_.get() + size_, bytes.data(), bytes.size());
  size_ += bytes.size();
}

void OutputBatch::flush(reactor::Connection& connection) {
  if (size_ == 0) return;
  connection.send({buffer_.get(), size_});
  size_ = 0;
}

char* OutputBatch::room(reactor::Connection& connection, std::size_t at_least) {
  if (room_size() < at_least) flush(connection);
  return buffer_.get() + size_;
}

}  // namespace http
