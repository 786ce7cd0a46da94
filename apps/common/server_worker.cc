#include "apps/common/server_worker.h"

namespace app {

ServerWorker::ServerWorker(reactor::Reactor& reactor, std::chrono::milliseconds grace,
                           ServerLifecycle& lifecycle)
    : drain_(reactor, grace,
             {[this] { return server_->connection_count() + other_connections(); },
              [this] {
                server_->abort_all();
                abort_others();
              },
              [&lifecycle] { lifecycle.worker_drained(); }}) {}

void ServerWorker::start() {
  if (drain_.begun()) return;
  server_->start();
  started();
}

void ServerWorker::shut_down() {
  if (drain_.begun()) return;
  server_->stop_accepting();
  closing();
  server_->close_all();
  close_others();
  drain_.begin();
}

}  // namespace app
