#include "cipette/web/routes.h"

#include <algorithm>
#include <chrono>
#include <string_view>

#include "cipette/core/text.h"
#include "cipette/views/report_text.h"
#include "cipette/web/api_documents.h"
#include "cipette/web/assets.h"
#include "cipette/web/html.h"
#include "cipette/web/job_pages.h"
#include "cipette/web/metrics_documents.h"
#include "cipette/web/pages.h"
#include "cipette/web/route_support.h"
#include "cipette/web/run_finder.h"
#include "cipette/web/run_listing.h"
#include "cipette/web/security.h"
#include "cipette/web/store_pool.h"

namespace cipette::web {

namespace {

// Whether errors are answered in JSON (the API and the health check) rather than HTML.
bool is_api(const HttpRequest& req) {
  return req.path.starts_with("/api/") || req.path == "/healthz";
}

// A 303 to `location`, which must already be a valid URL reference.
HttpResponse see_other(const std::string& location) {
  HttpResponse res;
  res.status = 303;
  res.set_header("Location", location);
  return res;
}

// The message of an error page that no handler wrote.
std::string status_text(int status) {
  switch (status) {
    case 404:
      return "There is nothing at this address.";
    case 405:
      return "This address does not accept that method.";
    case 408:
      return "The request did not arrive in time.";
    case 413:
      return "The request is too large.";
    case 414:
      return "The address is too long.";
    case 415:
      return "Request bodies may not be compressed (Content-Encoding).";
    case 431:
      return "The request's headers are too large.";
    case 500:
      return "The server failed to answer this request; the error is in its log.";
    default:
      return status < 500 ? "The request could not be understood." : "Server error.";
  }
}

// The host of a URL like "https://ci.example.com:8443/path", or "".
std::string host_of_url(std::string_view url) {
  std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return "";
  url.remove_prefix(scheme + 3);
  url = url.substr(0, url.find_first_of("/?#"));
  if (url.starts_with('[')) return std::string(url.substr(1, url.find(']') - 1));
  return std::string(url.substr(0, url.find(':')));
}

std::string cookie_attributes(bool secure) {
  return secure ? "; Path=/; HttpOnly; SameSite=Strict; Secure"
                : "; Path=/; HttpOnly; SameSite=Strict";
}

// The slowest steps of the workflow's job groups: the steps of the jobs of its step sample
// (step_sample_runs), read through a pooled connection.
JobSectionData job_section_data(const SnapshotState& state, const Scope& scope, NameId workflow,
                                StorePool* stores, StepsByGroup& steps) {
  JobSectionData data{workflow, nullptr, "", 0};
  if (state.jobs->size() == 0) return data;
  std::vector<std::int64_t> ids = step_sample_runs(*state.table, scope, workflow);
  Status read = stores == nullptr
                    ? Status(Error{"this server was started without a database to read steps from"})
                    : stores->with_jobs([&](JobReader* reader) -> Status {
                        if (reader == nullptr) return Error{"the database does not hold jobs"};
                        auto group_steps = read_group_steps(*reader, ids);
                        if (!group_steps) return group_steps.error();
                        steps = std::move(*group_steps);
                        return {};
                      });
  if (!read) {
    data.steps_error = read.error().message;
    return data;
  }
  data.steps = &steps;
  data.step_runs = ids.size();
  return data;
}

CachedResponse workflow_response(const SnapshotState& state, ListQuery query, bool auth,
                                 StorePool* stores) {
  auto found = find_workflow(*state.table, query.scope.scope);
  if (!found) {
    return make_response(
        404, kHtml,
        render_error(404, "This repository has no workflow \"" + query.scope.scope.workflow + "\".",
                     "", auth));
  }
  const RunTable::Workflow& workflow = state.table->workflows()[*found];
  query.scope.scope.workflow = std::to_string(workflow.workflow_id);
  MetricsReport report = compute_metrics(*state.table, query.scope.scope);
  ListOptions options{std::nullopt, query.page, query.per_page, true};
  RunPage runs = select_runs(*state.table, query.scope.scope, options);
  // Past the last page (an old link, page=999 typed in): the last page, as the pager says.
  if (std::int64_t last = page_count(runs.total, query.per_page); query.page > last) {
    query.page = options.page = static_cast<int>(last);
    runs = select_runs(*state.table, query.scope.scope, options);
  }
  ListOptions flaky_options;
  flaky_options.per_page = kFlakyRunsShown;
  flaky_options.attempts = true;
  flaky_options.flaky_only = true;
  RunPage flaky = select_runs(*state.table, query.scope.scope, flaky_options);
  StepsByGroup steps;
  JobSectionData jobs = job_section_data(state, query.scope.scope, *found, stores, steps);
  return make_response(
      200, kHtml,
      render_workflow(state, query, WorkflowPageData{*found, &report, &runs, &flaky, &jobs}, auth));
}

CachedResponse run_response(const SnapshotState& state, const RunQuery& query, bool auth,
                            StorePool* stores, RunFinder& finder) {
  auto row = find_run(state.table, finder, query);
  if (!row) {
    return make_response(
        404, kHtml,
        render_error(404, "There is no run " + std::to_string(query.id) + " in the database.", "",
                     auth));
  }
  Result<std::vector<JobRecord>> jobs =
      Error{"this server was started without a database to read jobs from"};
  if (stores != nullptr) {
    Status read = stores->with_jobs([&](JobReader* reader) -> Status {
      if (reader == nullptr) return Error{"the database does not hold jobs"};
      jobs = reader->jobs_of_run(row->id);
      return jobs ? Status{} : Status(jobs.error());
    });
    if (!read) jobs = read.error();
  }
  return make_response(200, kHtml, render_run(state, query, *row, jobs, auth));
}

}  // namespace

Routes::Routes(RouteContext context)
    : ctx_(std::move(context)),
      allowed_hosts_(ctx_.options.allowed_hosts),
      session_cookie_(
          ctx_.options.auth_token.empty() ? "" : session_cookie_value(ctx_.options.auth_token)),
      run_finder_(std::make_shared<RunFinder>()) {
  allowed_hosts_.push_back(ctx_.options.host);
  if (std::string host = host_of_url(ctx_.options.public_url); !host.empty()) {
    allowed_hosts_.push_back(host);
  }
  get_routes_ = {{"/", &Routes::dashboard},
                 {"/workflow", &Routes::workflow},
                 {"/runners", &Routes::runners_page},
                 {"/run", &Routes::run_page},
                 {"/api/v1/metrics", &Routes::metrics},
                 {"/api/v1/trends", &Routes::trends},
                 {"/api/v1/runs", &Routes::runs},
                 {"/api/v1/repositories", &Routes::repositories},
                 {"/api/v1/export.csv", &Routes::export_csv},
                 {"/api/v1/jobs", &Routes::jobs},
                 {"/api/v1/jobs.csv", &Routes::jobs_csv},
                 {"/api/v1/jobs/steps", &Routes::job_steps},
                 {"/api/v1/runners", &Routes::runners},
                 {"/api/v1/runners.csv", &Routes::runners_csv},
                 {"/healthz", &Routes::health},
                 {"/api/v1/healthz", &Routes::health},
                 {"/favicon.ico", &Routes::static_file},
                 {"/login", &Routes::login_form}};
  post_routes_ = {{"/login", &Routes::login}, {"/logout", &Routes::logout}};
  for (const EmbeddedFile& file : embedded_files()) {
    if (file.name.starts_with("static/")) {
      static_files_.emplace(file.name, std::make_shared<const std::string>(file.data));
    }
  }
}

Answer Routes::handle(const HttpRequest& req) const {
  Answer answer;
  try {
    if (auto refused = check_policy(req)) {
      answer = std::move(*refused);
    } else if (auto denied = check_access(req)) {
      answer = std::move(*denied);
    } else {
      answer = route(req);
    }
  } catch (...) {
    answer = server_error(req, std::current_exception());
  }
  if (auto* res = std::get_if<HttpResponse>(&answer)) add_common_headers(req, *res);
  return answer;
}

HttpResponse Routes::finish(const HttpRequest& req, const DeferredResponse& deferred,
                            const CachedResponse& rendered,
                            const std::exception_ptr& failure) const {
  HttpResponse res;
  if (failure) {
    res = server_error(req, failure);
  } else {
    if (rendered.status == 200) {
      ctx_.cache.store(deferred.key, deferred.generation, rendered, deferred.asked_at);
    }
    res = to_http(rendered);
    res.set_header("X-Cache", ctx_.cache.enabled() ? "miss" : "off");
    for (const auto& [name, value] : deferred.headers) res.set_header(name, value);
  }
  add_common_headers(req, res);
  return res;
}

HttpResponse Routes::server_error(const HttpRequest& req, const std::exception_ptr& failure) const {
  std::string what = "unknown exception";
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  ctx_.log.error(req.method, req.target, what);
  return error(500, req);
}

HttpResponse Routes::refuse(int status, const HttpRequest& req, const std::string& message) const {
  HttpResponse res = error(status, req, message);
  add_common_headers(req, res);
  return res;
}

void Routes::add_common_headers(const HttpRequest& req, HttpResponse& res) const {
  for (const auto& [name, value] : security_headers()) {
    res.set_header(std::string(name), std::string(value));
  }
  // Only the embedded assets may be kept by browsers and proxies: everything else shows CI
  // data, which may be behind the access token.
  if (res.status != 200 || (!req.path.starts_with("/static/") && req.path != "/favicon.ico")) {
    res.set_header("Cache-Control", "no-store");
  }
}

HttpResponse Routes::error(int status, const HttpRequest& req, const std::string& message) const {
  std::string text = message.empty() ? status_text(status) : message;
  if (is_api(req))
    return to_http(make_response(status, kJson, dump_json(error_json(status, text))));
  return to_http(make_response(status, kHtml, render_error(status, text, "", auth_enabled())));
}

std::optional<HttpResponse> Routes::check_policy(const HttpRequest& req) const {
  std::string_view host = req.header("Host");
  if (host_allowed(host, allowed_hosts_)) return std::nullopt;
  std::string shown = log_safe(host.substr(0, 200));
  return error(400, req,
               host.empty() ? "The request has no Host header."
                            : "The Host header \"" + shown +
                                  "\" is not a name of this server; add it to "
                                  "CIPETTE_ALLOWED_HOSTS to serve it.");
}

std::optional<HttpResponse> Routes::check_access(const HttpRequest& req) const {
  if (!auth_enabled() || is_public_path(req.path)) return std::nullopt;
  auto now = AuthThrottle::Clock::now();
  if (auto wait = ctx_.throttle.refused(req.remote_addr, now)) {
    HttpResponse res = error(429, req,
                             "Too many wrong access tokens from your address; try again in " +
                                 std::to_string(wait->count()) + " s.");
    res.set_header("Retry-After", std::to_string(wait->count()));
    return res;
  }
  Credentials credentials = check_credentials(ctx_.options.auth_token, session_cookie_,
                                              req.header("Authorization"), req.header("Cookie"));
  if (credentials == Credentials::kValid) return std::nullopt;
  if (credentials == Credentials::kWrong) ctx_.throttle.record_failure(req.remote_addr, now);
  if (!is_api(req)) return see_other("/login?next=" + url_encode(req.target));
  HttpResponse res = error(401, req, "an access token is required (Authorization: Bearer ...)");
  res.set_header("WWW-Authenticate", "Bearer realm=\"cipette\"");
  return res;
}

Answer Routes::route(const HttpRequest& req) const {
  bool get = req.method == "GET" || req.method == "HEAD";
  if (get && req.path.starts_with("/static/")) return static_file(req);
  if (get && req.path.starts_with(kRunDetailPrefix)) return run_detail(req);
  const auto& routes = get ? get_routes_ : post_routes_;
  if (get || req.method == "POST") {
    if (auto found = routes.find(req.path); found != routes.end()) {
      return (this->*(found->second))(req);
    }
  }
  bool known = get_routes_.contains(req.path) || post_routes_.contains(req.path) ||
               req.path.starts_with("/static/") || req.path.starts_with(kRunDetailPrefix);
  return error(known ? 405 : 404, req);
}

HttpResponse Routes::problem(const HttpRequest& req, const ParamProblem& p) const {
  if (is_api(req)) return to_http(make_response(400, kJson, dump_json(problem_json(p))));
  return to_http(
      make_response(400, kHtml, render_error(400, p.text(), p.parameter, auth_enabled())));
}

bool Routes::secure_request(const HttpRequest& req) const {
  return ctx_.options.public_url.starts_with("https://") ||
         equal_ignoring_case(req.header("X-Forwarded-Proto"), "https");
}

// Answers from the cache when it holds `key` for the current snapshot; otherwise defers to a
// rendering with `render` from one consistent snapshot, stored by finish(). `render` may depend
// on the key, the snapshot and `now` (the request's reference time) only: concurrent requests
// that agree on all three share one rendering (RenderGate), which is then exactly what each
// would have rendered, whether the cache is on or off. `render` runs on another thread, after
// the request's handler has returned: it must own what it reads.
template <typename Render>
Answer Routes::cached(std::string key, Timestamp now, Render render) const {
  auto state = ctx_.snapshot.current();
  auto clock_now = ResponseCache::Clock::now();
  if (auto hit = ctx_.cache.find(key, state->generation, clock_now)) {
    HttpResponse res = to_http(*hit);
    res.set_header("X-Cache", "hit");
    return res;
  }
  DeferredResponse deferred;
  deferred.flight = key + "@" + std::to_string(now);
  deferred.key = std::move(key);
  deferred.generation = state->generation;
  deferred.asked_at = clock_now;
  deferred.render = [state, render = std::move(render)] { return render(*state); };
  return deferred;
}

Answer Routes::cached_render(std::string key, Timestamp now,
                             std::function<CachedResponse(const SnapshotState&)> render) const {
  return cached(std::move(key), now, std::move(render));
}

Answer Routes::metrics(const HttpRequest& req) const {
  auto query = valid_scope(parse_scope_query(req.params, ctx_.clock()));
  if (!query) return problem(req, query.error());
  return cached("metrics?" + query->cache_key, query->scope.now,
                [scope = query->scope](const SnapshotState& state) {
                  MetricsReport report = compute_metrics(*state.table, scope);
                  return make_response(200, kJson, metrics_json_text(report));
                });
}

Answer Routes::trends(const HttpRequest& req) const {
  auto query = valid_scope(parse_scope_query(req.params, ctx_.clock()));
  if (!query) return problem(req, query.error());
  return cached("trends?" + query->cache_key, query->scope.now,
                [scope = query->scope](const SnapshotState& state) {
                  auto points = compute_daily_series(*state.table, scope);
                  return make_response(200, kJson, trends_json_text(scope, points));
                });
}

Answer Routes::runs(const HttpRequest& req) const {
  auto query = parse_list_query(req.params, QueryRules{true, true, true, 50, true}, ctx_.clock());
  if (!query) return problem(req, query.error());
  if (auto p = scope_problem(query->scope.scope)) return problem(req, *p);
  return cached("runs?" + query->cache_key, query->scope.scope.now,
                [query = *query](const SnapshotState& state) {
                  ListOptions options{query.outcome, query.page, query.per_page, false};
                  options.attempts = true;
                  options.reruns_only = query.reruns_only;
                  options.flaky_only = query.flaky_only;
                  RunPage page = select_runs(*state.table, query.scope.scope, options);
                  return make_response(200, kJson,
                                       dump_json(runs_json(*state.table, query.scope.scope, page)));
                });
}

Answer Routes::repositories(const HttpRequest& req) const {
  if (auto p = reject_any_parameter(req.params)) return problem(req, *p);
  return cached("repositories", 0, [](const SnapshotState& state) {
    return make_response(200, kJson, dump_json(repositories_json(*state.table)));
  });
}

Answer Routes::export_csv(const HttpRequest& req) const {
  auto query = valid_scope(parse_scope_query(req.params, ctx_.clock()));
  if (!query) return problem(req, query.error());
  Answer answer = cached("export.csv?" + query->cache_key, query->scope.now,
                         [scope = query->scope](const SnapshotState& state) {
                           return make_response(
                               200, kCsv, views::metrics_csv(compute_metrics(*state.table, scope)));
                         });
  add_header(answer, "Content-Disposition", "attachment; filename=\"cipette-metrics.csv\"");
  return answer;
}

Answer Routes::health(const HttpRequest& req) const {
  if (auto p = reject_any_parameter(req.params)) return problem(req, *p);
  return to_http(make_response(200, kJson, dump_json(health_json(*ctx_.snapshot.current()))));
}

Answer Routes::dashboard(const HttpRequest& req) const {
  auto query = valid_scope(parse_scope_query(req.params, ctx_.clock(), UnknownParameters::kIgnore));
  if (!query) return problem(req, query.error());
  return cached("page/?" + query->cache_key, query->scope.now,
                [query = *query, auth = auth_enabled()](const SnapshotState& state) {
                  MetricsReport report = compute_metrics(*state.table, query.scope);
                  return make_response(200, kHtml, render_dashboard(state, query, report, auth));
                });
}

Answer Routes::workflow(const HttpRequest& req) const {
  QueryRules rules{true, true, false, 50};
  rules.unknown = UnknownParameters::kIgnore;
  rules.clamp_page = true;
  auto query = parse_list_query(req.params, rules, ctx_.clock());
  if (!query) return problem(req, query.error());
  for (const char* required : {"repository", "workflow"}) {
    if (req.param(required).empty()) {
      return problem(req, ParamProblem{required,
                                       "required: the page shows one workflow of one "
                                       "repository (repository=OWNER/NAME&workflow=...)"});
    }
  }
  if (auto p = scope_problem(query->scope.scope)) return problem(req, *p);
  bool auth = auth_enabled();
  return cached("page/workflow?" + query->cache_key, query->scope.scope.now,
                [query = *query, auth, stores = ctx_.stores](const SnapshotState& state) {
                  return workflow_response(state, query, auth, stores);
                });
}

Answer Routes::runners_page(const HttpRequest& req) const {
  auto query = valid_scope(parse_scope_query(req.params, ctx_.clock(), UnknownParameters::kIgnore));
  if (!query) return problem(req, query.error());
  return cached("page/runners?" + query->cache_key, query->scope.now,
                [query = *query, auth = auth_enabled(),
                 rates = &ctx_.options.runner_rates](const SnapshotState& state) {
                  return make_response(200, kHtml,
                                       render_runners(state, *state.jobs, query, auth, *rates));
                });
}

Answer Routes::run_page(const HttpRequest& req) const {
  auto query = parse_run_query(req.params, ctx_.clock());
  if (!query) return problem(req, query.error());
  if (auto p = scope_problem(query->scope.scope)) return problem(req, *p);
  return cached("page/run?id=" + std::to_string(query->id) + "&" + query->scope.cache_key,
                query->scope.scope.now,
                [query = *query, auth = auth_enabled(), stores = ctx_.stores,
                 finder = run_finder_](const SnapshotState& state) {
                  return run_response(state, query, auth, stores, *finder);
                });
}

Answer Routes::static_file(const HttpRequest& req) const {
  std::string name = req.path == "/favicon.ico" ? "static/favicon.svg" : req.path.substr(1);
  auto found = static_files_.find(name);
  if (found == static_files_.end()) return error(404, req);
  HttpResponse res;
  res.content_type = std::string(content_type_for(name));
  res.body = found->second;
  res.set_header("Cache-Control", "public, max-age=3600");
  return res;
}

Answer Routes::login_form(const HttpRequest& req) const {
  if (!auth_enabled()) return see_other("/");
  std::string next = safe_redirect_target(req.param("next"));
  return to_http(make_response(200, kHtml, render_login(next, false)));
}

Answer Routes::login(const HttpRequest& req) const {
  std::string next = safe_redirect_target(req.param("next"));
  if (!auth_enabled()) return see_other(next);
  auto now = AuthThrottle::Clock::now();
  if (auto wait = ctx_.throttle.refused(req.remote_addr, now)) {
    HttpResponse res = to_http(make_response(429, kHtml, render_login(next, true)));
    res.set_header("Retry-After", std::to_string(wait->count()));
    return res;
  }
  if (!secrets_equal(req.param("token"), ctx_.options.auth_token)) {
    ctx_.throttle.record_failure(req.remote_addr, now);
    HttpResponse res = to_http(make_response(401, kHtml, render_login(next, true)));
    res.delay = ctx_.options.failed_login_delay;  // slows down guessing, without holding a thread
    return res;
  }
  HttpResponse res = see_other(next);
  res.set_header("Set-Cookie", std::string(kAuthCookie) + "=" + session_cookie_ +
                                   cookie_attributes(secure_request(req)));
  return res;
}

Answer Routes::logout(const HttpRequest& req) const {
  HttpResponse res = see_other(auth_enabled() ? "/login" : "/");
  res.set_header("Set-Cookie", std::string(kAuthCookie) + "=; Max-Age=0" +
                                   cookie_attributes(secure_request(req)));
  return res;
}

}  // namespace cipette::web
