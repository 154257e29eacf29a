#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cipette/core/result.h"
#include "cipette/core/run_store.h"
#include "cipette/core/runner_rates.h"
#include "cipette/web/snapshot.h"  // StoreOpener

namespace cipette::web {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 5000;
  int refresh_interval_seconds = 300;  // MTTR_REFRESH_INTERVAL
  int cache_ttl_seconds = 60;          // CACHE_TTL_SECONDS; 0 disables the response cache
  std::string auth_token;              // CIPETTE_AUTH_TOKEN; empty = no access control
  bool debug = false;
  // Threads that serve connections (each serves many at once, event-driven); 0: one per core.
  int threads = 0;
  bool access_log = true;  // one line per request on stderr
  // CIPETTE_MAX_CONNECTIONS_PER_CLIENT: open connections one client address may hold (0: no
  // limit). Behind a reverse proxy every client has the proxy's address: raise it there.
  int max_connections_per_client = 256;
  // CIPETTE_ALLOWED_HOSTS: host names the Host header may carry besides IP literals,
  // "localhost", `host` and public_url's host ("*": any).
  std::vector<std::string> allowed_hosts;
  // CIPETTE_PUBLIC_URL: where users reach the dashboard ("https://ci.example.com"), if not at
  // the address it listens on; an https URL makes the login cookie Secure.
  std::string public_url;
  std::size_t cache_max_bytes = 64 << 20;  // CIPETTE_CACHE_MAX_MB
  // CIPETTE_RUNNER_RATES: per-minute rates for the runners' estimated cost; empty: none shown.
  RunnerRates runner_rates;
  // A request's head and body must arrive within this of its first byte.
  std::chrono::milliseconds request_deadline{10'000};
  // How long a wrong sign-in waits for its answer (a delay that holds no thread).
  std::chrono::milliseconds failed_login_delay{250};
};

// Loads the run table, starts the background refresh worker and serves the dashboard and the
// JSON API until SIGINT or SIGTERM, then shuts down gracefully. `on_listening` is called once
// with the URL when the socket is bound. Fails when the store cannot be loaded or the address
// cannot be bound (naming host and port). Warns loudly on stderr when it listens beyond
// loopback without an access token.
Status serve(const ServerOptions& options, const StoreOpener& open_store,
             const std::function<void(const std::string& url)>& on_listening);

}  // namespace cipette::web
