#include "cipette/web/routes.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <string_view>
#include <thread>

#include "cipette/views/report_text.h"
#include "cipette/web/api_documents.h"
#include "cipette/web/assets.h"
#include "cipette/web/html.h"
#include "cipette/web/metrics_documents.h"
#include "cipette/web/pages.h"
#include "cipette/web/query.h"
#include "cipette/web/request_log.h"
#include "cipette/web/run_listing.h"
#include "cipette/web/security.h"

namespace cipette::web {

namespace {

using httplib::Request;
using httplib::Response;

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kHtml = "text/html; charset=utf-8";
constexpr std::string_view kCsv = "text/csv; charset=utf-8";
constexpr auto kFailedLoginDelay = std::chrono::milliseconds(250);

// Whether errors are answered in JSON (the API and the health check) rather than HTML.
bool is_api(const Request& req) { return req.path.starts_with("/api/") || req.path == "/healthz"; }

// A 303 to `location`, which must already be a valid URL reference.
void see_other(Response& res, const std::string& location) {
  res.status = 303;
  res.set_header("Location", location);
}

// The message of an error page that no handler wrote (the router's 404, httplib's 4xx).
std::string status_text(int status) {
  switch (status) {
    case 404:
      return "There is nothing at this address.";
    case 405:
      return "This address does not accept that method.";
    case 413:
      return "The request is too large.";
    case 414:
      return "The address is too long.";
    case 500:
      return "The server failed to answer this request; the error is in its log.";
    default:
      return status < 500 ? "The request could not be understood." : "Server error.";
  }
}

// REQUIRES: `type` is one of the constants above (CachedResponse keeps a view of it).
CachedResponse make_response(int status, std::string_view type, std::string body) {
  return CachedResponse{status, type, std::make_shared<const std::string>(std::move(body))};
}

void write(const Request& req, Response& res, const CachedResponse& response) {
  res.status = response.status;
  std::string type(response.content_type);
  const std::shared_ptr<const std::string>& body = response.body;
  if (response.status != 200 || !req.ranges.empty() || body->empty()) {
    res.set_content(*body, type);
    return;
  }
  // Sent from the shared body (a cached one serves many requests at once) rather than copied
  // into res.body first: at 50 kB a document, the copy was a third of a cache hit's
  // instructions. Error pages keep res.body, which the error handler looks at.
  res.set_content_provider(body->size(), type,
                           [body](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                             return sink.write(body->data() + offset, length);
                           });
}

class Handlers : public std::enable_shared_from_this<Handlers> {
 public:
  explicit Handlers(RouteContext& context) : ctx_(context) {}

  void install(httplib::Server& server);

 private:
  bool auth_enabled() const { return !ctx_.options.auth_token.empty(); }

  // Answers from the cache when it holds `key` for the current snapshot; otherwise renders with
  // `render` from one consistent snapshot and stores the result. `render` may depend on the
  // key, the snapshot and `now` (the request's reference time) only: concurrent requests that
  // agree on all three share one rendering (RenderGate), which is then exactly what each would
  // have rendered, whether the cache is on or off.
  template <typename Render>
  void cached(const Request& req, Response& res, const std::string& key, Timestamp now,
              Render render) {
    auto state = ctx_.snapshot.current();
    auto clock_now = ResponseCache::Clock::now();
    if (auto hit = ctx_.cache.find(key, state->generation, clock_now)) {
      write(req, res, *hit);
      res.set_header("X-Cache", "hit");
      return;
    }
    std::string flight = key + "@" + std::to_string(now);
    CachedResponse fresh =
        ctx_.gate.render(flight, state->generation, [&] { return render(*state); });
    if (fresh.status == 200) ctx_.cache.store(key, state->generation, fresh, clock_now);
    write(req, res, fresh);
    res.set_header("X-Cache", ctx_.cache.enabled() ? "miss" : "off");
  }

  void problem(const Request& req, Response& res, const ParamProblem& p) {
    if (is_api(req)) {
      write(req, res, make_response(400, kJson, dump_json(problem_json(p))));
    } else {
      write(req, res,
            make_response(400, kHtml, render_error(400, p.message, p.parameter, auth_enabled())));
    }
  }

  // The scope of a metrics-like request, validated the way compute_metrics requires.
  std::optional<ScopeQuery> scope_of(const Request& req, Response& res) {
    auto query = parse_scope_query(req.params, ctx_.clock());
    if (!query) {
      problem(req, res, query.error());
      return std::nullopt;
    }
    if (auto valid = validate_scope(query->scope); !valid) {
      problem(req, res, ParamProblem{"period", valid.error().message});
      return std::nullopt;
    }
    return *query;
  }

  void metrics(const Request& req, Response& res);
  void trends(const Request& req, Response& res);
  void runs(const Request& req, Response& res);
  void repositories(const Request& req, Response& res);
  void export_csv(const Request& req, Response& res);
  void health(const Request& req, Response& res);
  void dashboard(const Request& req, Response& res);
  void workflow(const Request& req, Response& res);
  void static_file(const Request& req, Response& res);
  void login_form(const Request& req, Response& res);
  void login(const Request& req, Response& res);
  void logout(const Request& req, Response& res);
  httplib::Server::HandlerResponse check_access(const Request& req, Response& res);
  httplib::Server::HandlerResponse error_page(const Request& req, Response& res);
  void exception_page(const Request& req, Response& res, std::exception_ptr error);

  RouteContext& ctx_;
};

void Handlers::metrics(const Request& req, Response& res) {
  auto query = scope_of(req, res);
  if (!query) return;
  cached(req, res, "metrics?" + query->cache_key, query->scope.now,
         [&](const SnapshotState& state) {
           MetricsReport report = compute_metrics(*state.table, query->scope);
           return make_response(200, kJson, metrics_json_text(report));
         });
}

void Handlers::trends(const Request& req, Response& res) {
  auto query = scope_of(req, res);
  if (!query) return;
  cached(req, res, "trends?" + query->cache_key, query->scope.now, [&](const SnapshotState& state) {
    auto points = compute_daily_series(*state.table, query->scope);
    return make_response(200, kJson, trends_json_text(query->scope, points));
  });
}

void Handlers::runs(const Request& req, Response& res) {
  auto query = parse_list_query(req.params, QueryRules{true, true, true, 50}, ctx_.clock());
  if (!query) return problem(req, res, query.error());
  if (auto valid = validate_scope(query->scope.scope); !valid) {
    return problem(req, res, ParamProblem{"period", valid.error().message});
  }
  cached(req, res, "runs?" + query->cache_key, query->scope.scope.now,
         [&](const SnapshotState& state) {
           ListOptions options{query->outcome, query->page, query->per_page, false};
           RunPage page = list_runs(*state.table, query->scope.scope, options);
           return make_response(200, kJson,
                                dump_json(runs_json(*state.table, query->scope.scope, page)));
         });
}

void Handlers::repositories(const Request& req, Response& res) {
  if (auto p = reject_any_parameter(req.params)) return problem(req, res, *p);
  cached(req, res, "repositories", 0, [&](const SnapshotState& state) {
    return make_response(200, kJson, dump_json(repositories_json(*state.table)));
  });
}

void Handlers::export_csv(const Request& req, Response& res) {
  auto query = scope_of(req, res);
  if (!query) return;
  cached(req, res, "export.csv?" + query->cache_key, query->scope.now,
         [&](const SnapshotState& state) {
           return make_response(200, kCsv,
                                views::metrics_csv(compute_metrics(*state.table, query->scope)));
         });
  res.set_header("Content-Disposition", "attachment; filename=\"cipette-metrics.csv\"");
}

void Handlers::health(const Request& req, Response& res) {
  if (auto p = reject_any_parameter(req.params)) return problem(req, res, *p);
  write(req, res, make_response(200, kJson, dump_json(health_json(*ctx_.snapshot.current()))));
  res.set_header("Cache-Control", "no-store");
}

void Handlers::dashboard(const Request& req, Response& res) {
  auto query = scope_of(req, res);
  if (!query) return;
  cached(req, res, "page/?" + query->cache_key, query->scope.now, [&](const SnapshotState& state) {
    MetricsReport report = compute_metrics(*state.table, query->scope);
    return make_response(200, kHtml, render_dashboard(state, *query, report, auth_enabled()));
  });
}

// The workflow a page request names, by repository and workflow name, file name or id.
std::optional<NameId> find_workflow(const RunTable& table, const Scope& scope) {
  auto repository = table.find_repository(scope.repository);
  if (!repository) return std::nullopt;
  const auto& workflows = table.workflows();
  for (NameId i = 0; i < workflows.size(); ++i) {
    const RunTable::Workflow& w = workflows[i];
    if (w.repository != *repository) continue;
    std::string_view path = std::string_view(w.path).substr(0, w.path.find('@'));
    std::string_view file = path.substr(path.find_last_of('/') + 1);
    if (std::to_string(w.workflow_id) == scope.workflow || w.name == scope.workflow ||
        file == scope.workflow) {
      return i;
    }
  }
  return std::nullopt;
}

CachedResponse workflow_response(const SnapshotState& state, ListQuery query, bool auth) {
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
  RunPage runs = list_runs(*state.table, query.scope.scope, options);
  return make_response(
      200, kHtml, render_workflow(state, query, WorkflowPageData{*found, &report, &runs}, auth));
}

void Handlers::workflow(const Request& req, Response& res) {
  auto query = parse_list_query(req.params, QueryRules{true, true, false, 50}, ctx_.clock());
  if (!query) return problem(req, res, query.error());
  for (const char* required : {"repository", "workflow"}) {
    if (req.get_param_value(required).empty()) {
      return problem(req, res, ParamProblem{required, "is required"});
    }
  }
  if (auto valid = validate_scope(query->scope.scope); !valid) {
    return problem(req, res, ParamProblem{"period", valid.error().message});
  }
  cached(
      req, res, "page/workflow?" + query->cache_key, query->scope.scope.now,
      [&](const SnapshotState& state) { return workflow_response(state, *query, auth_enabled()); });
}

void Handlers::static_file(const Request& req, Response& res) {
  std::string name = "static/" + std::string(req.matches[1]);
  if (req.path == "/favicon.ico") name = "static/favicon.svg";
  auto data = find_embedded(name);
  if (!data) {
    res.status = 404;
    return;
  }
  res.set_content(data->data(), data->size(), std::string(content_type_for(name)).c_str());
  res.set_header("Cache-Control", "public, max-age=3600");
}

void Handlers::login_form(const Request& req, Response& res) {
  if (!auth_enabled()) return see_other(res, "/");
  std::string next = safe_redirect_target(req.get_param_value("next"));
  write(req, res, make_response(200, kHtml, render_login(next, false)));
}

void Handlers::login(const Request& req, Response& res) {
  std::string next = safe_redirect_target(req.get_param_value("next"));
  if (!auth_enabled()) return see_other(res, next);
  if (!secrets_equal(req.get_param_value("token"), ctx_.options.auth_token)) {
    std::this_thread::sleep_for(kFailedLoginDelay);  // slows down guessing
    return write(req, res, make_response(401, kHtml, render_login(next, true)));
  }
  res.set_header("Set-Cookie", std::string(kAuthCookie) + "=" +
                                   auth_cookie_value(ctx_.options.auth_token) +
                                   "; Path=/; HttpOnly; SameSite=Strict");
  see_other(res, next);
}

void Handlers::logout(const Request&, Response& res) {
  res.set_header("Set-Cookie",
                 std::string(kAuthCookie) + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
  see_other(res, auth_enabled() ? "/login" : "/");
}

httplib::Server::HandlerResponse Handlers::check_access(const Request& req, Response& res) {
  using R = httplib::Server::HandlerResponse;
  if (!auth_enabled() || is_public_path(req.path)) return R::Unhandled;
  if (request_authorized(ctx_.options.auth_token, req.get_header_value("Authorization"),
                         req.get_header_value("Cookie"))) {
    return R::Unhandled;
  }
  if (is_api(req)) {
    write(req, res,
          make_response(401, kJson,
                        dump_json(error_json(401,
                                             "an access token is required "
                                             "(Authorization: Bearer ...)"))));
    res.set_header("WWW-Authenticate", "Bearer realm=\"cipette\"");
  } else {
    see_other(res, "/login?next=" + url_encode(req.target));
  }
  return R::Handled;
}

httplib::Server::HandlerResponse Handlers::error_page(const Request& req, Response& res) {
  if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
  std::string message = status_text(res.status);
  if (is_api(req)) {
    write(req, res, make_response(res.status, kJson, dump_json(error_json(res.status, message))));
  } else {
    write(req, res,
          make_response(res.status, kHtml, render_error(res.status, message, "", auth_enabled())));
  }
  return httplib::Server::HandlerResponse::Handled;
}

void Handlers::exception_page(const Request& req, Response& res, std::exception_ptr error) {
  std::string what = "unknown exception";
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  ctx_.log.error(req, what);
  res.body.clear();
  res.status = 500;
  error_page(req, res);
}

void Handlers::install(httplib::Server& server) {
  // Every route holds the handlers alive: they live as long as the server's routes.
  auto self = shared_from_this();
  auto bind = [self](void (Handlers::*method)(const Request&, Response&)) {
    return [self, method](const Request& req, Response& res) { ((*self).*method)(req, res); };
  };
  server.Get("/", bind(&Handlers::dashboard));
  server.Get("/workflow", bind(&Handlers::workflow));
  server.Get("/api/v1/metrics", bind(&Handlers::metrics));
  server.Get("/api/v1/trends", bind(&Handlers::trends));
  server.Get("/api/v1/runs", bind(&Handlers::runs));
  server.Get("/api/v1/repositories", bind(&Handlers::repositories));
  server.Get("/api/v1/export.csv", bind(&Handlers::export_csv));
  server.Get("/healthz", bind(&Handlers::health));
  server.Get("/api/v1/healthz", bind(&Handlers::health));
  server.Get(R"(/static/([A-Za-z0-9_./-]+))", bind(&Handlers::static_file));
  server.Get("/favicon.ico", bind(&Handlers::static_file));
  server.Get("/login", bind(&Handlers::login_form));
  server.Post("/login", bind(&Handlers::login));
  server.Post("/logout", bind(&Handlers::logout));
  server.set_pre_routing_handler([self](const Request& req, Response& res) {
    mark_request_start();
    return self->check_access(req, res);
  });
  server.set_error_handler(httplib::Server::HandlerWithResponse(
      [self](const Request& req, Response& res) { return self->error_page(req, res); }));
  server.set_exception_handler([self](const Request& req, Response& res, std::exception_ptr e) {
    self->exception_page(req, res, std::move(e));
  });
  if (ctx_.options.access_log) {
    server.set_logger(
        [self](const Request& req, const Response& res) { self->ctx_.log.request(req, res); });
  }
}

}  // namespace

void install_routes(httplib::Server& server, RouteContext& context) {
  std::make_shared<Handlers>(context)->install(server);
}

}  // namespace cipette::web
