#pragma once

#include <functional>

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

// What the request handlers share. Everything referenced must outlive the server.
struct RouteContext {
  Snapshot& snapshot;
  ResponseCache& cache;
  RenderGate& gate;
  const ServerOptions& options;
  std::function<Timestamp()> clock;  // "now" for day periods
  AccessLog& log;                    // request lines (if options.access_log) and errors
};

// Registers every route, the access-control check, the error and exception handlers and the
// access log on `server`:
//   GET  /                        dashboard (HTML)
//   GET  /workflow                one workflow's runs (HTML; repository, workflow required)
//   GET  /login, POST /login      sign-in form, when an access token is configured
//   POST /logout                  drops the login cookie
//   GET  /static/...              embedded CSS, JS, uPlot, icons
//   GET  /api/v1/metrics          metrics document (views::metrics_json)
//   GET  /api/v1/trends           daily series (views::trends_json)
//   GET  /api/v1/runs             completed runs in scope, paginated (page, per_page, outcome)
//   GET  /api/v1/repositories     repositories and their workflows
//   GET  /api/v1/export.csv       the metrics per workflow as CSV
//   GET  /healthz, /api/v1/healthz liveness and snapshot facts
// Bad parameters get a 400 naming the parameter (JSON under /api/, an HTML page elsewhere).
void install_routes(httplib::Server& server, RouteContext& context);

}  // namespace cipette::web
