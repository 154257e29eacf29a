#include "cipette/web/connection.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

namespace cipette::web {
namespace {

using namespace std::chrono_literals;

// A connected pair of stream sockets: ours (served by a ConnectionStream) and the peer's.
class ConnectionStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    ours_ = fds[0];
    peer_ = fds[1];
    // Bounds every blocking call, so that a broken stream fails the test instead of hanging it.
    timeval limit{5, 0};
    for (int fd : fds) {
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    }
  }
  void TearDown() override {
    ::close(ours_);
    ::close(peer_);
  }

  // Everything the peer can read without waiting.
  std::string peer_receives_now() {
    std::string text;
    char buffer[65536];
    ssize_t n;
    while ((n = ::recv(peer_, buffer, sizeof buffer, MSG_DONTWAIT)) > 0) text.append(buffer, n);
    return text;
  }

  // Exactly `size` bytes, waiting for them.
  std::string peer_receives(std::size_t size) {
    std::string text;
    char buffer[65536];
    while (text.size() < size) {
      ssize_t n = ::recv(peer_, buffer, std::min(sizeof buffer, size - text.size()), 0);
      if (n <= 0) break;
      text.append(buffer, n);
    }
    return text;
  }

  int ours_ = -1;
  int peer_ = -1;
};

TEST_F(ConnectionStreamTest, SmallWritesAreGatheredUntilFlushed) {
  ConnectionStream stream(ours_, 1s);
  EXPECT_EQ(stream.write("HTTP/1.1 200 OK\r\n", 17), 17);
  EXPECT_EQ(stream.write("\r\n", 2), 2);
  EXPECT_EQ(peer_receives_now(), "");
  ASSERT_TRUE(stream.flush());
  EXPECT_EQ(peer_receives_now(), "HTTP/1.1 200 OK\r\n\r\n");
}

TEST_F(ConnectionStreamTest, ALargeWriteLeavesBehindTheGatheredBytesInOrder) {
  ConnectionStream stream(ours_, 1s);
  std::string head = "headers\r\n\r\n";
  std::string body(ConnectionStream::kGatherBytes + 5000, 'b');
  body.back() = 'e';
  std::string received;
  std::thread reader([&] { received = peer_receives(head.size() + body.size()); });
  ASSERT_EQ(stream.write(head.data(), head.size()), static_cast<ssize_t>(head.size()));
  ASSERT_EQ(stream.write(body.data(), body.size()), static_cast<ssize_t>(body.size()));
  reader.join();
  EXPECT_EQ(received, head + body);
  EXPECT_TRUE(stream.flush());  // nothing left to send
}

TEST_F(ConnectionStreamTest, ReadsServeSmallPiecesFromOneReceive) {
  ConnectionStream stream(ours_, 1s);
  ASSERT_EQ(::send(peer_, "GET / HTTP/1.1\r\n", 16, 0), 16);
  char c = 0;
  ASSERT_EQ(stream.read(&c, 1), 1);
  EXPECT_EQ(c, 'G');
  EXPECT_TRUE(stream.has_buffered_input());  // the other 15 bytes came with it
  char rest[64];
  EXPECT_EQ(stream.read(rest, sizeof rest), 15);
  EXPECT_FALSE(stream.has_buffered_input());
}

TEST_F(ConnectionStreamTest, GatheredBytesAreSentBeforeAReadWaits) {
  ConnectionStream stream(ours_, 1s);
  // The peer sends the body only once it has the interim response, as an HTTP client that
  // sent "Expect: 100-continue" does.
  std::thread client([&] {
    std::string interim = "HTTP/1.1 100 Continue\r\n\r\n";
    if (peer_receives(interim.size()) == interim) ::send(peer_, "token=x", 7, 0);
  });
  ASSERT_EQ(stream.write("HTTP/1.1 100 Continue\r\n\r\n", 25), 25);
  char body[16];
  ssize_t n = stream.read(body, sizeof body);
  client.join();
  ASSERT_EQ(n, 7);
  EXPECT_EQ(std::string(body, 7), "token=x");
}

TEST_F(ConnectionStreamTest, AClosedPeerEndsReadsAndFailsWrites) {
  ConnectionStream stream(ours_, 1s);
  ::shutdown(peer_, SHUT_RDWR);
  char c;
  EXPECT_EQ(stream.read(&c, 1), 0);
  EXPECT_TRUE(stream.wait_readable(10ms));  // readable: at its end
  std::string big(ConnectionStream::kGatherBytes * 8, 'x');
  EXPECT_EQ(stream.write(big.data(), big.size()), -1);
  EXPECT_FALSE(stream.is_writable());
}

}  // namespace
}  // namespace cipette::web
