// Task: the move-only callable behind Reactor::post() and run_in_loop().
#include "reactor/core/task.h"

#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <string>
#include <utility>

namespace reactor {
namespace {

// Counts its live copies, to show that a task destroys what it holds exactly once.
struct Tracked {
  explicit Tracked(int& counter) : live(&counter) { ++counter; }
  Tracked(Tracked&& other) noexcept : live(other.live) { ++*live; }
  Tracked(const Tracked&) = delete;
  ~Tracked() { --*live; }
  int* live;
};

TEST(TaskTest, AMoveOnlyCallableCanBeHeldAndRun) {
  auto value = std::make_unique<int>(42);
  int seen = 0;
  Task task([value = std::move(value), &seen] { seen = *value; });
  ASSERT_TRUE(task);
  task();
  EXPECT_EQ(seen, 42);
}

TEST(TaskTest, MovingATaskMovesItsCallableAndEmptiesTheSource) {
  int seen = 0;
  Task first([&seen] { ++seen; });
  Task second(std::move(first));
  EXPECT_FALSE(first);  // NOLINT(bugprone-use-after-move): moved-from is defined empty
  second();
  Task third;
  third = std::move(second);
  third();
  EXPECT_EQ(seen, 2);
}

TEST(TaskTest, ACallableTooLargeToFitInsideIsHeldAndMovedAsWell) {
  std::array<char, 256> big{};
  big[255] = 'x';
  char seen = 0;
  Task task([big, &seen] { seen = big[255]; });
  Task moved(std::move(task));
  moved();
  EXPECT_EQ(seen, 'x');
}

TEST(TaskTest, TheHeldCallableIsDestroyedOnceWhateverItsSize) {
  int live = 0;
  {
    Task small([tracked = Tracked(live)] {});
    Task large([tracked = Tracked(live), padding = std::array<char, 128>{}] {});
    EXPECT_EQ(live, 2);
    Task small_moved(std::move(small));
    Task large_moved(std::move(large));
    EXPECT_EQ(live, 2);
    small_moved = std::move(large_moved);
    EXPECT_EQ(live, 1);
  }
  EXPECT_EQ(live, 0);
}

TEST(TaskTest, AnEmptyTaskConvertsToFalse) {
  EXPECT_FALSE(Task());
  EXPECT_FALSE(Task(nullptr));
}

}  // namespace
}  // namespace reactor
