// kv_client: sends commands to a kv_server and prints its replies, one line each. The commands
// are the arguments, or else the lines of stdin:
//   kv_client --port=7777 "SET greeting hello world" "GET greeting"
// They go out together (pipelined) as soon as the connection is up. Exit status 0 once every
// command is answered; 1, with one line on stderr, if the client cannot connect, or the server
// closes or stays silent for --timeout_ms first; 2 for a bad flag.

#include <gflags/gflags.h>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "apps/common/command_line.h"
#include "apps/common/server_flags.h"
#include "reactor/core/reactor.h"
#include "reactor/net/line_connection.h"
#include "reactor/net/tcp_client.h"

DEFINE_string(host, "127.0.0.1", "kv_server's numeric IPv4 or IPv6 address");
DEFINE_int32(port, 7777, "kv_server's TCP port");
DEFINE_int64(timeout_ms, 5000, "give up when connecting or waiting for a reply takes longer");

namespace {

// Sends the requests as soon as it exists (the connection is up by then), prints each reply line,
// and closes after the last one expected. `done` gets the count of replies once the connection
// has closed, after the last reply or because the server closed it first.
class CommandSender final : public reactor::LineConnection {
 public:
  using Done = std::function<void(std::size_t replies)>;

  CommandSender(reactor::Socket socket, std::string_view requests, std::size_t expected, Done done)
      : LineConnection(std::move(socket)), expected_(expected), done_(std::move(done)) {
    send(requests);
  }

 private:
  void on_line(std::string_view reply) override {
    std::cout << reply << '\n';
    if (++replies_ == expected_) close();
  }
  void on_close(reactor::CloseReason) override { done_(replies_); }

  std::size_t expected_;
  std::size_t replies_ = 0;
  Done done_;
};

// The commands, one per line: the arguments, or else stdin's lines.
std::vector<std::string> commands_from(std::vector<std::string> arguments) {
  if (arguments.empty()) {
    for (std::string line; std::getline(std::cin, line);)
      arguments.push_back(line);
  }
  if (arguments.empty()) app::exit_with_usage_error("no commands, as arguments or on stdin");
  for (const std::string& command : arguments) {
    if (command.find('\n') != std::string::npos) {
      app::exit_with_usage_error("a command must be one line (got '" + command + "')");
    }
  }
  return arguments;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> commands =
      commands_from(app::parse_command_line_and_arguments_or_exit(
          argc, argv,
          "Sends commands to a kv_server and prints the replies.\n"
          "Usage: kv_client [--host=127.0.0.1] [--port=7777] [COMMAND...] (or commands on stdin)"));
  const reactor::InetAddress server = app::address_from_flags(FLAGS_host, FLAGS_port);
  const std::chrono::milliseconds timeout =
      app::milliseconds_from_flag("timeout_ms", FLAGS_timeout_ms);
  std::string requests;
  for (const std::string& command : commands)
    requests += command + "\n";

  reactor::Reactor reactor;
  std::size_t replies = 0;
  std::string failure;  // why the client gave up before the connection closed
  const auto closed = [&](std::size_t count) {
    replies = count;
    reactor.stop();
  };
  reactor::TcpClient::Options options;
  options.connector.connect_timeout = timeout;
  reactor::TcpClient client(
      reactor, server,
      [&](reactor::Socket socket) {
        return std::make_unique<CommandSender>(std::move(socket), requests, commands.size(),
                                               closed);
      },
      [&](std::error_code error) {
        failure = "cannot connect to " + server.to_string() + ": " + error.message();
        reactor.stop();
      },
      options);
  client.connect();
  reactor.run_after(timeout, [&] {
    failure = "no answer within " + std::to_string(timeout.count()) + " ms";
    reactor.stop();
  });
  reactor.run();

  if (failure.empty() && replies < commands.size()) {
    failure = "the server closed the connection after " + std::to_string(replies) + " of " +
              std::to_string(commands.size()) + " replies";
  }
  if (!failure.empty()) {
    std::fprintf(stderr, "kv_client: %s\n", failure.c_str());
    return 1;
  }
  return 0;
}
