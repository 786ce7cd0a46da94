// Compile-time detectors of which EventHandler controls a handler type exposes to outside code,
// for the tests that check a subclass hides the calls that would bypass its own state.
// Ownership and threads: type traits only.
#pragma once

#include <type_traits>
#include <utility>

#include "reactor/core/event_handler.h"
#include "reactor/core/reactor.h"

namespace reactor::testing {

template <typename T, typename = void>
struct ExposesStop : std::false_type {};
template <typename T>
struct ExposesStop<T, std::void_t<decltype(std::declval<T&>().stop())>> : std::true_type {};

template <typename T, typename = void>
struct ExposesSetInterest : std::false_type {};
template <typename T>
struct ExposesSetInterest<T, std::void_t<decltype(std::declval<T&>().set_interest(kRead))>>
    : std::true_type {};

template <typename T, typename = void>
struct ExposesEnable : std::false_type {};
template <typename T>
struct ExposesEnable<T, std::void_t<decltype(std::declval<T&>().enable(kRead))>> : std::true_type {
};

template <typename T, typename = void>
struct ExposesDisable : std::false_type {};
template <typename T>
struct ExposesDisable<T, std::void_t<decltype(std::declval<T&>().disable(kRead))>>
    : std::true_type {};

// EventHandler::start(reactor, fd, interest): watching any fd instead of the handler's own.
template <typename T, typename = void>
struct ExposesStartOnAnyFd : std::false_type {};
template <typename T>
struct ExposesStartOnAnyFd<
    T, std::void_t<decltype(std::declval<T&>().start(std::declval<Reactor&>(), 0, kRead))>>
    : std::true_type {};

// The detectors see each call where it is public.
static_assert(ExposesStop<EventHandler>::value && ExposesSetInterest<EventHandler>::value &&
              ExposesEnable<EventHandler>::value && ExposesDisable<EventHandler>::value &&
              ExposesStartOnAnyFd<EventHandler>::value);

}  // namespace reactor::testing
