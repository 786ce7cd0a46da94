// ConnectionTable<T>: the open connections of a single-threaded peer server, indexed by socket
// descriptor. It owns them: erase() and clear() destroy them, and T's destructor closes the
// socket. A connection may erase itself from its own event callback, then must not touch itself.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace bench {

template <typename T>
class ConnectionTable {
 public:
  T* insert(int fd, std::unique_ptr<T> connection) {
    const auto index = static_cast<std::size_t>(fd);
    if (index >= by_fd_.size()) by_fd_.resize(index + 1);
    by_fd_[index] = std::move(connection);
    return by_fd_[index].get();
  }

  T* find(int fd) const {
    const auto index = static_cast<std::size_t>(fd);
    return index < by_fd_.size() ? by_fd_[index].get() : nullptr;
  }

  void erase(int fd) {
    const auto index = static_cast<std::size_t>(fd);
    if (index < by_fd_.size()) by_fd_[index].reset();
  }

  void clear() { by_fd_.clear(); }

 private:
  std::vector<std::unique_ptr<T>> by_fd_;
};

}  // namespace bench
