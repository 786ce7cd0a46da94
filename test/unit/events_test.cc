// Interest and Readiness as values: the set operations, the one mixed AND the dispatch relies on,
// the kernel translation, and printing. What must not compile is in test/compile_fail/.
#include "reactor/core/events.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/epoll.h>

#include <sstream>
#include <string>

namespace reactor {
namespace {

template <typename Set>
std::string printed(Set set) {
  std::ostringstream out;
  out << set;
  return out.str();
}

TEST(InterestTest, TheComplementStaysWithinReadAndWrite) {
  EXPECT_EQ(~kRead, kWrite);
  EXPECT_EQ(~kWrite, kRead);
  EXPECT_EQ(~kNoInterest, kRead | kWrite);
  EXPECT_EQ(~(kRead | kWrite), kNoInterest);
}

TEST(InterestTest, SetOperationsCombineAndRemoveBits) {
  Interest interest = kRead;
  interest |= kWrite;
  EXPECT_EQ(interest, kRead | kWrite);
  interest &= ~kRead;
  EXPECT_EQ(interest, kWrite);
  EXPECT_EQ(interest ^ kWrite, kNoInterest);
  EXPECT_EQ((kRead | kWrite) & kWrite, kWrite);
}

TEST(InterestTest, ContainsAsksForEveryBitOfItsArgument) {
  EXPECT_TRUE((kRead | kWrite).contains(kRead));
  EXPECT_TRUE(kRead.contains(kNoInterest));
  EXPECT_FALSE(kRead.contains(kRead | kWrite));
  EXPECT_FALSE(kNoInterest.contains(kWrite));
}

TEST(InterestTest, IsTrueExactlyWhenNotEmpty) {
  EXPECT_FALSE(kNoInterest);
  EXPECT_FALSE(Interest{});
  EXPECT_TRUE(kRead);
  EXPECT_FALSE(kRead & kWrite);
}

TEST(InterestTest, KernelBitsAreEpollsAndPolls) {
  EXPECT_EQ(kRead.kernel_bits(), static_cast<std::uint32_t>(EPOLLIN));
  EXPECT_EQ(kWrite.kernel_bits(), static_cast<std::uint32_t>(POLLOUT));
  EXPECT_EQ((kRead | kWrite).kernel_bits(), static_cast<std::uint32_t>(EPOLLIN | EPOLLOUT));
  EXPECT_EQ(kNoInterest.kernel_bits(), 0u);
}

TEST(ReadinessTest, FromKernelKeepsTheFourKnownBitsAndDropsTheRest) {
  EXPECT_EQ(Readiness::from_kernel(EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP),
            kReadable | kWritable | kError | kHangup);
  EXPECT_EQ(Readiness::from_kernel(EPOLLIN | EPOLLRDHUP | EPOLLPRI), kReadable);
  EXPECT_EQ(Readiness::from_kernel(EPOLLET | EPOLLONESHOT), Readiness{});
}

TEST(ReadinessTest, AndWithAnInterestKeepsOnlyWhatItAsksFor) {
  const Readiness everything = kReadable | kWritable | kError | kHangup;
  EXPECT_EQ(everything & kRead, kReadable);
  EXPECT_EQ(kWrite & everything, kWritable);
  EXPECT_EQ(everything & (kRead | kWrite), kReadable | kWritable);
  EXPECT_EQ((kError | kHangup) & (kRead | kWrite), Readiness{}) << "failures are never asked for";
  EXPECT_FALSE(kWritable & kRead);
}

TEST(ReadinessTest, SetOperationsAndContains) {
  Readiness readiness = kReadable;
  readiness |= kHangup;
  EXPECT_TRUE(readiness.contains(kReadable | kHangup));
  EXPECT_FALSE(readiness.contains(kError));
  readiness &= kHangup | kError;
  EXPECT_EQ(readiness, kHangup);
  EXPECT_TRUE(readiness);
  EXPECT_FALSE(Readiness{});
}

TEST(EventsPrintingTest, PrintsTheConstantsNames) {
  EXPECT_EQ(printed(kNoInterest), "kNoInterest");
  EXPECT_EQ(printed(kRead | kWrite), "kRead|kWrite");
  EXPECT_EQ(printed(Readiness{}), "Readiness{}");
  EXPECT_EQ(printed(kReadable | kHangup), "kReadable|kHangup");
  EXPECT_EQ(printed(kWritable | kError), "kWritable|kError");
}

}  // namespace
}  // namespace reactor
