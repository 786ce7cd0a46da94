#include "reactor/net/datagram_endpoint.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "reactor/core/reactor.h"
#include "reactor/core/syscalls.h"
#include "reactor/testing/fake_syscalls.h"
#include "reactor/testing/manual_clock.h"
#include "reactor/testing/mock_poller.h"
#include "test/support/handler_api.h"

namespace reactor {
namespace {

using Call = testing::FakeSyscalls::Call;
using Outcome = testing::FakeSyscalls::Outcome;
using SendResult = DatagramEndpoint::SendResult;
constexpr std::chrono::milliseconds kNoWait{0};

InetAddress loopback() {
  return *InetAddress::parse("127.0.0.1", 0);
}

// Records every datagram; a test may script what happens after each.
class RecordingEndpoint final : public DatagramEndpoint {
 public:
  RecordingEndpoint(Socket socket, const Options& options)
      : DatagramEndpoint(std::move(socket), options) {}

  struct Datagram {
    std::string payload;
    SocketAddress from;
  };
  std::vector<Datagram> datagrams;
  std::function<void()> after_each;

 private:
  void on_datagram(std::string_view payload, const SocketAddress& from) override {
    datagrams.push_back({std::string(payload), from});
    if (after_each) after_each();
  }
};

static_assert(!testing::ExposesSetInterest<RecordingEndpoint>::value);
static_assert(!testing::ExposesEnable<RecordingEndpoint>::value);
static_assert(!testing::ExposesDisable<RecordingEndpoint>::value);
static_assert(!testing::ExposesStartOnAnyFd<RecordingEndpoint>::value);

// An endpoint on 127.0.0.1 watched through a MockPoller, and a plain UDP socket as its peer.
class DatagramEndpointTest : public ::testing::Test {
 protected:
  DatagramEndpointTest()
      : poller_(new testing::MockPoller),
        reactor_(std::unique_ptr<Poller>(poller_), clock_),
        peer_(bind_udp(loopback())) {}

  RecordingEndpoint& open(const DatagramEndpoint::Options& options = {}) {
    endpoint_ = std::make_unique<RecordingEndpoint>(bind_udp(loopback()), options);
    endpoint_->start(reactor_);
    fd_ = endpoint_->fd();
    return *endpoint_;
  }

  SocketAddress endpoint_address() const { return *endpoint_->local_address(); }
  SocketAddress peer_address() const { return *InetAddress::local_of(peer_.fd()); }

  void peer_sends(std::string_view payload) {
    const SocketAddress to = endpoint_address();
    ASSERT_EQ(
        ::sendto(peer_.fd(), payload.data(), payload.size(), 0, to.sockaddr_ptr(), to.length()),
        static_cast<ssize_t>(payload.size()));
  }
  // What the peer has received so far (it does not wait: loopback delivers within sendto).
  std::vector<std::string> peer_receives() {
    std::vector<std::string> received;
    char buffer[65536];
    for (;;) {
      const ssize_t n = ::recv(peer_.fd(), buffer, sizeof buffer, MSG_DONTWAIT);
      if (n < 0) return received;
      received.emplace_back(buffer, static_cast<std::size_t>(n));
    }
  }
  void readable() {
    poller_->inject(fd_, kReadable);
    reactor_.run_once(kNoWait);
  }
  void writable() {
    poller_->inject(fd_, kWritable);
    reactor_.run_once(kNoWait);
  }
  bool wants_write() const { return poller_->interest(fd_).contains(kWrite); }

  testing::ManualClock clock_;
  testing::MockPoller* poller_;
  Reactor reactor_;
  Socket peer_;
  testing::FakeSyscalls fake_;
  ScopedSyscalls scoped_{fake_};
  std::unique_ptr<RecordingEndpoint> endpoint_;
  int fd_ = -1;
};

std::vector<std::string> payloads(const RecordingEndpoint& endpoint) {
  std::vector<std::string> result;
  for (const auto& datagram : endpoint.datagrams)
    result.push_back(datagram.payload);
  return result;
}

TEST_F(DatagramEndpointTest, ABatchOfDatagramsArrivesInOneReceiveCall) {
  RecordingEndpoint& endpoint = open();
  for (const char* payload : {"one", "two", "three", "four", "five"})
    peer_sends(payload);

  readable();

  EXPECT_EQ(payloads(endpoint), (std::vector<std::string>{"one", "two", "three", "four", "five"}));
  EXPECT_EQ(fake_.calls(Call::kRecvmmsg), 1u);
  ASSERT_EQ(endpoint.datagrams.size(), 5u);
  EXPECT_EQ(endpoint.datagrams[0].from, peer_address());
  EXPECT_EQ(endpoint.stats().received, 5u);
}

TEST_F(DatagramEndpointTest, AFullBatchIsFollowedByAnotherCallAndAShortOneEndsTheWakeup) {
  DatagramEndpoint::Options options;
  options.receive_batch = 2;
  RecordingEndpoint& endpoint = open(options);
  for (const char* payload : {"a", "b", "c"})
    peer_sends(payload);

  readable();

  EXPECT_EQ(payloads(endpoint), (std::vector<std::string>{"a", "b", "c"}));
  // Two in the first call, one in the second: no third call just to meet EAGAIN.
  EXPECT_EQ(fake_.calls(Call::kRecvmmsg), 2u);
}

TEST_F(DatagramEndpointTest, AZeroLengthDatagramIsDelivered) {
  RecordingEndpoint& endpoint = open();
  peer_sends("");
  peer_sends("after");

  readable();

  EXPECT_EQ(payloads(endpoint), (std::vector<std::string>{"", "after"}));
}

TEST_F(DatagramEndpointTest, AZeroLengthDatagramIsSent) {
  open();
  EXPECT_EQ(endpoint_->send_to("", peer_address()), SendResult::kSent);
  EXPECT_EQ(peer_receives(), std::vector<std::string>{""});
}

TEST_F(DatagramEndpointTest, ADatagramLargerThanTheBufferIsDroppedAndCounted) {
  DatagramEndpoint::Options options;
  options.max_datagram_size = 8;
  RecordingEndpoint& endpoint = open(options);
  peer_sends("exactly8");
  peer_sends("nine bytes");
  peer_sends("short");

  readable();

  EXPECT_EQ(payloads(endpoint), (std::vector<std::string>{"exactly8", "short"}));
  EXPECT_EQ(endpoint.stats().truncated, 1u);
}

TEST_F(DatagramEndpointTest, OneWakeupReceivesNoMoreThanTheBudget) {
  DatagramEndpoint::Options options;
  options.receive_batch = 3;
  options.max_datagrams_per_wakeup = 4;
  RecordingEndpoint& endpoint = open(options);
  for (int i = 0; i < 10; ++i)
    peer_sends(std::to_string(i));

  readable();
  EXPECT_EQ(endpoint.datagrams.size(), 4u);
  EXPECT_EQ(fake_.calls(Call::kRecvmmsg), 2u);  // three, then the one the budget leaves

  readable();
  EXPECT_EQ(endpoint.datagrams.size(), 8u);
  readable();
  EXPECT_EQ(payloads(endpoint),
            (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}));
}

TEST_F(DatagramEndpointTest, AnInterruptedReceiveIsRetried) {
  RecordingEndpoint& endpoint = open();
  peer_sends("x");
  fake_.script(Call::kRecvmmsg, Outcome::fail(EINTR), fd_, 2);

  readable();

  EXPECT_EQ(payloads(endpoint), std::vector<std::string>{"x"});
  EXPECT_EQ(fake_.calls(Call::kRecvmmsg), 3u);
  EXPECT_EQ(endpoint.stats().receive_errors, 0u);
}

TEST_F(DatagramEndpointTest, EagainEndsTheWakeupWithoutAnotherCall) {
  RecordingEndpoint& endpoint = open();
  fake_.script(Call::kRecvmmsg, Outcome::fail(EAGAIN), fd_);

  readable();

  EXPECT_TRUE(endpoint.datagrams.empty());
  EXPECT_EQ(fake_.calls(Call::kRecvmmsg), 1u);
  EXPECT_EQ(endpoint.stats().receive_errors, 0u);
}

TEST_F(DatagramEndpointTest, AReportedRefusalIsCountedAndReadingGoesOn) {
  RecordingEndpoint& endpoint = open();
  peer_sends("still here");
  fake_.script(Call::kRecvmmsg, Outcome::fail(ECONNREFUSED), fd_);

  readable();

  EXPECT_EQ(endpoint.stats().receive_errors, 1u);
  EXPECT_EQ(payloads(endpoint), std::vector<std::string>{"still here"});
}

TEST_F(DatagramEndpointTest, ErrorsCountAgainstTheBudget) {
  DatagramEndpoint::Options options;
  options.max_datagrams_per_wakeup = 3;
  RecordingEndpoint& endpoint = open(options);
  fake_.script(Call::kRecvmmsg, Outcome::fail(ECONNREFUSED), fd_, 10);

  readable();

  EXPECT_EQ(fake_.calls(Call::kRecvmmsg), 3u);
  EXPECT_EQ(endpoint.stats().receive_errors, 3u);
}

TEST_F(DatagramEndpointTest, StoppingInsideTheCallbackDropsTheRestOfTheBatch) {
  RecordingEndpoint& endpoint = open();
  peer_sends("first");
  peer_sends("second");
  endpoint.after_each = [&endpoint] { endpoint.stop(); };

  readable();

  EXPECT_EQ(payloads(endpoint), std::vector<std::string>{"first"});
  EXPECT_FALSE(endpoint.active());
}

TEST_F(DatagramEndpointTest, ClosingInsideTheCallbackDeregistersBeforeClosing) {
  RecordingEndpoint& endpoint = open();
  peer_sends("first");
  peer_sends("second");
  endpoint.after_each = [&endpoint] { endpoint.close(); };

  readable();

  EXPECT_EQ(payloads(endpoint), std::vector<std::string>{"first"});
  EXPECT_FALSE(poller_->watching(fd_));
  EXPECT_EQ(poller_->counters().removes_of_closed_fds, 0u);
  EXPECT_FALSE(endpoint.local_address().has_value());
  EXPECT_THROW(endpoint.start(reactor_), std::system_error);
}

TEST_F(DatagramEndpointTest, DestructionDeregistersBeforeClosing) {
  open();
  endpoint_.reset();
  EXPECT_FALSE(poller_->watching(fd_));
  EXPECT_EQ(poller_->counters().removes_of_closed_fds, 0u);
}

TEST_F(DatagramEndpointTest, SendToGoesStraightToTheKernelWithoutWriteInterest) {
  open();
  EXPECT_EQ(endpoint_->send_to("hello", peer_address()), SendResult::kSent);
  EXPECT_EQ(peer_receives(), std::vector<std::string>{"hello"});
  EXPECT_FALSE(wants_write());
  EXPECT_EQ(poller_->counters().modifies, 0u);
  EXPECT_EQ(endpoint_->stats().sent, 1u);
}

TEST_F(DatagramEndpointTest, AnInterruptedSendIsRetried) {
  open();
  fake_.script(Call::kSendto, Outcome::fail(EINTR), fd_);
  EXPECT_EQ(endpoint_->send_to("hello", peer_address()), SendResult::kSent);
  EXPECT_EQ(peer_receives(), std::vector<std::string>{"hello"});
}

TEST_F(DatagramEndpointTest, EagainOnSendQueuesTheDatagramUntilWritable) {
  open();
  fake_.script(Call::kSendto, Outcome::fail(EAGAIN), fd_);

  EXPECT_EQ(endpoint_->send_to("queued", peer_address()), SendResult::kQueued);
  EXPECT_EQ(endpoint_->queued_datagrams(), 1u);
  EXPECT_EQ(endpoint_->queued_bytes(), 6u);
  EXPECT_TRUE(wants_write());
  EXPECT_TRUE(peer_receives().empty());

  writable();

  EXPECT_EQ(peer_receives(), std::vector<std::string>{"queued"});
  EXPECT_EQ(endpoint_->queued_datagrams(), 0u);
  EXPECT_FALSE(wants_write());
  EXPECT_EQ(fake_.calls(Call::kSendmmsg), 1u);
}

TEST_F(DatagramEndpointTest, DatagramsSentWhileSomeAreQueuedKeepTheirOrder) {
  open();
  fake_.script(Call::kSendto, Outcome::fail(EAGAIN), fd_);
  endpoint_->send_to("1", peer_address());
  EXPECT_EQ(endpoint_->send_to("2", peer_address()), SendResult::kQueued);
  EXPECT_EQ(endpoint_->send_to("", peer_address()), SendResult::kQueued);
  EXPECT_EQ(endpoint_->send_to("3", peer_address()), SendResult::kQueued);
  EXPECT_EQ(fake_.calls(Call::kSendto), 1u);

  writable();

  EXPECT_EQ(peer_receives(), (std::vector<std::string>{"1", "2", "", "3"}));
  EXPECT_EQ(fake_.calls(Call::kSendmmsg), 1u);
  EXPECT_EQ(endpoint_->stats().sent, 4u);
}

TEST_F(DatagramEndpointTest, TheQueueFlushesInBatchesOfSendBatch) {
  DatagramEndpoint::Options options;
  options.send_batch = 2;
  open(options);
  fake_.script(Call::kSendto, Outcome::fail(EAGAIN), fd_);
  for (const char* payload : {"a", "b", "c", "d", "e"})
    endpoint_->send_to(payload, peer_address());

  writable();

  EXPECT_EQ(peer_receives(), (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(fake_.calls(Call::kSendmmsg), 3u);
}

TEST_F(DatagramEndpointTest, APartialBatchIsFollowedByTheRest) {
  open();
  fake_.script(Call::kSendto, Outcome::fail(EAGAIN), fd_);
  for (const char* payload : {"a", "b", "c"})
    endpoint_->send_to(payload, peer_address());
  fake_.script(Call::kSendmmsg, Outcome::at_most(1), fd_);

  writable();

  EXPECT_EQ(peer_receives(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(fake_.calls(Call::kSendmmsg), 2u);
}

TEST_F(DatagramEndpointTest, EagainWhileFlushingKeepsTheQueueAndWriteInterest) {
  open();
  fake_.script(Call::kSendto, Outcome::fail(EAGAIN), fd_);
  endpoint_->send_to("a", peer_address());
  endpoint_->send_to("b", peer_address());
  fake_.script(Call::kSendmmsg, Outcome::fail(EAGAIN), fd_);

  writable();
  EXPECT_EQ(endpoint_->queued_datagrams(), 2u);
  EXPECT_TRUE(wants_write());
  EXPECT_TRUE(peer_receives().empty());

  writable();
  EXPECT_EQ(peer_receives(), (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(wants_write());
}

TEST_F(DatagramEndpointTest, AnInterruptedFlushIsRetried) {
  open();
  fake_.script(Call::kSendto, Outcome::fail(EAGAIN), fd_);
  endpoint_->send_to("a", peer_address());
  fake_.script(Call::kSendmmsg, Outcome::fail(EINTR), fd_);

  writable();

  EXPECT_EQ(peer_receives(), std::vector<std::string>{"a"});
  EXPECT_EQ(fake_.calls(Call::kSendmmsg), 2u);
}

TEST_F(DatagramEndpointTest, ADatagramTheKernelRefusesWhileFlushingIsDroppedAlone) {
  open();
  fake_.script(Call::kSendto, Outcome::fail(EAGAIN), fd_);
  for (const char* payload : {"a", "b", "c"})
    endpoint_->send_to(payload, peer_address());
  fake_.script(Call::kSendmmsg, Outcome::fail(EHOSTUNREACH), fd_);

  writable();

  EXPECT_EQ(peer_receives(), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(endpoint_->stats().send_errors, 1u);
  EXPECT_FALSE(wants_write());
}

TEST_F(DatagramEndpointTest, ADatagramTheKernelRefusesIsDroppedAndCounted) {
  open();
  fake_.script(Call::kSendto, Outcome::fail(EMSGSIZE), fd_);
  EXPECT_EQ(endpoint_->send_to("too big", peer_address()), SendResult::kDropped);
  EXPECT_EQ(endpoint_->stats().send_errors, 1u);
  EXPECT_EQ(endpoint_->queued_datagrams(), 0u);
  EXPECT_FALSE(wants_write());
}

TEST_F(DatagramEndpointTest, PastTheDatagramLimitTheQueueDropsAndCounts) {
  DatagramEndpoint::Options options;
  options.max_queued_datagrams = 2;
  open(options);
  fake_.script(Call::kSendto, Outcome::fail(EAGAIN), fd_);
  EXPECT_EQ(endpoint_->send_to("1", peer_address()), SendResult::kQueued);
  EXPECT_EQ(endpoint_->send_to("2", peer_address()), SendResult::kQueued);
  EXPECT_EQ(endpoint_->send_to("3", peer_address()), SendResult::kDropped);
  EXPECT_EQ(endpoint_->stats().dropped, 1u);

  writable();
  EXPECT_EQ(peer_receives(), (std::vector<std::string>{"1", "2"}));
}

TEST_F(DatagramEndpointTest, PastTheByteLimitTheQueueDropsAndCounts) {
  DatagramEndpoint::Options options;
  options.max_queued_bytes = 10;
  open(options);
  fake_.script(Call::kSendto, Outcome::fail(EAGAIN), fd_);
  EXPECT_EQ(endpoint_->send_to("123456", peer_address()), SendResult::kQueued);
  EXPECT_EQ(endpoint_->send_to("12345", peer_address()), SendResult::kDropped);
  EXPECT_EQ(endpoint_->send_to("1234", peer_address()), SendResult::kQueued);
  EXPECT_EQ(endpoint_->send_to("", peer_address()), SendResult::kQueued);
  EXPECT_EQ(endpoint_->send_to("1", peer_address()), SendResult::kDropped);
  EXPECT_EQ(endpoint_->queued_bytes(), 10u);
  EXPECT_EQ(endpoint_->stats().dropped, 2u);

  writable();
  EXPECT_EQ(peer_receives(), (std::vector<std::string>{"123456", "1234", ""}));
}

TEST_F(DatagramEndpointTest, AQueueThatWrapsKeepsEveryPayloadIntact) {
  // The queue reuses its storage: datagrams sent after a partial flush land where earlier ones
  // were, and must come out whole and in order.
  DatagramEndpoint::Options options;
  options.max_queued_bytes = 9;
  options.max_queued_datagrams = 3;
  open(options);
  fake_.script(Call::kSendto, Outcome::fail(EAGAIN), fd_);
  endpoint_->send_to("aaa", peer_address());
  endpoint_->send_to("bbb", peer_address());
  fake_.script(Call::kSendmmsg, Outcome::at_most(1), fd_);
  fake_.script(Call::kSendmmsg, Outcome::fail(EAGAIN), fd_);
  writable();  // sends "aaa"; "bbb" stays
  EXPECT_EQ(endpoint_->send_to("ccccc", peer_address()), SendResult::kQueued);
  EXPECT_EQ(endpoint_->send_to("d", peer_address()), SendResult::kQueued);
  EXPECT_EQ(endpoint_->send_to("e", peer_address()), SendResult::kDropped);

  writable();

  EXPECT_EQ(peer_receives(), (std::vector<std::string>{"aaa", "bbb", "ccccc", "d"}));
}

TEST_F(DatagramEndpointTest, AQueueFilledBeforeStartIsFlushedByStart) {
  endpoint_ =
      std::make_unique<RecordingEndpoint>(bind_udp(loopback()), DatagramEndpoint::Options{});
  fake_.script(Call::kSendto, Outcome::fail(EAGAIN));  // fd() is known only once started
  EXPECT_EQ(endpoint_->send_to("early", peer_address()), SendResult::kQueued);

  endpoint_->start(reactor_);
  fd_ = endpoint_->fd();
  EXPECT_TRUE(wants_write());
  writable();

  EXPECT_EQ(peer_receives(), std::vector<std::string>{"early"});
}

TEST_F(DatagramEndpointTest, CloseDiscardsTheQueueAndLaterDatagramsAreDropped) {
  open();
  fake_.script(Call::kSendto, Outcome::fail(EAGAIN), fd_);
  endpoint_->send_to("queued", peer_address());

  endpoint_->close();

  EXPECT_EQ(endpoint_->queued_datagrams(), 0u);
  EXPECT_EQ(endpoint_->send_to("late", peer_address()), SendResult::kDropped);
  EXPECT_EQ(endpoint_->stats().dropped, 1u);
  EXPECT_EQ(poller_->counters().removes_of_closed_fds, 0u);
}

TEST_F(DatagramEndpointTest, AnEndpointAnswersOverIpv6) {
  Socket v6;
  try {
    v6 = bind_udp(*InetAddress::parse("::1", 0));
  } catch (const std::system_error&) {
    GTEST_SKIP() << "no IPv6 loopback";
  }
  Socket client = bind_udp(*InetAddress::parse("::1", 0));
  endpoint_ = std::make_unique<RecordingEndpoint>(std::move(v6), DatagramEndpoint::Options{});
  endpoint_->start(reactor_);
  fd_ = endpoint_->fd();
  const SocketAddress to = endpoint_address();
  ASSERT_EQ(::sendto(client.fd(), "v6", 2, 0, to.sockaddr_ptr(), to.length()), 2);

  readable();

  ASSERT_EQ(payloads(*endpoint_), std::vector<std::string>{"v6"});
  EXPECT_EQ(endpoint_->datagrams[0].from, SocketAddress(*InetAddress::local_of(client.fd())));
  EXPECT_EQ(endpoint_->send_to("back", endpoint_->datagrams[0].from), SendResult::kSent);
  char buffer[16];
  EXPECT_EQ(::recv(client.fd(), buffer, sizeof buffer, MSG_DONTWAIT), 4);
}

TEST(BindUdpTest, APortIsSharedOnlyWithReusePort) {
  BindOptions shared;
  shared.reuse_port = true;
  Socket first = bind_udp(loopback(), shared);
  const InetAddress bound = *InetAddress::local_of(first.fd());
  EXPECT_NO_THROW(bind_udp(bound, shared));
  try {
    bind_udp(bound);
    FAIL() << "a second socket bound the port without SO_REUSEPORT";
  } catch (const std::system_error& error) {
    EXPECT_EQ(error.code(), std::errc::address_in_use);
  }
}

TEST(DatagramEndpointOptionsTest, ZeroBatchesAreRejected) {
  DatagramEndpoint::Options options;
  options.receive_batch = 0;
  EXPECT_THROW(RecordingEndpoint(bind_udp(loopback()), options), std::invalid_argument);
}

}  // namespace
}  // namespace reactor
