// The Poller contract (reactor/core/poller.h), checked against every poller: the kernel ones on
// real socket pairs, the mock with the same readiness injected. A PollerAdaptor turns "make this
// fd readable" into real I/O or into an injection.
#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "reactor/core/poller.h"
#include "reactor/core/reactor.h"
#include "reactor/poller/make_poller.h"
#include "reactor/testing/manual_clock.h"
#include "reactor/testing/mock_poller.h"
#include "reactor/testing/socket_pair.h"
#include "test/unit/recording_handler.h"

namespace reactor::testing {
namespace {

// Makes one kind of poller and drives the readiness of socket pairs for it.
class PollerAdaptor {
 public:
  virtual ~PollerAdaptor() = default;
  virtual std::unique_ptr<Poller> make_poller() = 0;
  // `pair` was just opened; its local end is writable, as an idle socket is.
  virtual void opened(const SocketPair& /*pair*/) {}
  // Makes the local end of `pair` readable: data arrives from the peer.
  virtual void make_readable(SocketPair& pair) { pair.send_to_local(); }
  // The peer of `pair` goes away: the local end sees a hang-up (and end of file).
  virtual void hang_up(SocketPair& pair) { pair.close_peer(); }
};

// The epoll and poll pollers: the kernel reports what real I/O did.
class KernelPollerAdaptor final : public PollerAdaptor {
 public:
  explicit KernelPollerAdaptor(std::string_view name) : name_(name) {}
  std::unique_ptr<Poller> make_poller() override { return reactor::make_poller(name_); }

 private:
  std::string name_;
};

// The mock: the same I/O is done, and the readiness a kernel would see is injected.
class MockPollerAdaptor final : public PollerAdaptor {
 public:
  std::unique_ptr<Poller> make_poller() override {
    auto poller = std::make_unique<MockPoller>();
    mock_ = poller.get();
    return poller;
  }
  void opened(const SocketPair& pair) override { mock_->set_ready(pair.local(), kWritable); }
  void make_readable(SocketPair& pair) override {
    PollerAdaptor::make_readable(pair);
    add_level(pair.local(), kReadable);
  }
  void hang_up(SocketPair& pair) override {
    PollerAdaptor::hang_up(pair);
    add_level(pair.local(), kReadable | kHangup);
  }

 private:
  void add_level(int fd, Readiness readiness) {
    levels_[fd] |= readiness;
    mock_->set_ready(fd, levels_[fd] | kWritable);
  }

  MockPoller* mock_ = nullptr;  // owned by whoever owns the poller
  std::map<int, Readiness> levels_;
};

std::unique_ptr<PollerAdaptor> make_adaptor(std::string_view name) {
  if (name == "mock") return std::make_unique<MockPollerAdaptor>();
  return std::make_unique<KernelPollerAdaptor>(name);
}

class PollerContractTest : public ::testing::TestWithParam<std::string_view> {
 protected:
  PollerContractTest() : adaptor_(make_adaptor(GetParam())), poller_(adaptor_->make_poller()) {}

  SocketPair& open() {
    pairs_.push_back(std::make_unique<SocketPair>());
    adaptor_->opened(*pairs_.back());
    return *pairs_.back();
  }
  std::vector<Poller::Event> wait() {
    std::vector<Poller::Event> events;
    poller_->wait(0, events);
    return events;
  }
  // Readiness reported for `token` by one wait, which must report it at most once.
  Readiness readiness_of(const EventHandler& token) {
    Readiness readiness{};
    int reports = 0;
    for (const Poller::Event& event : wait()) {
      if (event.handler != &token) continue;
      readiness = event.readiness;
      ++reports;
    }
    EXPECT_LE(reports, 1) << "an fd was reported more than once in one wait";
    return readiness;
  }

  std::unique_ptr<PollerAdaptor> adaptor_;
  std::unique_ptr<Poller> poller_;
  std::vector<std::unique_ptr<SocketPair>> pairs_;
  RecordingHandler token_;  // handlers are opaque tokens to a poller
  RecordingHandler other_token_;
};

TEST_P(PollerContractTest, HasItsName) {
  EXPECT_EQ(poller_->name(), GetParam());
}

TEST_P(PollerContractTest, ReportsReadinessOfAnAddedFd) {
  SocketPair& pair = open();
  poller_->add(pair.local(), kRead, &token_);
  EXPECT_EQ(readiness_of(token_), Readiness{});

  adaptor_->make_readable(pair);
  EXPECT_EQ(readiness_of(token_), kReadable);
}

TEST_P(PollerContractTest, ReadinessIsLevelTriggered) {
  SocketPair& pair = open();
  poller_->add(pair.local(), kRead, &token_);
  adaptor_->make_readable(pair);
  EXPECT_EQ(readiness_of(token_), kReadable);
  EXPECT_EQ(readiness_of(token_), kReadable) << "unread data must be reported again";
}

TEST_P(PollerContractTest, ReadinessIsFilteredByInterest) {
  SocketPair& writer = open();
  SocketPair& idle = open();
  poller_->add(writer.local(), kWrite, &token_);
  poller_->add(idle.local(), kNoInterest, &other_token_);
  adaptor_->make_readable(writer);
  adaptor_->make_readable(idle);

  const auto events = wait();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].handler, &token_);
  EXPECT_EQ(events[0].readiness, kWritable);
}

TEST_P(PollerContractTest, ModifyChangesTheInterestAndTheToken) {
  SocketPair& pair = open();
  poller_->add(pair.local(), kRead, &token_);
  adaptor_->make_readable(pair);

  poller_->modify(pair.local(), kWrite, &other_token_);
  auto events = wait();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].handler, &other_token_);
  EXPECT_EQ(events[0].readiness, kWritable);

  poller_->modify(pair.local(), kRead | kWrite, &token_);
  EXPECT_EQ(readiness_of(token_), kReadable | kWritable);

  poller_->modify(pair.local(), kNoInterest, &token_);
  EXPECT_TRUE(wait().empty());
}

TEST_P(PollerContractTest, RemovedFdIsNoLongerReported) {
  SocketPair& pair = open();
  SocketPair& kept = open();
  poller_->add(pair.local(), kRead | kWrite, &token_);
  poller_->add(kept.local(), kWrite, &other_token_);
  adaptor_->make_readable(pair);

  poller_->remove(pair.local(), &token_);
  const auto events = wait();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].handler, &other_token_);
}

TEST_P(PollerContractTest, EachFdIsReportedAtMostOncePerWait) {
  SocketPair& pair = open();
  SocketPair& other = open();
  poller_->add(pair.local(), kRead | kWrite, &token_);
  poller_->add(other.local(), kRead, &other_token_);
  adaptor_->make_readable(pair);
  adaptor_->make_readable(pair);
  adaptor_->make_readable(other);

  const auto events = wait();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_NE(events[0].handler, events[1].handler);
  for (const Poller::Event& event : events) {
    EXPECT_EQ(event.readiness, event.handler == &token_ ? kReadable | kWritable : kReadable);
  }
}

TEST_P(PollerContractTest, WaitAppendsToTheEventsItIsGiven) {
  SocketPair& pair = open();
  poller_->add(pair.local(), kWrite, &token_);
  std::vector<Poller::Event> events{{&other_token_, kReadable}};
  poller_->wait(0, events);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].handler, &other_token_);
  EXPECT_EQ(events[1].handler, &token_);
}

TEST_P(PollerContractTest, DuplicateAddThrowsSystemError) {
  SocketPair& pair = open();
  poller_->add(pair.local(), kRead, &token_);
  try {
    poller_->add(pair.local(), kWrite, &other_token_);
    FAIL() << "a second add of the same fd was accepted";
  } catch (const std::system_error& error) {
    EXPECT_EQ(error.code(), std::errc::file_exists);
  }
  EXPECT_EQ(readiness_of(token_), Readiness{}) << "the failed add must not change the registration";
}

TEST_P(PollerContractTest, ModifyOfAnUnwatchedFdThrowsSystemError) {
  SocketPair& pair = open();
  try {
    poller_->modify(pair.local(), kRead, &token_);
    FAIL() << "modify of an unwatched fd was accepted";
  } catch (const std::system_error& error) {
    EXPECT_EQ(error.code(), std::errc::no_such_file_or_directory);
  }
}

TEST_P(PollerContractTest, AddOfANegativeFdThrowsSystemError) {
  EXPECT_THROW(poller_->add(-1, kRead, &token_), std::system_error);
}

TEST_P(PollerContractTest, RemoveOfAnUnknownOrClosedFdDoesNotThrow) {
  SocketPair& never_added = open();
  EXPECT_NO_THROW(poller_->remove(never_added.local(), &token_));
  EXPECT_NO_THROW(poller_->remove(-1, &token_));
  EXPECT_NO_THROW(poller_->remove(1 << 20, &token_));

  SocketPair& closed = open();
  const int fd = closed.local();
  poller_->add(fd, kRead, &token_);
  closed.close_local();
  EXPECT_NO_THROW(poller_->remove(fd, &token_));
  EXPECT_NO_THROW(poller_->remove(fd, &token_));

  // The number is free again: an fd that reuses it can be added.
  SocketPair& reused = open();
  reused.renumber_local(fd);
  EXPECT_NO_THROW(poller_->add(fd, kWrite, &other_token_));
  EXPECT_EQ(readiness_of(other_token_), kWritable);
}

TEST_P(PollerContractTest, HangupIsReportedEvenWithNoInterest) {
  SocketPair& pair = open();
  poller_->add(pair.local(), kNoInterest, &token_);
  adaptor_->hang_up(pair);

  const Readiness readiness = readiness_of(token_);
  EXPECT_TRUE(readiness & kHangup);
  EXPECT_FALSE(readiness & kReadable) << "readable was not asked for";
}

TEST_P(PollerContractTest, HangupWithReadInterestIsReadableAndHangup) {
  SocketPair& pair = open();
  poller_->add(pair.local(), kRead, &token_);
  adaptor_->hang_up(pair);
  EXPECT_EQ(readiness_of(token_), kReadable | kHangup);
}

// Two handlers ready in the same batch; whichever is dispatched first retires the other: stops
// it, closes its socket by putting a fresh readable one on the same fd number, and starts a
// replacement handler there. Neither the retired handler nor the replacement may see the event
// fetched for the old socket.
class StaleEventTest : public PollerContractTest {
 protected:
  StaleEventTest() : reactor_(std::move(poller_), clock_) {}

  void retire(RecordingHandler& victim, SocketPair& victim_pair) {
    const int fd = victim_pair.release_local();
    victim.stop();
    SocketPair& fresh = open();
    fresh.renumber_local(fd);  // closes the old socket
    adaptor_->make_readable(fresh);
    replacement_.start(reactor_, fd, kRead);
  }

  ManualClock clock_;
  Reactor reactor_;
  RecordingHandler first_;
  RecordingHandler second_;
  RecordingHandler replacement_;
};

TEST_P(StaleEventTest, HandlerRetiredEarlierInTheBatchIsNotCalled) {
  SocketPair& first_pair = open();
  SocketPair& second_pair = open();
  first_.start(reactor_, first_pair.local(), kRead);
  second_.start(reactor_, second_pair.local(), kRead);
  first_.when_readable([&] {
    if (second_.active()) retire(second_, second_pair);
  });
  second_.when_readable([&] {
    if (first_.active()) retire(first_, first_pair);
  });
  adaptor_->make_readable(first_pair);
  adaptor_->make_readable(second_pair);

  reactor_.run_once(std::chrono::milliseconds(0));
  EXPECT_EQ(first_.readable() + second_.readable(), 1);
  EXPECT_EQ(replacement_.calls(), 0);

  reactor_.run_once(std::chrono::milliseconds(0));
  EXPECT_EQ(replacement_.readable(), 1) << "the replacement must see its own socket's data";
  EXPECT_EQ(first_.readable() + second_.readable(), 2);
}

std::string poller_name(const ::testing::TestParamInfo<std::string_view>& info) {
  return std::string(info.param);
}

INSTANTIATE_TEST_SUITE_P(AllPollers, PollerContractTest, ::testing::Values("mock", "epoll", "poll"),
                         poller_name);
INSTANTIATE_TEST_SUITE_P(AllPollers, StaleEventTest, ::testing::Values("mock", "epoll", "poll"),
                         poller_name);

TEST(MakePollerTest, MakesThePollerNamed) {
  EXPECT_EQ(make_poller("epoll")->name(), "epoll");
  EXPECT_EQ(make_poller("poll")->name(), "poll");
}

TEST(MakePollerTest, UnknownNameThrowsInvalidArgumentNamingIt) {
  try {
    make_poller("bogus");
    FAIL() << "make_poller accepted an unknown name";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("bogus"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace reactor::testing
