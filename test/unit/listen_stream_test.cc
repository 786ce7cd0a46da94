// listen_stream() and connect_stream() on Unix-domain addresses, on real sockets in a temporary
// directory: stale socket files, paths that are taken, names that do not fit, abstract names, and
// SocketFile's removal of the file a listener made. (TCP goes through the same calls in every
// server test.)
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>

#include "reactor/net/socket.h"
#include "reactor/net/socket_address.h"
#include "reactor/net/socket_file.h"
#include "test/support/temp_dir.h"

namespace reactor {
namespace {

using testing::TempDir;

constexpr int kPatienceMs = 5000;  // bound on any wait for the kernel

// What a call threw: its errno and message; errno 0 if it returned.
struct Failure {
  int error = 0;
  std::string what;
};

template <typename Call>
Failure failure_of(Call call) {
  try {
    call();
  } catch (const std::system_error& error) {
    return {error.code().value(), error.what()};
  }
  return {};
}

SocketAddress at_path(const std::string& path) {
  return *SocketAddress::unix_path(path);
}

// A socket file at `path` that nobody listens on, as a process that died leaves behind.
void leave_stale_socket_file(const std::string& path) {
  listen_stream(at_path(path));  // the listener closes at once; its file stays
}

// The file at `path`: its inode, or none if nothing is there. Symlinks are not followed.
std::optional<ino_t> inode_at(const std::string& path) {
  struct stat status {};
  if (::lstat(path.c_str(), &status) != 0) return std::nullopt;
  return status.st_ino;
}

bool is_socket_file(const std::string& path) {
  struct stat status {};
  return ::lstat(path.c_str(), &status) == 0 && S_ISSOCK(status.st_mode);
}

std::string contents_of(const std::string& path) {
  std::ifstream file(path);
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

// Whether a client connecting to `address` is accepted on `listener`.
bool accepts_a_connection(const Socket& listener, const SocketAddress& address) {
  const Socket client = connect_stream(address);
  pollfd entry{listener.fd(), POLLIN, 0};
  if (::poll(&entry, 1, kPatienceMs) != 1) return false;
  const Socket accepted(::accept4(listener.fd(), nullptr, nullptr, SOCK_CLOEXEC));
  return accepted.valid();
}

class ListenStreamTest : public ::testing::Test {
 protected:
  TempDir dir_;
  const std::string path_ = dir_.file("server.sock");
};

TEST_F(ListenStreamTest, AStaleSocketFileIsReplaced) {
  leave_stale_socket_file(path_);
  ASSERT_TRUE(is_socket_file(path_));

  const Socket listener = listen_stream(at_path(path_));

  EXPECT_TRUE(accepts_a_connection(listener, at_path(path_)));
}

TEST_F(ListenStreamTest, WithoutUnlinkStaleAStaleSocketFileKeepsThePathTaken) {
  leave_stale_socket_file(path_);
  const std::optional<ino_t> stale = inode_at(path_);
  ListenOptions options;
  options.unlink_stale = false;

  EXPECT_EQ(failure_of([&] { listen_stream(at_path(path_), options); }).error, EADDRINUSE);
  EXPECT_EQ(inode_at(path_), stale);
}

TEST_F(ListenStreamTest, ALiveListenerKeepsItsPathAndTheErrorNamesIt) {
  const Socket live = listen_stream(at_path(path_));

  const Failure failure = failure_of([&] { listen_stream(at_path(path_)); });

  EXPECT_EQ(failure.error, EADDRINUSE);
  EXPECT_NE(failure.what.find("unix:" + path_), std::string::npos) << failure.what;
  EXPECT_TRUE(accepts_a_connection(live, at_path(path_)));
}

TEST_F(ListenStreamTest, ARegularFileAtThePathIsLeftUntouched) {
  std::ofstream(path_) << "precious";

  EXPECT_EQ(failure_of([&] { listen_stream(at_path(path_)); }).error, EADDRINUSE);
  EXPECT_EQ(contents_of(path_), "precious");
}

TEST_F(ListenStreamTest, ASocketOfAnotherTypeAtThePathIsLeftAlone) {
  const Socket datagram(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  const SocketAddress address = at_path(path_);
  ASSERT_EQ(::bind(datagram.fd(), address.sockaddr_ptr(), address.length()), 0);
  const std::optional<ino_t> bound = inode_at(path_);

  EXPECT_EQ(failure_of([&] { listen_stream(address); }).error, EADDRINUSE);
  EXPECT_EQ(inode_at(path_), bound);
}

TEST_F(ListenStreamTest, APathTooLongForASocketAddressIsRefusedAndTheLongestThatFitsWorks) {
  constexpr std::size_t kMaxPath = sizeof(sockaddr_un::sun_path) - 1;  // and its NUL
  const std::string prefix = dir_.path() + "/";
  const std::string longest = prefix + std::string(kMaxPath - prefix.size(), 's');

  EXPECT_FALSE(SocketAddress::unix_path(longest + "s"));
  const Socket listener = listen_stream(at_path(longest));
  EXPECT_TRUE(accepts_a_connection(listener, at_path(longest)));
  EXPECT_EQ(dir_.listing(), longest.substr(prefix.size()));
}

TEST_F(ListenStreamTest, AnAbstractNameMakesNoFileAndGoesWithItsSocket) {
  // Named like a path in the directory, to show that no file appears there.
  const SocketAddress name = *SocketAddress::unix_abstract(path_);
  {
    const Socket listener = listen_stream(name);
    EXPECT_TRUE(accepts_a_connection(listener, name));
    EXPECT_EQ(SocketAddress::local_of(listener.fd()), name);
    EXPECT_EQ(dir_.listing(), "");
  }
  EXPECT_EQ(failure_of([&] { connect_stream(name); }).error, ECONNREFUSED);
  EXPECT_EQ(failure_of([&] { listen_stream(name); }).error, 0);
}

TEST_F(ListenStreamTest, ReusePortIsRefusedForAUnixAddress) {
  ListenOptions options;
  options.reuse_port = true;

  EXPECT_EQ(failure_of([&] { listen_stream(at_path(path_), options); }).error, EINVAL);
  EXPECT_EQ(dir_.listing(), "");
}

TEST_F(ListenStreamTest, ConnectingWhereNobodyListensSaysWhyAndWhere) {
  const Failure no_file = failure_of([&] { connect_stream(at_path(path_)); });
  EXPECT_EQ(no_file.error, ENOENT);
  EXPECT_NE(no_file.what.find(path_), std::string::npos) << no_file.what;

  leave_stale_socket_file(path_);
  EXPECT_EQ(failure_of([&] { connect_stream(at_path(path_)); }).error, ECONNREFUSED);
}

TEST_F(ListenStreamTest, AMissingDirectoryIsReportedWithThePath) {
  const std::string path = dir_.file("missing/server.sock");

  const Failure failure = failure_of([&] { listen_stream(at_path(path)); });

  EXPECT_EQ(failure.error, ENOENT);
  EXPECT_NE(failure.what.find(path), std::string::npos) << failure.what;
}

TEST_F(ListenStreamTest, ASocketFileRemovesTheFileOfItsListener) {
  const Socket listener = listen_stream(at_path(path_));
  {
    const SocketFile file(listener);
    EXPECT_EQ(file.path(), path_);
  }
  EXPECT_FALSE(inode_at(path_));
}

TEST_F(ListenStreamTest, ASocketFileLeavesTheFileOfASuccessorAlone) {
  const Socket first = listen_stream(at_path(path_));
  SocketFile file(first);
  ASSERT_EQ(::unlink(path_.c_str()), 0);  // someone else takes over the path
  const Socket successor = listen_stream(at_path(path_));

  file.remove();

  EXPECT_TRUE(file.path().empty());
  EXPECT_TRUE(accepts_a_connection(successor, at_path(path_)));
}

TEST_F(ListenStreamTest, AReleasedOrMovedFromSocketFileRemovesNothing) {
  const Socket listener = listen_stream(at_path(path_));
  SocketFile released(listener);
  released.release();
  released.remove();
  EXPECT_TRUE(is_socket_file(path_));

  SocketFile moved_from(listener);
  {
    const SocketFile moved_to(std::move(moved_from));
    moved_from.remove();
    EXPECT_TRUE(is_socket_file(path_));
  }
  EXPECT_FALSE(inode_at(path_));
}

TEST_F(ListenStreamTest, ASocketFileOfATcpOrAbstractListenerIsInChargeOfNothing) {
  const Socket tcp = listen_tcp(*InetAddress::parse("127.0.0.1", 0));
  const Socket abstract = listen_stream(*SocketAddress::unix_abstract(path_));

  EXPECT_EQ(SocketFile(tcp).path(), "");
  EXPECT_EQ(SocketFile(abstract).path(), "");
}

}  // namespace
}  // namespace reactor
