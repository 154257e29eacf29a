#pragma once

#include <simdjson.h>

#include "cipette/core/result.h"
#include "cipette/core/run.h"
#include "cipette/github/json_fields.h"

// Private to cipette_github: one GitHub workflow-run object to a RunRecord.

namespace cipette::github {

// Maps a workflow-run object (the shape of GET /repos/{o}/{r}/actions/runs/{id}) to a RunRecord.
// Required: id (positive integer), workflow_id (positive integer), repository.full_name
// (owner/name), status (non-empty), created_at and updated_at (time stamps). Time stamps
// (run_started_at too) must be plausible (core/time.h: is_plausible_timestamp). Everything else is
// optional; null counts as absent: conclusion and head_branch become "", run_attempt 1,
// run_started_at nullopt, actor falls back to triggering_actor.login and then "". A value of
// the wrong type is an error even where the field is optional. The result passes validate_run.
// Fails with "SOURCE: run #K (id ID): field "NAME": WHAT" ("(id ID)" left out while the id is
// not known).
Result<RunRecord> read_run(simdjson::dom::element run, const ItemLabel& label);

}  // namespace cipette::github
