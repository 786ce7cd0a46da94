#include "apps/examples/kv_server/kv_store.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace kv {
namespace {

TEST(KvStoreTest, KeepsTheLastValueSetForEachKey) {
  KvStore store(1024);
  EXPECT_EQ(store.get("a"), std::nullopt);
  EXPECT_TRUE(store.set("a", "1"));
  EXPECT_TRUE(store.set("b", "2"));
  EXPECT_TRUE(store.set("a", "3"));
  EXPECT_EQ(store.get("a"), "3");
  EXPECT_EQ(store.get("b"), "2");
}

TEST(KvStoreTest, RefusesASetPastItsBudgetAndKeepsTheOldValue) {
  KvStore store(10);
  EXPECT_TRUE(store.set("key", "1234567"));  // 10 bytes
  EXPECT_FALSE(store.set("k", "v"));
  EXPECT_FALSE(store.set("key", "12345678"));
  EXPECT_EQ(store.get("key"), "1234567");
  EXPECT_EQ(store.get("k"), std::nullopt);
}

TEST(KvStoreTest, AReplacedValueGivesBackItsBytes) {
  KvStore store(10);
  EXPECT_TRUE(store.set("key", "1234567"));
  EXPECT_TRUE(store.set("key", "1"));  // 4 bytes now
  EXPECT_TRUE(store.set("k", "12345"));
  EXPECT_EQ(store.get("k"), "12345");
}

TEST(KvStoreThreadsTest, ThreadsSettingAndGettingAtOnceSeeEveryValueTheySet) {
  KvStore store(1 << 20);
  constexpr int kThreads = 4;
  constexpr int kKeys = 500;
  std::vector<std::thread> threads;
  std::vector<int> mismatches(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&store, &mismatches, t] {
      for (int i = 0; i < kKeys; ++i) {
        const std::string key = std::to_string(t) + "." + std::to_string(i);
        store.set(key, key);
        if (store.get(key) != key) ++mismatches[t];
        store.get(std::to_string((t + 1) % kThreads) + "." + std::to_string(i));
      }
    });
  }
  for (std::thread& thread : threads)
    thread.join();
  EXPECT_EQ(mismatches, std::vector<int>(kThreads, 0));
  EXPECT_EQ(store.get("3.499"), "3.499");
}

}  // namespace
}  // namespace kv
