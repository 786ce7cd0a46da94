#include "apps/examples/kv_server/kv_store.h"

#include <utility>

namespace kv {

bool KvStore::set(std::string_view key, std::string_view value) {
  std::string owned_key(key);  // made before locking: the lock is held for the map alone
  const std::lock_guard<std::mutex> lock(mutex_);
  const auto found = values_.find(owned_key);
  const std::size_t replaced = found == values_.end() ? 0 : key.size() + found->second.size();
  const std::size_t bytes = bytes_ - replaced + key.size() + value.size();
  if (bytes > max_bytes_) return false;
  if (found == values_.end()) {
    values_.emplace(std::move(owned_key), value);
  } else {
    found->second.assign(value);
  }
  bytes_ = bytes;
  return true;
}

std::optional<std::string> KvStore::get(std::string_view key) const {
  const std::string owned_key(key);
  const std::lock_guard<std::mutex> lock(mutex_);
  const auto found = values_.find(owned_key);
  if (found == values_.end()) return std::nullopt;
  return found->second;
}

}  // namespace kv
