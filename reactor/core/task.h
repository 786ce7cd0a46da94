// Task: a move-only `void()` callable, the unit of work a Reactor runs for post() and
// run_in_loop(). Unlike std::function it holds callables that cannot be copied, so a Socket, a
// std::unique_ptr or a promise can be moved into work for another reactor.
//
// Ownership: a task owns its callable. A callable small enough (three pointers) whose move cannot
// throw lives inside the task; any other is allocated once, when the task is made, and moving the
// task never allocates.
// Threads: none of its own; a task may be made on one thread and run and destroyed on another.
#pragma once

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace reactor {

class Task {
 public:
  Task() noexcept = default;
  Task(std::nullptr_t) noexcept {}  // NOLINT(google-explicit-constructor): as std::function

  template <typename F, typename Callable = std::decay_t<F>,
            typename = std::enable_if_t<!std::is_same_v<Callable, Task> &&
                                        std::is_invocable_r_v<void, Callable&>>>
  Task(F&& callable)  // NOLINT(google-explicit-constructor): lambdas convert as to std::function
      : ops_(&ops_for<Callable>) {
    if constexpr (stored_inline<Callable>)
      ::new (static_cast<void*>(storage_)) Callable(std::forward<F>(callable));
    else
      ::new (static_cast<void*>(storage_)) Callable*(new Callable(std::forward<F>(callable)));
  }

  Task(Task&& other) noexcept : ops_(other.ops_) {
    if (ops_ != nullptr) ops_->relocate(storage_, other.storage_);
    other.ops_ = nullptr;
  }
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      reset();
      ops_ = other.ops_;
      if (ops_ != nullptr) ops_->relocate(storage_, other.storage_);
      other.ops_ = nullptr;
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() { reset(); }

  explicit operator bool() const noexcept { return ops_ != nullptr; }

  // Calls the callable; the task must not be empty. What the callable throws propagates.
  void operator()() { ops_->invoke(storage_); }

 private:
  static constexpr std::size_t kInlineSize = 3 * sizeof(void*);

  template <typename C>
  static constexpr bool stored_inline =
      sizeof(C) <= kInlineSize &&
      alignof(C) <= alignof(void*) && std::is_nothrow_move_constructible_v<C>;

  struct Ops {
    void (*invoke)(void* storage);
    // Moves the callable (or the pointer to it) from `from` into `to` and ends it in `from`.
    void (*relocate)(void* to, void* from) noexcept;
    void (*destroy)(void* storage) noexcept;
  };

  template <typename C>
  static C& callable(void* storage) {
    if constexpr (stored_inline<C>)
      return *std::launder(static_cast<C*>(storage));
    else
      return **std::launder(static_cast<C**>(storage));
  }

  template <typename C>
  static constexpr Ops ops_for{
      [](void* storage) { callable<C>(storage)(); },
      [](void* to, void* from) noexcept {
        if constexpr (stored_inline<C>) {
          C& source = callable<C>(from);
          ::new (to) C(std::move(source));
          source.~C();
        } else {
          ::new (to) C*(*std::launder(static_cast<C**>(from)));
        }
      },
      [](void* storage) noexcept {
        if constexpr (stored_inline<C>)
          callable<C>(storage).~C();
        else
          delete &callable<C>(storage);
      },
  };

  void reset() noexcept {
    if (ops_ != nullptr) ops_->destroy(storage_);
    ops_ = nullptr;
  }

  alignas(void*) unsigned char storage_[kInlineSize];
  const Ops* ops_ = nullptr;
};

}  // namespace reactor
