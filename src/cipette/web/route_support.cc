#include "cipette/web/route_support.h"

#include <memory>
#include <utility>

namespace cipette::web {

CachedResponse make_response(int status, std::string_view type, std::string body) {
  return CachedResponse{status, type, std::make_shared<const std::string>(std::move(body))};
}

HttpResponse to_http(const CachedResponse& response) {
  HttpResponse res;
  res.status = response.status;
  res.content_type = std::string(response.content_type);
  res.body = response.body;
  return res;
}

void add_header(Answer& answer, std::string name, std::string value) {
  if (auto* res = std::get_if<HttpResponse>(&answer)) {
    res->set_header(std::move(name), std::move(value));
  } else {
    std::get<DeferredResponse>(answer).headers.emplace_back(std::move(name), std::move(value));
  }
}

std::optional<ParamProblem> scope_problem(const Scope& scope) {
  Status valid = validate_scope(scope);
  if (valid) return std::nullopt;
  // validate_scope names its subject ("period: ..."); ParamProblem::text() adds it again.
  std::string_view message = valid.error().message;
  if (message.starts_with("period: ")) message.remove_prefix(8);
  return ParamProblem{"period", std::string(message)};
}

Parsed<ScopeQuery> valid_scope(Parsed<ScopeQuery> query) {
  if (!query) return query;
  if (auto problem = scope_problem(query->scope)) return *problem;
  return query;
}

std::optional<NameId> find_workflow(const RunTable& table, const Scope& scope) {
  if (scope.repository.empty()) return std::nullopt;
  std::vector<NameId> found = matching_workflows(table, scope);
  if (found.empty()) return std::nullopt;
  return found.front();
}

}  // namespace cipette::web
