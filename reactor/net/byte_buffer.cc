#include "reactor/net/byte_buffer.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <utility>

namespace reactor {
namespace {

constexpr std::size_t kMaxCapacity = std::numeric_limits<std::uint32_t>::max();

}  // namespace

ByteBuffer::ByteBuffer(ByteBuffer&& other) noexcept
    : storage_(std::move(other.storage_)),
      capacity_(std::exchange(other.capacity_, 0)),
      begin_(std::exchange(other.begin_, 0)),
      end_(std::exchange(other.end_, 0)) {}

ByteBuffer& ByteBuffer::operator=(ByteBuffer&& other) noexcept {
  if (this != &other) {
    storage_ = std::move(other.storage_);
    capacity_ = std::exchange(other.capacity_, 0);
    begin_ = std::exchange(other.begin_, 0);
    end_ = std::exchange(other.end_, 0);
  }
  return *this;
}

void ByteBuffer::append(std::string_view bytes) {
  if (bytes.empty()) return;
  reserve_back(bytes.size());
  std::memcpy(storage_.get() + end_, bytes.data(), bytes.size());
  end_ += static_cast<std::uint32_t>(bytes.size());
}

void ByteBuffer::consume(std::size_t count) {
  if (count >= size()) {
    clear();
  } else {
    begin_ += static_cast<std::uint32_t>(count);
  }
}

void ByteBuffer::clear() {
  storage_.reset();
  capacity_ = begin_ = end_ = 0;
}

void ByteBuffer::reserve_back(std::size_t count) {
  if (count <= capacity_ - end_) return;
  const std::size_t unread = size();
  if (count > kMaxCapacity - unread) throw std::length_error("ByteBuffer: over 4 GiB");
  const std::size_t needed = unread + count;
  // Moving the unread bytes is paid for by the consumed bytes in front of them (at least as
  // many), so every byte is moved at most once per byte consumed.
  if (needed <= capacity_ && begin_ >= unread) {
    std::memmove(storage_.get(), data(), unread);
  } else {
    const std::size_t grown = std::min(std::max(needed, std::size_t{2} * capacity_), kMaxCapacity);
    std::unique_ptr<char[]> storage(new char[grown]);  // not zeroed: it is written before read
    if (unread != 0) std::memcpy(storage.get(), data(), unread);
    storage_ = std::move(storage);
    capacity_ = static_cast<std::uint32_t>(grown);
  }
  begin_ = 0;
  end_ = static_cast<std::uint32_t>(unread);
}

}  // namespace reactor
