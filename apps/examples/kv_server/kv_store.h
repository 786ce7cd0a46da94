// KvStore: the keys and values of kv_server, one store shared by every connection on every
// thread. A mutex guards the map, held for one lookup or one insert at a time. The store is
// bounded: a SET that would take it past its byte budget is refused, so that clients cannot grow
// the server's memory without bound.
// Ownership: owns copies of its keys and values. Threads: any thread.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace kv {

class KvStore {
 public:
  // `max_bytes` bounds the keys and values held, counted together.
  explicit KvStore(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // Sets `key` to `value`; false (and nothing changed) if that would pass the byte budget.
  bool set(std::string_view key, std::string_view value);
  // The value of `key`, or std::nullopt if it has none.
  std::optional<std::string> get(std::string_view key) const;

 private:
  const std::size_t max_bytes_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::string> values_;
  std::size_t bytes_ = 0;  // keys and values in values_
};

}  // namespace kv
