// GoogleTest support for ConnectionHarness, for projects that use GoogleTest (the harness itself
// needs none): ConnectionHarnessTest<T>, a fixture that opens a harness on a T. (A failed
// comparison of CloseReasons prints them in words through their operator<<.)
//
//   using KvTest = reactor::testing::ConnectionHarnessTest<KvConnection>;
//   TEST_F(KvTest, AnswersGet) {
//     open();  // KvConnection(Socket)
//     EXPECT_EQ(harness().round_trip("GET k\n"), "NOT_FOUND\n");
//   }
//
// Ownership: the fixture owns its harness. Threads: GoogleTest's test thread.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <utility>

#include "reactor/testing/connection_harness.h"

namespace reactor::testing {

template <typename T>
class ConnectionHarnessTest : public ::testing::Test {
 protected:
  // Opens the harness on a T made as T(socket, args...), with `options` as set by then.
  template <typename... Args>
  ConnectionHarness& open(Args... args) {
    harness_.emplace(
        [args...](Socket socket) { return std::make_unique<T>(std::move(socket), args...); },
        options);
    return *harness_;
  }

  // Only after open().
  ConnectionHarness& harness() { return *harness_; }
  T& connection() { return harness_->template connection<T>(); }

  ConnectionHarness::Options options;

 private:
  std::optional<ConnectionHarness> harness_;
};

}  // namespace reactor::testing
