#pragma once

#include <functional>
#include <memory>
#include <string>

#include "cipette/core/result.h"
#include "cipette/core/run_store.h"
#include "cipette/web/snapshot.h"  // StoreOpener

namespace cipette::web {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 5000;
  int refresh_interval_seconds = 300;  // MTTR_REFRESH_INTERVAL
  int cache_ttl_seconds = 60;          // CACHE_TTL_SECONDS; 0 disables the response cache
  std::string auth_token;              // CIPETTE_AUTH_TOKEN; empty = no access control
  bool debug = false;
  // Worker threads. cpp-httplib gives each open keep-alive connection a thread while it is
  // served, so this bounds the connections served at once; rendering itself is limited to one
  // per core (see RenderGate), so idle threads cost only their stacks.
  int threads = 128;
  bool access_log = true;  // one line per request on stderr
};

// Loads the run table, starts the background refresh worker and serves the dashboard and the
// JSON API until SIGINT or SIGTERM, then shuts down gracefully. `on_listening` is called once
// with the URL when the socket is bound. Fails when the store cannot be loaded or the address
// cannot be bound (naming host and port). Warns loudly on stderr when it listens beyond
// loopback without an access token.
Status serve(const ServerOptions& options, const StoreOpener& open_store,
             const std::function<void(const std::string& url)>& on_listening);

}  // namespace cipette::web
