#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "cipette/core/result.h"
#include "cipette/core/time.h"
#include "cipette/web/render_gate.h"
#include "cipette/web/request_log.h"
#include "cipette/web/response_cache.h"
#include "cipette/web/server.h"
#include "cipette/web/snapshot.h"

namespace httplib {
class Server;
}

namespace cipette::web {

// The dashboard and API over HTTP, answering from `snapshot` (see routes.h for the routes),
// with the request limits (body size, read and write timeouts), security headers, optional
// access control, response cache and access log configured from `options`. No signal handling
// and no store: serve() adds those; tests use this directly.
class HttpServer {
 public:
  // `clock` gives "now" for day periods (default: the system clock).
  HttpServer(Snapshot& snapshot, const ServerOptions& options,
             std::function<Timestamp()> clock = now_utc);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds host:port (port 0: any free port). Returns the bound port; fails naming host and port.
  Result<int> bind(const std::string& host, int port);

  // Serves until stop(). REQUIRES: bind() succeeded. Returns when stopped, after the requests
  // in flight are answered.
  Status run();

  // Makes run() return (or keeps it from starting). Thread-safe; not async-signal-safe.
  void stop();

  ResponseCache& cache() { return cache_; }

 private:
  struct Context;

  Snapshot& snapshot_;
  ServerOptions options_;
  ResponseCache cache_;
  RenderGate gate_;
  AccessLog log_;
  std::unique_ptr<Context> context_;
  std::unique_ptr<httplib::Server> server_;
  std::atomic<bool> run_started_ = false;
  std::atomic<bool> run_finished_ = false;
  std::atomic<bool> stop_requested_ = false;
};

}  // namespace cipette::web
