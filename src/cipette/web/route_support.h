#pragma once

// What the route handlers (routes.cc, job_routes.cc) share to build their responses.

#include <optional>
#include <string>
#include <string_view>

#include "cipette/core/metrics.h"
#include "cipette/core/run_table.h"
#include "cipette/web/query.h"
#include "cipette/web/routes.h"

namespace cipette::web {

inline constexpr std::string_view kJson = "application/json";
inline constexpr std::string_view kHtml = "text/html; charset=utf-8";
inline constexpr std::string_view kCsv = "text/csv; charset=utf-8";

// REQUIRES: `type` is one of the constants above (CachedResponse keeps a view of it).
CachedResponse make_response(int status, std::string_view type, std::string body);

HttpResponse to_http(const CachedResponse& response);

// Adds a header to a response, whether it is ready or still to be rendered.
void add_header(Answer& answer, std::string name, std::string value);

// What validate_scope (the rule compute_metrics requires) finds wrong with `scope`, if anything.
std::optional<ParamProblem> scope_problem(const Scope& scope);

// The scope of a metrics-like request, validated the way compute_metrics requires.
Parsed<ScopeQuery> valid_scope(Parsed<ScopeQuery> query);

// The workflow a request names, by repository and workflow name, file name or id: the first
// that the scope's filters match (matching_workflows), none without a repository.
std::optional<NameId> find_workflow(const RunTable& table, const Scope& scope);

// Where GET /api/v1/runs/{id} starts.
inline constexpr std::string_view kRunDetailPrefix = "/api/v1/runs/";

}  // namespace cipette::web
