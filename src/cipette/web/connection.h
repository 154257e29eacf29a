#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace cipette::web {

// The transport of one accepted HTTP connection, for cpp-httplib's request processing
// (Server::process_request) in place of its own SocketStream, which costs about a dozen system
// calls per request: a poll before every read and two before every write, a getpeername and a
// getsockname, and the status line and headers sent apart from the body (two TCP segments, so
// the client wakes twice per response). Here:
// - reads come from a buffer refilled by one blocking recv (the socket's SO_RCVTIMEO, set by
//   httplib at accept, bounds the wait);
// - writes are gathered until the response is complete (flush()) or a large one arrives, which
//   goes out together with what is gathered in one sendmsg (bounded by SO_SNDTIMEO), so a
//   response leaves in one call whatever its size, and a shared body is never copied;
// - anything gathered is sent before a read blocks (an interim "100 Continue" reaches the
//   client before the server waits for the body);
// - the peer's and the local address are looked up once per connection.
// Not thread-safe: one connection is served by one thread.
class ConnectionStream : public httplib::Stream {
 public:
  // Writes at most this large are gathered; larger ones are sent at once with the gathered
  // bytes in front.
  static constexpr std::size_t kGatherBytes = 16 * 1024;

  // REQUIRES: `socket` is a connected, blocking stream socket; it stays owned by the caller.
  // `read_timeout`: how long is_readable() waits.
  ConnectionStream(int socket, std::chrono::milliseconds read_timeout);

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, std::size_t size) override;
  ssize_t write(const char* ptr, std::size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  int socket() const override { return socket_; }

  // Sends what is gathered. False when the connection failed (it should be closed).
  bool flush();

  // Whether bytes of the next request were already received (a pipelining client).
  bool has_buffered_input() const { return read_pos_ < read_end_; }

  // Waits until the peer sends something or closes, at most `timeout`. False on timeout or
  // error.
  bool wait_readable(std::chrono::milliseconds timeout) const;

 private:
  bool send_all(const char* head, std::size_t head_size, const char* tail, std::size_t tail_size);
  struct Address {
    bool known = false;
    std::string ip;
    int port = 0;
  };

  int socket_;
  std::chrono::milliseconds read_timeout_;
  std::vector<char> read_buffer_;
  std::size_t read_pos_ = 0;
  std::size_t read_end_ = 0;
  std::string gathered_;
  bool failed_ = false;
  mutable Address remote_;
  mutable Address local_;
};

}  // namespace cipette::web
