#!/usr/bin/env bash
# reactor/reactor.h includes every public header of core, poller, threads and net, so that a header added
# later is not silently missing from it. Not public, hence not included: the syscall seam and the
# timer heap (core internals that tests reach directly), and the concrete pollers (make_poller()
# names them).
#   check_umbrella.sh SOURCE_DIR
set -euo pipefail
cd "$1"
internal=" reactor/core/syscalls.h reactor/core/timer_queue.h reactor/poller/epoll_poller.h \
reactor/poller/poll_poller.h "
missing=0
for header in reactor/core/*.h reactor/poller/*.h reactor/threads/*.h reactor/net/*.h; do
  [[ $internal == *" $header "* ]] && continue
  if ! grep -qx "#include \"$header\"" reactor/reactor.h; then
    echo "reactor/reactor.h does not include $header" >&2
    missing=1
  fi
done
exit "$missing"
