#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "cipette/core/time.h"
#include "cipette/web/client_limits.h"
#include "cipette/web/http_message.h"
#include "cipette/web/query.h"
#include "cipette/web/render_gate.h"
#include "cipette/web/request_log.h"
#include "cipette/web/response_cache.h"
#include "cipette/web/server.h"
#include "cipette/web/snapshot.h"

namespace cipette::web {

class StorePool;
class RunFinder;

// What the request handlers share. Everything referenced must outlive the routes.
struct RouteContext {
  Snapshot& snapshot;
  ResponseCache& cache;
  RenderGate& gate;
  const ServerOptions& options;
  std::function<Timestamp()> clock;  // "now" for day periods
  AccessLog& log;                    // errors of the handlers
  AuthThrottle& throttle;            // failed attempts at the access token, per client
  // Store connections for what the snapshot does not hold (a run's jobs, steps); null: those
  // routes answer 503.
  StorePool* stores = nullptr;
};

// Every route of the dashboard and the API:
//   GET  /                        dashboard (HTML)
//   GET  /workflow                one workflow's runs and jobs (HTML; repository, workflow
//                                 required)
//   GET  /runners                 queue time and jobs per runner label set and group (HTML)
//   GET  /run?id=N                one run's attempts and jobs as a timeline (HTML)
//   GET  /login, POST /login      sign-in form, when an access token is configured
//   POST /logout                  drops the login cookie
//   GET  /static/...              embedded CSS, JS, uPlot, icons
//   GET  /api/v1/metrics          metrics document (views::metrics_json)
//   GET  /api/v1/trends           daily series (views::trends_json)
//   GET  /api/v1/runs             completed runs in scope, paginated (page, per_page, outcome,
//                                 rerun, flaky), each with its earlier attempts
//   GET  /api/v1/repositories     repositories and their workflows
//   GET  /api/v1/export.csv       the metrics per workflow as CSV
//   GET  /api/v1/jobs, /jobs.csv  job rows (views::jobs_json); with job=NAME, its legs
//   GET  /api/v1/jobs/steps       step durations of a job group (repository, workflow, job)
//   GET  /api/v1/runners, .csv    runner rows and queue time per day (views::runners_json)
//   GET  /api/v1/runs/{id}        a run, its attempts, jobs and steps (job_documents.h)
//   GET  /healthz, /api/v1/healthz liveness and snapshot facts
// (HEAD wherever GET is), with the policy every request goes through first: a Host header
// that names this server (host_allowed), then the access token where one is configured.
// Bad parameters get a 400 naming the parameter (JSON under /api/, an HTML page elsewhere).
// Thread-safe.
// A response that still has to be rendered (it missed the cache): the route's part is done,
// and `render` runs on a RenderGate thread; Routes::finish then makes the response of it.
struct DeferredResponse {
  std::string key;               // in the response cache
  std::string flight;            // in the RenderGate: the key and the request's "now"
  std::uint64_t generation = 0;  // of the snapshot `render` reads
  std::function<CachedResponse()> render;
  std::vector<std::pair<std::string, std::string>> headers;  // added to the response
  std::chrono::steady_clock::time_point asked_at;            // for the cache
};

// A response at once (a cache hit, an error, a static file...) or one to render.
using Answer = std::variant<HttpResponse, DeferredResponse>;

class Routes {
 public:
  explicit Routes(RouteContext context);

  // The answer to `req`: a response with the security headers, or one to render. Never throws:
  // a handler's exception is logged and answered 500.
  Answer handle(const HttpRequest& req) const;

  // The response to `req` from the rendering of `deferred` (or the exception it threw, logged
  // and answered 500), with the security headers; a successful rendering is cached.
  HttpResponse finish(const HttpRequest& req, const DeferredResponse& deferred,
                      const CachedResponse& rendered, const std::exception_ptr& error) const;

  // The answer to a request the transport refuses before it reaches a route (413, 415, 431
  // ...): an error page for `status` in the request's format (JSON under /api/ and for
  // /healthz, HTML elsewhere), saying `message`, or what the status usually means when it is
  // empty, with the security headers. `req` may hold only what was read of it.
  HttpResponse refuse(int status, const HttpRequest& req, const std::string& message = "") const;

 private:
  HttpResponse error(int status, const HttpRequest& req, const std::string& message = "") const;
  // A 500 for `req`, with what `failure` says in the log.
  HttpResponse server_error(const HttpRequest& req, const std::exception_ptr& failure) const;
  void add_common_headers(const HttpRequest& req, HttpResponse& res) const;
  using Handler = Answer (Routes::*)(const HttpRequest&) const;

  std::optional<HttpResponse> check_policy(const HttpRequest& req) const;
  std::optional<HttpResponse> check_access(const HttpRequest& req) const;
  Answer route(const HttpRequest& req) const;
  HttpResponse problem(const HttpRequest& req, const ParamProblem& p) const;
  bool auth_enabled() const { return !ctx_.options.auth_token.empty(); }
  bool secure_request(const HttpRequest& req) const;

  template <typename Render>
  Answer cached(std::string key, Timestamp now, Render render) const;
  // cached() for the handlers of other files (job_routes.cc).
  Answer cached_render(std::string key, Timestamp now,
                       std::function<CachedResponse(const SnapshotState&)> render) const;

  Answer metrics(const HttpRequest& req) const;
  Answer trends(const HttpRequest& req) const;
  Answer runs(const HttpRequest& req) const;
  Answer repositories(const HttpRequest& req) const;
  Answer export_csv(const HttpRequest& req) const;
  // job_routes.cc
  Answer jobs(const HttpRequest& req) const;
  Answer jobs_csv(const HttpRequest& req) const;
  Answer job_steps(const HttpRequest& req) const;
  Answer runners(const HttpRequest& req) const;
  Answer runners_csv(const HttpRequest& req) const;
  Answer run_detail(const HttpRequest& req) const;
  Answer health(const HttpRequest& req) const;
  Answer dashboard(const HttpRequest& req) const;
  Answer workflow(const HttpRequest& req) const;
  Answer runners_page(const HttpRequest& req) const;
  Answer run_page(const HttpRequest& req) const;
  Answer static_file(const HttpRequest& req) const;
  Answer login_form(const HttpRequest& req) const;
  Answer login(const HttpRequest& req) const;
  Answer logout(const HttpRequest& req) const;

  RouteContext ctx_;
  std::vector<std::string> allowed_hosts_;  // for host_allowed
  std::string session_cookie_;              // session_cookie_value(auth_token)
  std::map<std::string, Handler, std::less<>> get_routes_;
  std::map<std::string, Handler, std::less<>> post_routes_;
  // The embedded static files by name ("static/app.css"), as shareable bodies.
  std::map<std::string, std::shared_ptr<const std::string>, std::less<>> static_files_;
  std::shared_ptr<RunFinder> run_finder_;  // runs by id, for /api/v1/runs/{id}
};

}  // namespace cipette::web
