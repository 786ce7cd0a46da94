#include "reactor/net/byte_buffer.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace reactor {
namespace {

TEST(ByteBuffer, StartsEmptyWithoutStorage) {
  ByteBuffer buffer;
  EXPECT_TRUE(buffer.empty());
  EXPECT_EQ(buffer.size(), 0u);
  EXPECT_EQ(buffer.capacity(), 0u);
  EXPECT_EQ(buffer.view(), "");
}

TEST(ByteBuffer, AppendThenConsumeInOrder) {
  ByteBuffer buffer;
  buffer.append("hello ");
  buffer.append("world");
  EXPECT_EQ(buffer.view(), "hello world");
  EXPECT_EQ(buffer.size(), 11u);
  buffer.consume(6);
  EXPECT_EQ(buffer.view(), "world");
  EXPECT_EQ(std::string(buffer.data(), buffer.size()), "world");
}

TEST(ByteBuffer, AppendingNothingAllocatesNothing) {
  ByteBuffer buffer;
  buffer.append("");
  EXPECT_EQ(buffer.capacity(), 0u);
}

TEST(ByteBuffer, ConsumingEverythingReleasesStorage) {
  ByteBuffer buffer;
  buffer.append("abc");
  EXPECT_GE(buffer.capacity(), 3u);
  buffer.consume(3);
  EXPECT_TRUE(buffer.empty());
  EXPECT_EQ(buffer.capacity(), 0u);
}

TEST(ByteBuffer, ConsumingMoreThanHeldEmptiesIt) {
  ByteBuffer buffer;
  buffer.append("abc");
  buffer.consume(100);
  EXPECT_TRUE(buffer.empty());
  EXPECT_EQ(buffer.capacity(), 0u);
}

TEST(ByteBuffer, ClearReleasesStorage) {
  ByteBuffer buffer;
  buffer.append(std::string(1000, 'x'));
  buffer.clear();
  EXPECT_TRUE(buffer.empty());
  EXPECT_EQ(buffer.capacity(), 0u);
  buffer.append("again");
  EXPECT_EQ(buffer.view(), "again");
}

TEST(ByteBuffer, CompactsInsteadOfGrowingWhenConsumedSpacePaysForIt) {
  ByteBuffer buffer;
  buffer.append(std::string(100, 'a'));
  ASSERT_EQ(buffer.capacity(), 100u);
  buffer.consume(60);  // 40 unread behind 60 consumed
  buffer.append(std::string(50, 'b'));
  EXPECT_EQ(buffer.capacity(), 100u);
  EXPECT_EQ(buffer.view(), std::string(40, 'a') + std::string(50, 'b'));
}

TEST(ByteBuffer, GrowsByDoublingWhenUnreadBytesOutweighConsumedOnes) {
  ByteBuffer buffer;
  buffer.append(std::string(100, 'a'));
  buffer.consume(10);  // 90 unread behind only 10 consumed: moving them is not paid for
  buffer.append(std::string(5, 'b'));
  EXPECT_EQ(buffer.capacity(), 200u);
  EXPECT_EQ(buffer.view(), std::string(90, 'a') + std::string(5, 'b'));
}

TEST(ByteBuffer, GrowsToFitALargeAppend) {
  ByteBuffer buffer;
  buffer.append("ab");
  buffer.append(std::string(1000, 'c'));
  EXPECT_EQ(buffer.capacity(), 1002u);
  EXPECT_EQ(buffer.view(), "ab" + std::string(1000, 'c'));
}

// A queue that stays short while bytes stream through it keeps its storage small: appends reuse
// the consumed space instead of growing without bound.
TEST(ByteBuffer, SteadyStreamKeepsCapacityBounded) {
  ByteBuffer buffer;
  std::string expected;
  std::size_t next = 0;
  for (int round = 0; round < 100000; ++round) {
    const std::string chunk(1 + round % 7, static_cast<char>('a' + round % 26));
    buffer.append(chunk);
    expected += chunk;
    const std::size_t take = buffer.size() > 64 ? buffer.size() - 32 : 0;
    ASSERT_EQ(buffer.view().substr(0, take), std::string_view(expected).substr(next, take));
    buffer.consume(take);
    next += take;
  }
  EXPECT_LE(buffer.capacity(), 512u);
}

TEST(ByteBuffer, MoveTransfersContentAndEmptiesSource) {
  ByteBuffer source;
  source.append("payload");
  source.consume(3);
  ByteBuffer moved(std::move(source));
  EXPECT_EQ(moved.view(), "load");
  EXPECT_TRUE(source.empty());  // NOLINT(bugprone-use-after-move): defined as empty
  EXPECT_EQ(source.capacity(), 0u);

  ByteBuffer assigned;
  assigned.append("old");
  assigned = std::move(moved);
  EXPECT_EQ(assigned.view(), "load");
  EXPECT_TRUE(moved.empty());  // NOLINT(bugprone-use-after-move)
  source.append("reused");
  EXPECT_EQ(source.view(), "reused");
}

}  // namespace
}  // namespace reactor
