// serve_main(): the main() of a server app after its flags are parsed: raises the open-file
// limit, makes the server from its Config, prints "Listening on HOST:PORT" (flushed) once it
// listens, and runs it. A failure to listen or to start is one stderr line "<program>: ..." and
// exit status 1; a clean stop is 0.
// Server needs: a constructor from `const Server::Config&` that throws ListenError when it cannot
// listen, address() with to_string(), and run().
// Ownership: the server lives on serve_main()'s stack. Threads: main()'s thread.
#pragma once

#include <cstdio>
#include <exception>
#include <iostream>

#include "apps/common/listening.h"
#include "apps/common/process_limits.h"

namespace app {

template <typename Server>
int serve_main(const char* program, const typename Server::Config& config) {
  raise_open_file_limit();
  try {
    Server server(config);
    std::cout << "Listening on " << server.address().to_string() << std::endl;
    server.run();
  } catch (const ListenError& error) {
    std::fprintf(stderr, "%s: cannot listen on %s: %s\n", program, error.address().c_str(),
                 describe_listen_error(error.code()).c_str());
    return 1;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "%s: %s\n", program, error.what());
    return 1;
  }
  return 0;
}

}  // namespace app
