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

Parsed<ScopeQuery> valid_scope(Parsed<ScopeQuery> query) {
  if (!query) return query;
  if (auto valid = validate_scope(query->scope); !valid) {
    return ParamProblem{"period", valid.error().message};
  }
  return query;
}

std::optional<NameId> find_workflow(const RunTable& table, const Scope& scope) {
  if (scope.repository.empty()) return std::nullopt;
  std::vector<NameId> found = matching_workflows(table, scope);
  if (found.empty()) return std::nullopt;
  return found.front();
}

}  // namespace cipette::web
