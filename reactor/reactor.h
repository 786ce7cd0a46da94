// reactor/reactor.h: the whole public API in one include: the loop and its handlers (core), the
// pollers by name (make_poller), reactors on threads of their own (threads), and networking (net).
// The test kit (reactor/testing) is not included: it lives in the separate reactor::testing
// library.
// Ownership: declarations only. Threads: see each header.
#pragma once

#include "reactor/core/clock.h"
#include "reactor/core/event_handler.h"
#include "reactor/core/events.h"
#include "reactor/core/owned_timers.h"
#include "reactor/core/poller.h"
#include "reactor/core/reactor.h"
#include "reactor/core/signal_handler.h"
#include "reactor/core/signal_state.h"
#include "reactor/core/task.h"
#include "reactor/core/timer.h"
#include "reactor/net/acceptor.h"
#include "reactor/net/byte_buffer.h"
#include "reactor/net/close_reason.h"
#include "reactor/net/connection.h"
#include "reactor/net/connector.h"
#include "reactor/net/datagram_endpoint.h"
#include "reactor/net/idle_tracker.h"
#include "reactor/net/inet_address.h"
#include "reactor/net/line_connection.h"
#include "reactor/net/socket.h"
#include "reactor/net/socket_address.h"
#include "reactor/net/socket_file.h"
#include "reactor/net/tcp_client.h"
#include "reactor/net/tcp_server.h"
#include "reactor/net/threaded_tcp_server.h"
#include "reactor/poller/make_poller.h"
#include "reactor/threads/reactor_thread.h"
#include "reactor/threads/reactor_thread_pool.h"
