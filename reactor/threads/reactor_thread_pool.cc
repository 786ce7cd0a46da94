#include "reactor/threads/reactor_thread_pool.h"

#include <stdexcept>

namespace reactor {

ReactorThreadPool::ReactorThreadPool(std::size_t threads, const ReactorThread::Options& options) {
  if (threads == 0) throw std::invalid_argument("a reactor thread pool needs at least one thread");
  threads_.reserve(threads);
  reactors_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) {
    threads_.push_back(std::make_unique<ReactorThread>(options));
    reactors_.push_back(&threads_.back()->reactor());
  }
}

void ReactorThreadPool::join() {
  for (Reactor* reactor : reactors_)
    reactor->stop();
  for (const std::unique_ptr<ReactorThread>& thread : threads_)
    thread->join();
}

Reactor& ReactorThreadPool::next() {
  return *reactors_[next_.fetch_add(1, std::memory_order_relaxed) % reactors_.size()];
}

}  // namespace reactor
