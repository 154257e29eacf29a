#pragma once

#include <functional>
#include <memory>
#include <string>

#include "cipette/core/result.h"
#include "cipette/core/time.h"
#include "cipette/web/response_cache.h"
#include "cipette/web/server.h"
#include "cipette/web/snapshot.h"

namespace cipette::web {

class StorePool;

// The dashboard and API over HTTP/1.1, answering from `snapshot` (see routes.h for the routes).
// Event-driven (Boost.Beast over Asio): a few threads serve every connection, so idle or slow
// clients cost memory, not threads. What one client can hold is bounded:
// - a request's head and body must arrive within 10 s of its first byte (8 KiB of head, 16 KiB
//   of body; no Content-Encoding), a new connection's first byte within 10 s, a keep-alive
//   connection's next request within 2 s;
// - options.max_connections_per_client connections per client address, and a total set by
//   the process's file limit;
// - a failed sign-in is answered after a delay that holds no thread.
// No signal handling and no store: serve() adds those; tests use this directly.
class HttpServer {
 public:
  // `clock` gives "now" for day periods (default: the system clock). `stores` (may be null:
  // the routes that read the store answer 503) must outlive the server.
  HttpServer(Snapshot& snapshot, const ServerOptions& options,
             std::function<Timestamp()> clock = now_utc, StorePool* stores = nullptr);
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

  ResponseCache& cache();

  class Impl;  // defined in http_server.cc, with the connections it serves

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace cipette::web
