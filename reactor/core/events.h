// Interest and Readiness: what a handler asks a poller for, and what the poller reports back.
// Two distinct value types, so that only meaningful sets can be formed: set_interest(kError),
// set_interest(3) and `Interest i = kReadable` do not compile (test/compile_fail/).
// Ownership: plain values, one byte each. Threads: any.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <type_traits>

namespace reactor {

// Both types hold the kernel's own bit values (EPOLLIN/POLLIN, EPOLLOUT/POLLOUT, EPOLLERR/POLLERR,
// EPOLLHUP/POLLHUP), so pollers translate with a mask instead of a branch per bit, and an
// interest bit is the readiness bit it asks for. Raw bits come out only through
// Interest::kernel_bits() and go in only through Readiness::from_kernel(), where pollers
// translate.

// What a handler wants to hear about: a subset of kRead | kWrite.
class Interest {
 public:
  // Also named at namespace scope, where user code spells them.
  static const Interest kNoInterest, kRead, kWrite;

  // Trivial, like the byte it holds: Interest{} is the empty set, a bare `Interest i;` is
  // uninitialized.
  Interest() noexcept = default;

  // The bits as epoll_ctl() and poll() take them.
  constexpr std::uint32_t kernel_bits() const noexcept { return bits_; }
  constexpr bool contains(Interest other) const noexcept {
    return (bits_ & other.bits_) == other.bits_;
  }
  constexpr explicit operator bool() const noexcept { return bits_ != 0; }

  friend constexpr Interest operator|(Interest a, Interest b) noexcept {
    return Interest(a.bits_ | b.bits_);
  }
  friend constexpr Interest operator&(Interest a, Interest b) noexcept {
    return Interest(a.bits_ & b.bits_);
  }
  friend constexpr Interest operator^(Interest a, Interest b) noexcept {
    return Interest(a.bits_ ^ b.bits_);
  }
  // The complement within kRead | kWrite: ~kRead is kWrite.
  friend constexpr Interest operator~(Interest a) noexcept { return Interest(a.bits_ ^ kAll); }
  constexpr Interest& operator|=(Interest other) noexcept { return *this = *this | other; }
  constexpr Interest& operator&=(Interest other) noexcept { return *this = *this & other; }
  friend constexpr bool operator==(Interest a, Interest b) noexcept { return a.bits_ == b.bits_; }
  friend constexpr bool operator!=(Interest a, Interest b) noexcept { return a.bits_ != b.bits_; }

 private:
  static constexpr unsigned kAll = 0x1 | 0x4;
  constexpr explicit Interest(unsigned bits) noexcept : bits_(static_cast<std::uint8_t>(bits)) {}

  std::uint8_t bits_;
};

inline constexpr Interest Interest::kNoInterest{};
inline constexpr Interest Interest::kRead{0x1};
inline constexpr Interest Interest::kWrite{0x4};

// What a poller reports. Error and hang-up are reported whatever the interest set, as the
// kernel does for epoll and poll.
class Readiness {
 public:
  // Also named at namespace scope, where user code spells them.
  static const Readiness kReadable, kWritable, kError, kHangup;

  // Trivial, like the byte it holds: Readiness{} is nothing ready, a bare `Readiness r;` is
  // uninitialized.
  Readiness() noexcept = default;

  // The readiness in an epoll or poll event mask; bits other than the four above are dropped.
  static constexpr Readiness from_kernel(std::uint32_t events) noexcept {
    return Readiness(events & kAll);
  }

  constexpr bool contains(Readiness other) const noexcept {
    return (bits_ & other.bits_) == other.bits_;
  }
  constexpr explicit operator bool() const noexcept { return bits_ != 0; }

  friend constexpr Readiness operator|(Readiness a, Readiness b) noexcept {
    return Readiness(a.bits_ | b.bits_);
  }
  friend constexpr Readiness operator&(Readiness a, Readiness b) noexcept {
    return Readiness(a.bits_ & b.bits_);
  }
  // The part of this readiness that `interest` asks for: one AND, since the bits coincide.
  // Error and hang-up are never asked for, so they are not part of it.
  friend constexpr Readiness operator&(Readiness a, Interest interest) noexcept {
    return Readiness(a.bits_ & interest.kernel_bits());
  }
  friend constexpr Readiness operator&(Interest interest, Readiness a) noexcept {
    return a & interest;
  }
  constexpr Readiness& operator|=(Readiness other) noexcept { return *this = *this | other; }
  constexpr Readiness& operator&=(Readiness other) noexcept { return *this = *this & other; }
  friend constexpr bool operator==(Readiness a, Readiness b) noexcept { return a.bits_ == b.bits_; }
  friend constexpr bool operator!=(Readiness a, Readiness b) noexcept { return a.bits_ != b.bits_; }

 private:
  static constexpr unsigned kAll = 0x1 | 0x4 | 0x8 | 0x10;
  constexpr explicit Readiness(unsigned bits) noexcept : bits_(static_cast<std::uint8_t>(bits)) {}

  std::uint8_t bits_;
};

inline constexpr Readiness Readiness::kReadable{0x1};
inline constexpr Readiness Readiness::kWritable{0x4};
inline constexpr Readiness Readiness::kError{0x8};
inline constexpr Readiness Readiness::kHangup{0x10};

inline constexpr Interest kNoInterest = Interest::kNoInterest;
inline constexpr Interest kRead = Interest::kRead;
inline constexpr Interest kWrite = Interest::kWrite;
inline constexpr Readiness kReadable = Readiness::kReadable;
inline constexpr Readiness kWritable = Readiness::kWritable;
inline constexpr Readiness kError = Readiness::kError;
inline constexpr Readiness kHangup = Readiness::kHangup;

// Trivial and the size of the byte they hold, so they travel in registers and a Poller::Event
// batch is copied as plain memory.
static_assert(std::is_trivial_v<Interest> && sizeof(Interest) == 1);
static_assert(std::is_trivial_v<Readiness> && sizeof(Readiness) == 1);

// The constants' names joined by '|', for logs and test failures.
std::ostream& operator<<(std::ostream& out, Interest interest);
std::ostream& operator<<(std::ostream& out, Readiness readiness);

}  // namespace reactor
