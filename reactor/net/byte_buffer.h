// ByteBuffer: a contiguous byte queue (append at the back, consume from the front) that holds no
// memory while empty, so a buffer per connection costs nothing on an idle connection.
// Appending is amortised O(1): the unread bytes are moved to the front when the consumed space
// pays for the move, and the storage doubles otherwise. Sizes are 32-bit, which keeps the object
// small; append() throws std::length_error past 4 GiB.
// Ownership: owns its storage; move-only. Threads: one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace reactor {

class ByteBuffer {
 public:
  ByteBuffer() = default;
  ByteBuffer(ByteBuffer&& other) noexcept;
  ByteBuffer& operator=(ByteBuffer&& other) noexcept;
  ~ByteBuffer() = default;

  void append(std::string_view bytes);
  // Drops the first `count` unread bytes (all of them if `count` is larger); frees the storage
  // once nothing is left.
  void consume(std::size_t count);
  // Drops everything and frees the storage.
  void clear();

  const char* data() const { return storage_.get() + begin_; }
  std::size_t size() const { return end_ - begin_; }
  bool empty() const { return begin_ == end_; }
  std::string_view view() const { return {data(), size()}; }
  // Bytes of storage held (0 while empty).
  std::size_t capacity() const { return capacity_; }

 private:
  // Makes room for `count` more bytes at the back.
  void reserve_back(std::size_t count);

  std::unique_ptr<char[]> storage_;
  std::uint32_t capacity_ = 0;
  std::uint32_t begin_ = 0;  // first unread byte
  std::uint32_t end_ = 0;    // one past the last unread byte
};

static_assert(sizeof(ByteBuffer) <= 24, "a ByteBuffer is a pointer and three 32-bit offsets");

}  // namespace reactor
