#include "cipette/web/http_server.h"

#include <httplib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "cipette/web/connection.h"
#include "cipette/web/routes.h"
#include "cipette/web/security.h"

namespace cipette::web {

namespace {

// Limits that keep one client from holding the server: requests carry at most a sign-in form,
// and a connection that stalls is dropped.
constexpr std::size_t kMaxRequestBodyBytes = 16 * 1024;
constexpr int kReadTimeoutSeconds = 5;
constexpr int kWriteTimeoutSeconds = 10;
constexpr int kKeepAliveSeconds = 2;
constexpr std::size_t kKeepAliveMaxRequests = 1000;
constexpr int kAcceptPollMicroseconds = 100000;
// How often a connection waiting for its next request checks whether the server is stopping.
constexpr std::chrono::milliseconds kIdleCheck{100};

// Renderings that may run at once: one per core keeps the CPUs busy without letting a burst of
// uncached requests multiply the memory they need.
int render_slots() { return static_cast<int>(std::max(2u, std::thread::hardware_concurrency())); }

// cpp-httplib's server with two changes:
// - it listens with a backlog of 5: a burst of new connections (a browser opening six, a load
//   test opening fifty) overflows it, and the dropped SYNs are retried only after a second.
//   Calling listen() again on the bound socket raises the backlog;
// - each connection is served over a ConnectionStream (see connection.h: three system calls
//   and one TCP segment per response instead of about a dozen and two) by the keep-alive loop
//   below, which keeps httplib's rules: at most keep_alive_max_count_ requests, an idle
//   connection closed after keep_alive_timeout_sec_, the last request answered with
//   "Connection: close", nothing new started once the server stops.
class ListeningServer : public httplib::Server {
 public:
  void widen_backlog() { ::listen(svr_sock_, kListenBacklog); }

 private:
  static constexpr int kListenBacklog = 1024;

  bool process_and_close_socket(int socket) override {
    serve_connection(socket);
    ::shutdown(socket, SHUT_RDWR);
    ::close(socket);
    return true;
  }

  void serve_connection(int socket) {
    ConnectionStream stream(socket, std::chrono::seconds(read_timeout_sec_));
    for (std::size_t left = keep_alive_max_count_; left > 0 && next_request(stream); --left) {
      bool closed_by_client = false;
      bool answered = process_request(stream, left == 1, closed_by_client, nullptr);
      if (!stream.flush() || !answered || closed_by_client) return;
    }
  }

  // Waits for the connection's next request: false once the server stops or the connection
  // stays idle past the keep-alive timeout.
  bool next_request(const ConnectionStream& stream) const {
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(keep_alive_timeout_sec_);
    while (svr_sock_ != INVALID_SOCKET) {
      if (stream.has_buffered_input() || stream.wait_readable(kIdleCheck)) return true;
      if (std::chrono::steady_clock::now() >= deadline) return false;
    }
    return false;
  }
};

}  // namespace

struct HttpServer::Context {
  RouteContext routes;
};

HttpServer::HttpServer(Snapshot& snapshot, const ServerOptions& options,
                       std::function<Timestamp()> clock)
    : snapshot_(snapshot),
      options_(options),
      cache_(std::chrono::seconds(std::max(0, options.cache_ttl_seconds))),
      gate_(render_slots()),
      context_(std::make_unique<Context>(
          Context{RouteContext{snapshot_, cache_, gate_, options_, std::move(clock), log_}})),
      server_(std::make_unique<ListeningServer>()) {
  std::size_t threads = static_cast<std::size_t>(std::max(1, options_.threads));
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm and
  // delayed ACKs add ~40 ms to every keep-alive response.
  server_->set_tcp_nodelay(true);
  server_->set_payload_max_length(kMaxRequestBodyBytes);
  server_->set_read_timeout(kReadTimeoutSeconds, 0);
  server_->set_write_timeout(kWriteTimeoutSeconds, 0);
  server_->set_keep_alive_timeout(kKeepAliveSeconds);
  server_->set_keep_alive_max_count(kKeepAliveMaxRequests);
  // Wake the accept loop now and then: a stop() that lands just as the loop starts would
  // otherwise wait for the next connection.
  server_->set_idle_interval(0, kAcceptPollMicroseconds);
  httplib::Headers headers;
  for (const auto& [name, value] : security_headers()) headers.emplace(name, value);
  server_->set_default_headers(std::move(headers));
  install_routes(*server_, context_->routes);
}

HttpServer::~HttpServer() { stop(); }

Result<int> HttpServer::bind(const std::string& host, int port) {
  bool bound =
      port == 0 ? (port = server_->bind_to_any_port(host)) > 0 : server_->bind_to_port(host, port);
  if (!bound) {
    return Error{"cannot listen on " + host + ":" + std::to_string(port) +
                 " (address in use, or not an address of this machine)"};
  }
  static_cast<ListeningServer&>(*server_).widen_backlog();
  return port;
}

Status HttpServer::run() {
  run_started_ = true;
  Status result;
  if (!stop_requested_ && !server_->listen_after_bind() && !stop_requested_) {
    result = Error{"the HTTP server stopped unexpectedly"};
  }
  run_finished_ = true;
  return result;
}

void HttpServer::stop() {
  stop_requested_ = true;
  if (!run_started_) return;
  // stop() only works once the accept loop runs: wait for it (or for run() to end).
  while (!server_->is_running() && !run_finished_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  server_->stop();
}

}  // namespace cipette::web
