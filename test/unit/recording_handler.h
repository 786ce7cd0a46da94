// RecordingHandler: an EventHandler for tests that counts its callbacks and runs an optional
// action from each. Without an error action, on_error keeps the default (stop the handler).
// Ownership: counts live in the handler, or in a Counts the test owns when the handler may be
// deleted before the test reads them. Threads: the reactor's.
#pragma once

#include <functional>

#include "reactor/core/event_handler.h"

namespace reactor::testing {

class RecordingHandler : public EventHandler {
 public:
  using Action = std::function<void()>;
  struct Counts {
    int readable = 0;
    int writable = 0;
    int errors = 0;
    bool destroyed = false;
  };

  RecordingHandler() : counts_(&own_counts_) {}
  explicit RecordingHandler(Counts& counts) : counts_(&counts) {}
  ~RecordingHandler() override { counts_->destroyed = true; }

  int readable() const { return counts_->readable; }
  int writable() const { return counts_->writable; }
  int errors() const { return counts_->errors; }
  int calls() const { return readable() + writable() + errors(); }

  void when_readable(Action action) { readable_action_ = std::move(action); }
  void when_writable(Action action) { writable_action_ = std::move(action); }
  void when_error(Action action) { error_action_ = std::move(action); }

 private:
  void on_readable() override { record(counts_->readable, readable_action_); }
  void on_writable() override { record(counts_->writable, writable_action_); }
  void on_error() override {
    if (error_action_) {
      record(counts_->errors, error_action_);
    } else {
      ++counts_->errors;
      EventHandler::on_error();
    }
  }
  // The action may delete this handler, so nothing is touched after it.
  static void record(int& count, const Action& action) {
    ++count;
    if (action) {
      const Action run = action;
      run();
    }
  }

  Counts own_counts_;
  Counts* counts_;
  Action readable_action_;
  Action writable_action_;
  Action error_action_;
};

}  // namespace reactor::testing
