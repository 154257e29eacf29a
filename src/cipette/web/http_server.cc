#include "cipette/web/http_server.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <variant>
#include <vector>

#include "cipette/web/client_limits.h"
#include "cipette/web/http_message.h"
#include "cipette/web/render_gate.h"
#include "cipette/web/request_log.h"
#include "cipette/web/routes.h"

namespace cipette::web {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

constexpr std::size_t kKiB = 1024;
// Limits that keep one client from holding the server: requests carry at most a sign-in form.
constexpr std::size_t kMaxHeaderBytes = 8 * kKiB;
constexpr std::size_t kMaxBodyBytes = 16 * kKiB;
constexpr auto kFirstByteTimeout = 10s;  // a new connection, until its first request begins
constexpr auto kKeepAliveTimeout = 2s;   // an idle keep-alive connection, until its next one
constexpr auto kWriteTimeout = 10s;
constexpr auto kLingerTimeout = 1s;
constexpr std::size_t kLingerBytes = 256 * kKiB;
constexpr int kMaxRequestsPerConnection = 1000;
constexpr int kListenBacklog = 1024;
constexpr auto kAcceptRetry = 100ms;  // after accept fails (out of file descriptors)

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::string_view kTooManyConnections =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 50\r\n"
    "Connection: close\r\n\r\nToo many open connections from your address (503)\n";

// Threads serving connections: one per core unless configured.
int thread_count(const ServerOptions& options) {
  if (options.threads > 0) return options.threads;
  return static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
}

// Raises the soft limit on open files to the hard one, and returns how many connections the
// server may hold with what remains for the database, the log and the listening socket.
std::size_t connection_capacity() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1000;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = std::min<rlim_t>(limit.rlim_max, 1 << 20);
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  rlim_t usable = limit.rlim_cur > 128 ? limit.rlim_cur - 64 : 64;
  return static_cast<std::size_t>(std::min<rlim_t>(usable, 100'000));
}

// Whether the request has a body to read (a Content-Length above zero, or chunked).
bool has_body(const http::request_parser<http::string_body>& parser) {
  return parser.chunked() || parser.content_length().value_or(0) > 0;
}

// The request as the routes see it, from what Beast parsed.
HttpRequest to_request(const http::request<http::string_body>& raw, const std::string& address) {
  HttpRequest req;
  req.method = std::string(raw.method_string());
  req.target = std::string(raw.target());
  std::string_view target = req.target;
  std::size_t query = target.find('?');
  req.path = percent_decode(target.substr(0, query), false);
  if (query != std::string_view::npos) req.params = parse_query_string(target.substr(query + 1));
  for (const auto& field : raw) {
    req.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  req.body = raw.body();
  if (req.method == "POST" &&
      req.header("Content-Type").starts_with("application/x-www-form-urlencoded")) {
    req.params.merge(parse_query_string(req.body));
  }
  req.remote_addr = address;
  return req;
}

// The status a failed read of a request is answered with, or 0: close without an answer
// (the client left, went silent, or the server is stopping).
int status_for_read_error(const beast::error_code& ec) {
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow) return 431;
  if (ec == http::error::body_limit) return 413;
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) return 0;
  // Any other error of the HTTP parser is a malformed request; the rest are the connection's.
  return ec.category() == make_error_code(http::error::bad_target).category() ? 400 : 0;
}

class Session;

}  // namespace

class HttpServer::Impl {
 public:
  Impl(Snapshot& snapshot, const ServerOptions& options, std::function<Timestamp()> clock,
       StorePool* stores);

  Result<int> bind(const std::string& host, int port);
  Status run();
  void stop();

  ResponseCache& cache() { return cache_; }
  const Routes& routes() const { return routes_; }
  RenderGate& gate() { return gate_; }
  AccessLog& log() { return log_; }
  const ServerOptions& options() const { return options_; }
  bool stopping() const { return stopping_; }

  void add_session(const std::shared_ptr<Session>& session);
  void remove_session(Session* session, const std::string& address);

 private:
  void accept();
  void on_accept(const beast::error_code& ec, tcp::socket socket);

  ServerOptions options_;
  ResponseCache cache_;
  AccessLog log_;
  AuthThrottle throttle_;
  Routes routes_;
  ConnectionCounter connections_;
  std::atomic<bool> stopping_ = false;
  std::atomic<bool> bound_ = false;
  std::mutex sessions_mutex_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;  // GUARDED_BY(sessions_mutex_)
  // Late, so that they go early: destroying the io_context destroys the sessions its pending
  // handlers hold, and they unregister from the members above.
  net::io_context io_;
  tcp::acceptor acceptor_;
  net::steady_timer accept_retry_;
  // After the io_context, so that it goes first: its destructor waits for the renderings,
  // whose callbacks post to the io_context.
  RenderGate gate_;
};

namespace {

// One connection: reads requests one at a time (pipelined ones in order), answers each, and
// keeps the connection open while the client wants it and the limits allow. Its handlers run
// on its own strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer::Impl& server, std::string address)
      : stream_(std::move(socket)),
        buffer_(kMaxHeaderBytes + kMaxBodyBytes),
        delay_(stream_.get_executor()),
        server_(server),
        address_(std::move(address)) {}
  ~Session() { server_.remove_session(this, address_); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() { wait_for_request(); }
  auto get_executor() { return stream_.get_executor(); }

  // Closes the connection unless a request is being answered (it closes after that one).
  void close_if_idle() {
    if (!answering_) close();
  }

 private:
  void wait_for_request();
  void on_first_bytes(const beast::error_code& ec, std::size_t bytes);
  void read_header();
  void on_header(const beast::error_code& ec, std::size_t bytes);
  void read_body();
  void on_body(const beast::error_code& ec, std::size_t bytes);
  void fail_read(const beast::error_code& ec);
  void answer();
  void render(DeferredResponse deferred, bool keep_alive);
  void send(HttpResponse res, bool keep_alive);
  void on_sent(const beast::error_code& ec, bool keep_alive);
  void refuse(int status, const std::string& message = "");
  void linger_close();
  void on_linger(const beast::error_code& ec, std::size_t bytes);
  void close();

  template <typename Handler>
  auto bind(Handler handler) {
    return beast::bind_front_handler(handler, shared_from_this());
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  net::steady_timer delay_;
  HttpServer::Impl& server_;
  std::string address_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpRequest request_;
  http::response<http::buffer_body> response_;
  HttpResponse answer_;  // keeps the body response_ points at alive while it is sent
  std::vector<char> discard_;
  std::size_t discarded_ = 0;
  int served_ = 0;
  bool answering_ = false;
};

}  // namespace

void Session::wait_for_request() {
  answering_ = false;
  if (server_.stopping()) return close();
  if (buffer_.size() > 0) return read_header();  // a pipelined request is already here
  stream_.expires_after(served_ == 0 ? kFirstByteTimeout : kKeepAliveTimeout);
  stream_.async_read_some(buffer_.prepare(kMaxHeaderBytes), bind(&Session::on_first_bytes));
}

void Session::on_first_bytes(const beast::error_code& ec, std::size_t bytes) {
  if (ec) return close();  // the client left or stayed silent
  buffer_.commit(bytes);
  read_header();
}

void Session::read_header() {
  parser_.emplace();
  parser_->header_limit(kMaxHeaderBytes);
  parser_->body_limit(kMaxBodyBytes);
  request_ = HttpRequest{};
  request_.remote_addr = address_;
  stream_.expires_after(server_.options().request_deadline);
  http::async_read_header(stream_, buffer_, *parser_, bind(&Session::on_header));
}

void Session::on_header(const beast::error_code& ec, std::size_t /*bytes*/) {
  if (ec) return fail_read(ec);
  answering_ = true;
  const auto& head = parser_->get();
  auto encoding = head[http::field::content_encoding];
  if (!encoding.empty() && !beast::iequals(encoding, "identity")) return refuse(415);
  bool get = head.method() == http::verb::get || head.method() == http::verb::head;
  if (get && has_body(*parser_)) return refuse(400, "A GET request may not carry a body.");
  if (parser_->is_done()) return answer();
  if (beast::iequals(head[http::field::expect], "100-continue")) {
    return net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                            [self = shared_from_this()](beast::error_code e, std::size_t) {
                              if (e) return self->close();
                              self->read_body();
                            });
  }
  read_body();
}

void Session::read_body() {
  // The deadline set for the head still runs: head and body share it.
  http::async_read(stream_, buffer_, *parser_, bind(&Session::on_body));
}

void Session::on_body(const beast::error_code& ec, std::size_t /*bytes*/) {
  if (ec) return fail_read(ec);
  answer();
}

// A request that could not be read is answered with an error page, or the connection is
// closed without one (see status_for_read_error).
void Session::fail_read(const beast::error_code& ec) {
  int status = status_for_read_error(ec);
  return status == 0 ? close() : refuse(status);
}

void Session::answer() {
  request_ = to_request(parser_->get(), address_);
  bool keep_alive = parser_->get().keep_alive() && served_ + 1 < kMaxRequestsPerConnection;
  Answer answer = server_.routes().handle(request_);
  if (auto* deferred = std::get_if<DeferredResponse>(&answer))
    return render(std::move(*deferred), keep_alive);
  HttpResponse res = std::move(std::get<HttpResponse>(answer));
  if (res.delay.count() <= 0) return send(std::move(res), keep_alive);
  delay_.expires_after(res.delay);
  delay_.async_wait([self = shared_from_this(), res = std::move(res), keep_alive](
                        beast::error_code) mutable { self->send(std::move(res), keep_alive); });
}

// Hands the rendering to the RenderGate's threads; the response comes back to this
// connection's strand. Until then the connection waits, holding no thread.
void Session::render(DeferredResponse deferred, bool keep_alive) {
  auto pending = std::make_shared<DeferredResponse>(std::move(deferred));
  // Keeps the server running (run() returns once nothing is left to do) until the response
  // is back on this connection.
  auto work = std::make_shared<net::executor_work_guard<net::any_io_executor>>(
      net::make_work_guard(net::any_io_executor(stream_.get_executor())));
  // Everything the callback holds moves on to this connection's strand: the rendering
  // thread must not be the last to hold the connection, which needs the server's io_context.
  server_.gate().submit(
      pending->flight, pending->generation, pending->render,
      [self = shared_from_this(), pending, keep_alive, work](
          const CachedResponse& rendered, const std::exception_ptr& error) mutable {
        HttpResponse res = self->server_.routes().finish(self->request_, *pending, rendered, error);
        auto executor = self->stream_.get_executor();
        net::post(executor, [self = std::move(self), res = std::move(res), keep_alive,
                             work = std::move(work)]() mutable {
          self->send(std::move(res), keep_alive);
          work->reset();
        });
      });
}

void Session::send(HttpResponse res, bool keep_alive) {
  keep_alive = keep_alive && !res.close && !server_.stopping();
  if (server_.options().access_log) server_.log().request(request_, res);
  answer_ = std::move(res);
  response_ = {};
  response_.version(11);
  response_.result(static_cast<unsigned>(answer_.status));
  if (!answer_.content_type.empty()) response_.set(http::field::content_type, answer_.content_type);
  for (const auto& [name, value] : answer_.headers) response_.insert(name, value);
  response_.content_length(answer_.body_size());
  bool head = request_.method == "HEAD";
  response_.body().data = head || !answer_.body ? nullptr : const_cast<char*>(answer_.body->data());
  response_.body().size = head ? 0 : answer_.body_size();
  response_.body().more = false;
  response_.keep_alive(keep_alive);
  // Clients that keep the connection for the next request (Node's fetch, browsers) drop it
  // before the server's idle timeout closes it, rather than send into a closing connection.
  static const std::string hint = "timeout=" + std::to_string(kKeepAliveTimeout.count());
  if (keep_alive) response_.set(http::field::keep_alive, hint);
  stream_.expires_after(kWriteTimeout);
  http::async_write(stream_, response_,
                    [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                      self->on_sent(ec, keep_alive);
                    });
}

void Session::on_sent(const beast::error_code& ec, bool keep_alive) {
  answer_ = HttpResponse{};
  if (ec) return close();
  ++served_;
  if (!keep_alive) return linger_close();
  wait_for_request();
}

// Answers a request that cannot be read or served with an error page, then closes: what the
// client may still be sending is not a request.
void Session::refuse(int status, const std::string& message) {
  answering_ = true;
  if (request_.target.empty() && parser_ && parser_->is_header_done()) {
    request_ = to_request(parser_->get(), address_);
  }
  send(server_.routes().refuse(status, request_, message), false);
}

// Closes after the client has read the last response: stops sending, then reads and drops
// what the client still sends (a body that was refused) for a moment, so that closing with
// unread data does not reset the connection before the response reaches the client.
void Session::linger_close() {
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  discard_.resize(16 * kKiB);
  stream_.expires_after(kLingerTimeout);
  stream_.async_read_some(net::buffer(discard_), bind(&Session::on_linger));
}

void Session::on_linger(const beast::error_code& ec, std::size_t bytes) {
  discarded_ += bytes;
  if (ec || discarded_ > kLingerBytes) return close();
  stream_.async_read_some(net::buffer(discard_), bind(&Session::on_linger));
}

void Session::close() {
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.socket().close(ignored);
}

HttpServer::Impl::Impl(Snapshot& snapshot, const ServerOptions& options,
                       std::function<Timestamp()> clock, StorePool* stores)
    : options_(options),
      cache_(std::chrono::seconds(std::max(0, options.cache_ttl_seconds)),
             CacheLimits{.max_bytes = options.cache_max_bytes}),
      routes_(RouteContext{snapshot, cache_, gate_, options_, std::move(clock), log_, throttle_,
                           stores}),
      connections_(static_cast<std::size_t>(std::max(0, options.max_connections_per_client)),
                   connection_capacity()),
      io_(thread_count(options)),
      acceptor_(net::make_strand(io_)),
      accept_retry_(acceptor_.get_executor()),
      gate_(thread_count(options)) {}

Result<int> HttpServer::Impl::bind(const std::string& host, int port) {
  beast::error_code ec;
  auto address = net::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (!ec) {
    tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(kListenBacklog, ec);
  }
  if (ec) {
    beast::error_code ignored;
    acceptor_.close(ignored);
    return Error{"cannot listen on " + host + ":" + std::to_string(port) + " (" + ec.message() +
                 ")"};
  }
  bound_ = true;
  return static_cast<int>(acceptor_.local_endpoint().port());
}

Status HttpServer::Impl::run() {
  if (!bound_) return Error{"the HTTP server is not bound to an address"};
  if (stopping_) return {};
  net::post(acceptor_.get_executor(), [this] { accept(); });
  int extra = thread_count(options_) - 1;
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(extra));
  for (int i = 0; i < extra; ++i) threads.emplace_back([this] { io_.run(); });
  io_.run();
  for (std::thread& thread : threads) thread.join();
  return {};
}

void HttpServer::Impl::stop() {
  if (stopping_.exchange(true)) return;
  net::post(acceptor_.get_executor(), [this] {
    beast::error_code ignored;
    acceptor_.close(ignored);
    accept_retry_.cancel();
  });
  std::vector<std::shared_ptr<Session>> open;
  {
    std::lock_guard lock(sessions_mutex_);
    for (auto& [raw, weak] : sessions_) {
      if (auto session = weak.lock()) open.push_back(std::move(session));
    }
  }
  // Outside the lock: the last reference to a session may go here, and it unregisters.
  for (auto& session : open) {
    net::post(session->get_executor(), [session] { session->close_if_idle(); });
  }
}

void HttpServer::Impl::accept() {
  if (stopping_) return;
  acceptor_.async_accept(net::make_strand(io_), [this](beast::error_code ec, tcp::socket socket) {
    on_accept(ec, std::move(socket));
  });
}

void HttpServer::Impl::on_accept(const beast::error_code& ec, tcp::socket socket) {
  if (stopping_ || ec == net::error::operation_aborted) return;
  if (ec) {
    // Out of file descriptors, most likely: try again shortly rather than spin.
    accept_retry_.expires_after(kAcceptRetry);
    accept_retry_.async_wait([this](beast::error_code e) {
      if (!e) accept();
    });
    return;
  }
  beast::error_code peer_error;
  std::string address = socket.remote_endpoint(peer_error).address().to_string();
  if (peer_error) return accept();
  if (!connections_.try_add(address)) {
    beast::error_code ignored;
    socket.non_blocking(true, ignored);
    socket.write_some(net::buffer(kTooManyConnections.data(), kTooManyConnections.size()), ignored);
    socket.close(ignored);
    return accept();
  }
  socket.set_option(tcp::no_delay(true), peer_error);
  auto session = std::make_shared<Session>(std::move(socket), *this, address);
  add_session(session);
  session->start();
  accept();
}

void HttpServer::Impl::add_session(const std::shared_ptr<Session>& session) {
  std::lock_guard lock(sessions_mutex_);
  sessions_.emplace(session.get(), session);
}

void HttpServer::Impl::remove_session(Session* session, const std::string& address) {
  {
    std::lock_guard lock(sessions_mutex_);
    sessions_.erase(session);
  }
  connections_.remove(address);
}

HttpServer::HttpServer(Snapshot& snapshot, const ServerOptions& options,
                       std::function<Timestamp()> clock, StorePool* stores)
    : impl_(std::make_unique<Impl>(snapshot, options, std::move(clock), stores)) {}

HttpServer::~HttpServer() { stop(); }

Result<int> HttpServer::bind(const std::string& host, int port) { return impl_->bind(host, port); }

Status HttpServer::run() { return impl_->run(); }

void HttpServer::stop() { impl_->stop(); }

ResponseCache& HttpServer::cache() { return impl_->cache(); }

}  // namespace cipette::web
