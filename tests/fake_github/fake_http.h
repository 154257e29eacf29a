#pragma once

#include <httplib.h>

#include <memory>
#include <thread>

#include "cipette/core/result.h"
#include "fake_github/fake_state.h"

// Private to the fake GitHub server: the HTTP side. Every request goes through one handler that
// logs it, applies latency, checks the User-Agent, the token and the rate limit, fires a
// matching fault, routes it, and adds ETag and rate-limit headers (see fake_github.h).

namespace cipette::fake_github::detail {

class HttpServer {
 public:
  explicit HttpServer(std::shared_ptr<ServerState> state);
  ~HttpServer();  // stops
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds 127.0.0.1 at an ephemeral port and serves on a background thread; returns the port.
  Result<int> start();
  // Wakes sleeping handlers, stops accepting and joins the threads. Idempotent.
  void stop();

 private:
  std::shared_ptr<ServerState> state_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace cipette::fake_github::detail
