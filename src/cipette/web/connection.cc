#include "cipette/web/connection.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>

namespace cipette::web {

namespace {

constexpr std::size_t kReadBufferBytes = 4096;

// The numeric address and port of a socket's peer (`peer`) or its own end, as httplib's
// SocketStream reports them.
void lookup(int socket, bool peer, std::string& ip, int& port) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  auto* raw = reinterpret_cast<sockaddr*>(&address);
  if ((peer ? ::getpeername(socket, raw, &length) : ::getsockname(socket, raw, &length)) != 0) {
    return;
  }
  char host[NI_MAXHOST];
  if (::getnameinfo(raw, length, host, sizeof host, nullptr, 0, NI_NUMERICHOST) == 0) ip = host;
  if (address.ss_family == AF_INET) {
    port = ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
  } else if (address.ss_family == AF_INET6) {
    port = ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port);
  }
}

}  // namespace

ConnectionStream::ConnectionStream(int socket, std::chrono::milliseconds read_timeout)
    : socket_(socket), read_timeout_(read_timeout), read_buffer_(kReadBufferBytes) {}

bool ConnectionStream::wait_readable(std::chrono::milliseconds timeout) const {
  pollfd entry{socket_, POLLIN, 0};
  int ready = 0;
  do {
    ready = ::poll(&entry, 1, static_cast<int>(timeout.count()));
  } while (ready < 0 && errno == EINTR);
  return ready > 0;
}

bool ConnectionStream::is_readable() const {
  return has_buffered_input() || wait_readable(read_timeout_);
}

bool ConnectionStream::is_writable() const { return !failed_; }

ssize_t ConnectionStream::read(char* ptr, std::size_t size) {
  if (!has_buffered_input()) {
    // The peer may be waiting for what is gathered (an interim response) before it sends more.
    if (!flush()) return -1;
    ssize_t received = 0;
    do {
      received = ::recv(socket_, read_buffer_.data(), read_buffer_.size(), 0);
    } while (received < 0 && errno == EINTR);
    if (received <= 0) return received;  // closed, or SO_RCVTIMEO ran out
    read_pos_ = 0;
    read_end_ = static_cast<std::size_t>(received);
  }
  std::size_t n = std::min(size, read_end_ - read_pos_);
  std::memcpy(ptr, read_buffer_.data() + read_pos_, n);
  read_pos_ += n;
  return static_cast<ssize_t>(n);
}

ssize_t ConnectionStream::write(const char* ptr, std::size_t size) {
  if (failed_) return -1;
  if (gathered_.size() + size <= kGatherBytes) {
    gathered_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  bool sent = send_all(gathered_.data(), gathered_.size(), ptr, size);
  gathered_.clear();
  return sent ? static_cast<ssize_t>(size) : -1;
}

bool ConnectionStream::flush() {
  if (failed_) return false;
  if (gathered_.empty()) return true;
  bool sent = send_all(gathered_.data(), gathered_.size(), nullptr, 0);
  gathered_.clear();
  return sent;
}

bool ConnectionStream::send_all(const char* head, std::size_t head_size, const char* tail,
                                std::size_t tail_size) {
  iovec parts[2] = {{const_cast<char*>(head), head_size}, {const_cast<char*>(tail), tail_size}};
  msghdr message{};
  message.msg_iov = parts;
  message.msg_iovlen = 2;
  while (parts[0].iov_len + parts[1].iov_len > 0) {
    ssize_t sent = ::sendmsg(socket_, &message, MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) {  // the peer is gone, or SO_SNDTIMEO ran out
      failed_ = true;
      return false;
    }
    auto done = static_cast<std::size_t>(sent);
    for (iovec& part : parts) {
      std::size_t step = std::min(done, part.iov_len);
      part.iov_base = static_cast<char*>(part.iov_base) + step;
      part.iov_len -= step;
      done -= step;
    }
  }
  return true;
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  if (!remote_.known) {
    lookup(socket_, true, remote_.ip, remote_.port);
    remote_.known = true;
  }
  ip = remote_.ip;
  port = remote_.port;
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
  if (!local_.known) {
    lookup(socket_, false, local_.ip, local_.port);
    local_.known = true;
  }
  ip = local_.ip;
  port = local_.port;
}

}  // namespace cipette::web
