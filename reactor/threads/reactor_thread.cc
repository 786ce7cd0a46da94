#include "reactor/threads/reactor_thread.h"

#include <future>
#include <utility>

#include "reactor/poller/make_poller.h"

namespace reactor {
namespace {

void run_until_stopped(Reactor& reactor, const ReactorThread::Options& options) {
  for (;;) {
    try {
      reactor.run();
      return;
    } catch (...) {
      if (!options.on_failure) throw;
      options.on_failure(std::current_exception());
    }
  }
}

}  // namespace

ReactorThread::ReactorThread(Options options) {
  std::promise<std::unique_ptr<Reactor>> made;
  std::future<std::unique_ptr<Reactor>> ready = made.get_future();
  thread_ = std::thread([options = std::move(options), made = std::move(made)]() mutable {
    Reactor* reactor = nullptr;
    try {
      std::unique_ptr<Poller> poller =
          options.make_poller ? options.make_poller() : make_poller(options.poller);
      auto owned = std::make_unique<Reactor>(std::move(poller));
      reactor = owned.get();
      made.set_value(std::move(owned));
    } catch (...) {
      made.set_exception(std::current_exception());
      return;
    }
    run_until_stopped(*reactor, options);
  });
  try {
    reactor_ = ready.get();
  } catch (...) {
    thread_.join();
    throw;
  }
}

ReactorThread::~ReactorThread() {
  join();
}

void ReactorThread::join() {
  if (!thread_.joinable()) return;
  reactor_->stop();
  thread_.join();
}

}  // namespace reactor
