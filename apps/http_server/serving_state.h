// ServingSettings and ServingState: what the HTTP connections of one reactor thread share. The
// settings come from the command line; the state is the thread's response batch, its formatted
// common headers and a scratch buffer for decoding paths, reused by every request so that serving
// one allocates nothing.
// Ownership: the server keeps one ServingState per thread, outliving that thread's connections;
// the file root is the server's, shared by the threads. Threads: one reactor thread per state.
#pragma once

#include <chrono>
#include <string>

#include "apps/http_server/file_root.h"
#include "apps/http_server/output_batch.h"
#include "apps/http_server/request_parser.h"
#include "apps/http_server/response_cache.h"

namespace http {

struct ServingSettings {
  RequestParser::Limits limits;
  // Time to receive a whole request head from its first byte; zero: no limit.
  std::chrono::milliseconds request_timeout{10000};
  const FileRoot* root = nullptr;  // none: only the built-in routes
};

struct ServingState {
  explicit ServingState(const ServingSettings& serving) : settings(serving) {
    path_scratch.reserve(settings.limits.max_header_bytes);
  }

  ServingSettings settings;
  ResponseCache responses;
  OutputBatch batch;
  std::string path_scratch;
};

}  // namespace http
