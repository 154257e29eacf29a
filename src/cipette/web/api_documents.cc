#include "cipette/web/api_documents.h"

#include <fmt/format.h>

#include <cmath>
#include <map>

#include "cipette/core/time.h"
#include "cipette/views/report_json.h"

namespace cipette::web {

namespace {

using nlohmann::json;

json optional_time(const std::optional<Timestamp>& t) {
  return t ? json(format_timestamp(*t)) : json();
}

// {"attempt", "status", "outcome", "started_at", "updated_at"}: nothing but the number and the
// status of an attempt GitHub no longer has, an outcome only once completed.
json attempt_json(const RunTable::Attempt& attempt) {
  bool found = attempt.found;
  return json{{"attempt", attempt.attempt},
              {"status", attempt_status(attempt)},
              {"outcome", attempt.completed ? json(outcome_name(attempt.outcome)) : json()},
              {"started_at", found ? optional_time(attempt.started_at) : json()},
              {"updated_at", found ? json(format_timestamp(attempt.updated_at)) : json()}};
}

}  // namespace

std::string dump_json(const json& document) { return views::json_text(document); }

json run_json(const RunTable& table, const ListedRun& run) {
  const RunTable::Row& row = run.row;
  const RunTable::Workflow& workflow = table.workflows()[row.workflow];
  std::string url = run_html_url(table, row);
  bool has_duration = row.completed_at >= row.started_at;
  json attempts = json::array();
  for (const RunTable::Attempt& attempt : run.earlier_attempts) {
    attempts.push_back(attempt_json(attempt));
  }
  return json{{"id", row.id},
              {"repository", table.repositories()[workflow.repository]},
              {"workflow_id", workflow.workflow_id},
              {"workflow", workflow.name},
              {"run_number", row.run_number},
              {"run_attempt", row.run_attempt},
              {"branch", table.branches()[row.branch]},
              {"event", table.events()[row.event]},
              {"actor", table.actors()[row.actor]},
              {"outcome", outcome_name(row.outcome)},
              {"created_at", format_timestamp(row.created_at)},
              {"started_at", format_timestamp(row.started_at)},
              {"completed_at", format_timestamp(row.completed_at)},
              {"duration_seconds", has_duration ? json(row.completed_at - row.started_at) : json()},
              {"html_url", url.empty() ? json() : json(url)},
              {"flaky", row.flaky},
              {"first_attempt_outcome",
               row.first_attempt ? json(outcome_name(*row.first_attempt)) : json()},
              {"rerun_seconds_lost", row.seconds_lost},
              {"attempts", std::move(attempts)}};
}

json problem_json(const ParamProblem& problem) {
  return json{{"error", {{"parameter", problem.parameter}, {"message", problem.text()}}}};
}

json error_json(int status, const std::string& message) {
  return json{{"error", {{"status", status}, {"message", message}}}};
}

json runs_json(const RunTable& table, const Scope& scope, const RunPage& page) {
  json runs = json::array();
  for (const ListedRun& run : page.runs) runs.push_back(run_json(table, run));
  std::int64_t pages = (page.total + page.per_page - 1) / page.per_page;
  return json{{"schema_version", views::kSchemaVersion},
              {"scope", views::scope_json(scope)},
              {"page", page.page},
              {"per_page", page.per_page},
              {"total", page.total},
              {"pages", pages},
              {"runs", std::move(runs)}};
}

json repositories_json(const RunTable& table) {
  std::vector<std::int64_t> runs_per_workflow(table.workflows().size(), 0);
  for (NameId w = 0; w < table.workflows().size(); ++w) {
    auto [begin, end] = table.workflow_rows(w);
    runs_per_workflow[w] = static_cast<std::int64_t>(end - begin);
  }
  std::map<std::string, json> by_name;
  for (NameId id = 0; id < table.repositories().size(); ++id) {
    std::string url = safe_repository_url(table, id);
    by_name[table.repositories()[id]] = json{{"name", table.repositories()[id]},
                                             {"html_url", url.empty() ? json() : json(url)},
                                             {"runs", 0},
                                             {"workflows", json::array()}};
  }
  for (std::size_t w = 0; w < table.workflows().size(); ++w) {
    const RunTable::Workflow& workflow = table.workflows()[w];
    json& repository = by_name[table.repositories()[workflow.repository]];
    repository["runs"] = repository["runs"].get<std::int64_t>() + runs_per_workflow[w];
    repository["workflows"].push_back({{"id", workflow.workflow_id},
                                       {"name", workflow.name},
                                       {"path", workflow.path},
                                       {"runs", runs_per_workflow[w]}});
  }
  json list = json::array();
  for (auto& [name, repository] : by_name) list.push_back(std::move(repository));
  return json{{"schema_version", views::kSchemaVersion}, {"repositories", std::move(list)}};
}

json health_json(const SnapshotState& state) {
  return json{{"status", "ok"},
              {"runs", state.table->size()},
              {"generation", state.generation},
              {"loaded_at", format_timestamp(state.loaded_at)},
              {"watermark", state.table->watermark()}};
}

}  // namespace cipette::web
