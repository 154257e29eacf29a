#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "cipette/core/metrics.h"
#include "cipette/core/run_table.h"
#include "cipette/web/query.h"
#include "cipette/web/run_listing.h"
#include "cipette/web/snapshot.h"

namespace cipette::web {

// Serialises a JSON document for the wire. Strings that are not valid UTF-8 (names from the
// database are not checked) are written with U+FFFD instead of failing.
std::string dump_json(const nlohmann::json& document);

// {"error": {"parameter": ..., "message": ...}} for a 400.
nlohmann::json problem_json(const ParamProblem& problem);

// {"error": {"status": 404, "message": ...}} for other errors.
nlohmann::json error_json(int status, const std::string& message);

// GET /api/v1/runs: {"schema_version", "scope", "page", "per_page", "total", "pages",
// "runs": [{"id", "repository", "workflow_id", "workflow", "run_number", "run_attempt", "branch",
// "event", "actor", "outcome", "created_at", "started_at", "completed_at", "duration_seconds",
// "html_url", "flaky", "first_attempt_outcome", "rerun_seconds_lost", "attempts": [{"attempt",
// "status", "outcome", "started_at", "updated_at"}]}]}. "attempts" lists the earlier attempts
// of each run that `page` was selected with (ListOptions::attempts), else none.
nlohmann::json runs_json(const RunTable& table, const Scope& scope, const RunPage& page);

// One run of runs_json: {"id", "repository", ..., "attempts"}.
nlohmann::json run_json(const RunTable& table, const ListedRun& run);

// GET /api/v1/repositories: {"schema_version", "repositories": [{"name", "html_url", "runs",
// "workflows": [{"id", "name", "path", "runs"}]}]}, by name; runs counts every stored run.
nlohmann::json repositories_json(const RunTable& table);

// GET /healthz: {"status": "ok", "runs", "generation", "loaded_at", "watermark"}.
nlohmann::json health_json(const SnapshotState& state);

}  // namespace cipette::web
