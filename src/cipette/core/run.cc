#include "cipette/core/run.h"

#include <fmt/format.h>

namespace cipette {

Outcome classify_conclusion(std::string_view conclusion) {
  if (conclusion == "success") return Outcome::kSuccess;
  if (conclusion == "failure" || conclusion == "timed_out" || conclusion == "startup_failure") {
    return Outcome::kFailed;
  }
  return Outcome::kNeutral;
}

std::string_view outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::kSuccess:
      return "success";
    case Outcome::kFailed:
      return "failed";
    case Outcome::kNeutral:
      break;
  }
  return "neutral";
}

bool is_valid_repository_name(std::string_view name) {
  auto slash = name.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == name.size()) return false;
  if (name.size() > 200) return false;
  // "." and ".." are not names: they would turn an API path into another one (../../orgs/x).
  std::string_view owner = name.substr(0, slash);
  std::string_view repo = name.substr(slash + 1);
  for (std::string_view part : {owner, repo}) {
    if (part == "." || part == "..") return false;
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || (c == '/' && i == slash);
    if (!ok) return false;
  }
  return true;
}

Status validate_run(const RunRecord& run) {
  auto bad = [&](std::string_view field, std::string_view why) {
    return fail(fmt::format("run {}: field \"{}\" {}", run.id, field, why));
  };
  if (run.id <= 0) return bad("id", "must be a positive integer");
  if (!is_valid_repository_name(run.repository)) {
    return bad("repository",
               fmt::format("must be owner/name, got \"{}\"", run.repository.substr(0, 100)));
  }
  if (run.workflow_id <= 0) return bad("workflow_id", "must be a positive integer");
  if (run.status.empty()) return bad("status", "is missing");
  if (run.run_attempt < 1) return bad("run_attempt", "must be at least 1");
  return {};
}

}  // namespace cipette
