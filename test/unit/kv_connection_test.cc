// kv_server's protocol, unit-tested with the library's test kit: no network, no sleeps.
#include "apps/examples/kv_server/kv_connection.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>

#include "apps/examples/kv_server/kv_store.h"
#include "reactor/testing/connection_harness_gtest.h"

namespace kv {
namespace {

using reactor::CloseKind;
using reactor::CloseReason;
using reactor::testing::ConnectionHarness;

class KvConnectionTest : public reactor::testing::ConnectionHarnessTest<KvConnection> {
 protected:
  // A connection on `store`, as kv_server makes them.
  ConnectionHarness& open_on_store() { return open(std::ref(store)); }

  KvStore store{1 << 20};
};

TEST_F(KvConnectionTest, AValueSetCanBeGot) {
  ConnectionHarness& harness = open_on_store();
  EXPECT_EQ(harness.round_trip("SET greeting hello\n"), "OK\n");
  EXPECT_EQ(harness.round_trip("GET greeting\n"), "VALUE hello\n");
}

TEST_F(KvConnectionTest, AKeyNeverSetIsNotFound) {
  ConnectionHarness& harness = open_on_store();
  EXPECT_EQ(harness.round_trip("GET nothing\n"), "NOT_FOUND\n");
}

TEST_F(KvConnectionTest, TheValueIsTheRestOfTheLineSpacesIncluded) {
  ConnectionHarness& harness = open_on_store();
  EXPECT_EQ(harness.round_trip("SET greeting hello  world \n"), "OK\n");
  EXPECT_EQ(harness.round_trip("GET greeting\n"), "VALUE hello  world \n");
}

TEST_F(KvConnectionTest, ASecondSetReplacesTheValue) {
  ConnectionHarness& harness = open_on_store();
  EXPECT_EQ(harness.round_trip("SET k one\nSET k two\nGET k\n"), "OK\nOK\nVALUE two\n");
}

TEST_F(KvConnectionTest, APartialLineWaitsForTheRest) {
  ConnectionHarness& harness = open_on_store();
  EXPECT_EQ(harness.round_trip("SET k"), "");
  EXPECT_EQ(harness.round_trip(" v"), "");
  EXPECT_EQ(harness.round_trip("\nGET "), "OK\n");
  EXPECT_EQ(harness.round_trip("k\n"), "VALUE v\n");
}

TEST_F(KvConnectionTest, PipelinedCommandsAreAnsweredInOrder) {
  ConnectionHarness& harness = open_on_store();
  harness.peer_write("SET a 1\nGET a\n");
  harness.peer_write("GET b\nSET b 2\nGET b\n");
  harness.run_until_idle();
  EXPECT_EQ(harness.take_output(), "OK\nVALUE 1\nNOT_FOUND\nOK\nVALUE 2\n");
}

TEST_F(KvConnectionTest, CarriageReturnNewlineEndsACommandToo) {
  ConnectionHarness& harness = open_on_store();
  EXPECT_EQ(harness.round_trip("SET k v\r\nGET k\r\n"), "OK\nVALUE v\n");
}

TEST_F(KvConnectionTest, QuitSaysByeThenClosesGracefully) {
  ConnectionHarness& harness = open_on_store();
  EXPECT_EQ(harness.round_trip("SET k v\nQUIT\nGET k\n"), "OK\nBYE\n");
  EXPECT_TRUE(harness.peer_saw_eof());
  harness.peer_shutdown();
  harness.run_until_idle();
  EXPECT_EQ(harness.close_reason(), (CloseReason{CloseKind::kLocalClose, 0}));
}

TEST_F(KvConnectionTest, ALineOverOneKibibyteIsAnsweredThenClosedGracefully) {
  ConnectionHarness& harness = open_on_store();
  const std::string too_long = "SET k " + std::string(KvConnection::kMaxLineLength, 'v');
  EXPECT_EQ(harness.round_trip(too_long + "\nGET k\n"), "ERROR line too long\n");
  EXPECT_TRUE(harness.peer_saw_eof());
  harness.peer_shutdown();
  harness.run_until_idle();
  EXPECT_EQ(harness.close_reason(), (CloseReason{CloseKind::kLocalClose, 0}));
  EXPECT_EQ(store.get("k"), std::nullopt);
}

TEST_F(KvConnectionTest, ALongLineIsAnsweredBeforeItsEndArrives) {
  ConnectionHarness& harness = open_on_store();
  EXPECT_EQ(harness.round_trip(std::string(KvConnection::kMaxLineLength + 1, 'x')),
            "ERROR line too long\n");
  EXPECT_TRUE(harness.peer_saw_eof());
}

TEST_F(KvConnectionTest, ALineOfExactlyOneKibibyteIsServed) {
  ConnectionHarness& harness = open_on_store();
  const std::string value(KvConnection::kMaxLineLength - 6, 'v');  // "SET k " + value
  EXPECT_EQ(harness.round_trip("SET k " + value + "\r\n"), "OK\n");
  EXPECT_EQ(harness.round_trip("GET k\n"), "VALUE " + value + "\n");
}

TEST_F(KvConnectionTest, AnUnknownCommandIsAnErrorAndTheConnectionStaysOpen) {
  ConnectionHarness& harness = open_on_store();
  EXPECT_EQ(harness.round_trip("DELETE k\n"), "ERROR unknown command\n");
  EXPECT_EQ(harness.round_trip("set k v\n"), "ERROR unknown command\n");  // commands are upper case
  EXPECT_EQ(harness.round_trip("\n"), "ERROR unknown command\n");
  EXPECT_EQ(harness.round_trip("QUIT now\n"), "ERROR unknown command\n");
  EXPECT_EQ(harness.round_trip("SET k v\n"), "OK\n");
  EXPECT_FALSE(harness.peer_saw_eof());
}

TEST_F(KvConnectionTest, AMalformedCommandIsAnErrorAndTheConnectionStaysOpen) {
  ConnectionHarness& harness = open_on_store();
  EXPECT_EQ(harness.round_trip("SET\n"), "ERROR usage: SET key value\n");
  EXPECT_EQ(harness.round_trip("SET k\n"), "ERROR usage: SET key value\n");
  EXPECT_EQ(harness.round_trip("SET k \n"), "ERROR usage: SET key value\n");
  EXPECT_EQ(harness.round_trip("SET  v\n"), "ERROR usage: SET key value\n");
  EXPECT_EQ(harness.round_trip("GET\n"), "ERROR usage: GET key\n");
  EXPECT_EQ(harness.round_trip("GET a b\n"), "ERROR usage: GET key\n");
  EXPECT_EQ(harness.round_trip("GET k\n"), "NOT_FOUND\n");
  EXPECT_FALSE(harness.peer_saw_eof());
}

TEST_F(KvConnectionTest, ASetPastTheStoreBudgetIsRefused) {
  KvStore small(8);
  ConnectionHarness& harness = open(std::ref(small));
  EXPECT_EQ(harness.round_trip("SET key 12345\n"), "OK\n");  // 8 bytes: full
  EXPECT_EQ(harness.round_trip("SET k2 x\n"), "ERROR store full\n");
  EXPECT_EQ(harness.round_trip("GET k2\n"), "NOT_FOUND\n");
}

TEST_F(KvConnectionTest, AnIdleConnectionIsClosedGracefullyWhenTheTimeoutPasses) {
  options.idle_timeout = std::chrono::seconds(30);
  ConnectionHarness& harness = open_on_store();
  harness.advance(std::chrono::seconds(20));
  EXPECT_EQ(harness.round_trip("SET k v\n"), "OK\n");  // a request restarts the wait
  harness.advance(std::chrono::seconds(29));
  EXPECT_EQ(harness.take_output(), "");
  EXPECT_FALSE(harness.peer_saw_eof());
  harness.advance(std::chrono::seconds(1));
  EXPECT_EQ(harness.take_output(), "");
  EXPECT_TRUE(harness.peer_saw_eof());  // a graceful close, not a reset
  harness.peer_shutdown();
  harness.run_until_idle();
  EXPECT_EQ(harness.close_reason(), (CloseReason{CloseKind::kLocalClose, 0}));
}

}  // namespace
}  // namespace kv
