#pragma once

#include <string_view>
#include <vector>

#include "cipette/core/result.h"
#include "cipette/core/run.h"

namespace cipette::github {

// Parses GitHub workflow-run JSON as the REST API returns it and as people save it:
//   - a list-workflow-runs page: {"total_count": N, "workflow_runs": [run, ...]}
//   - a bare array of runs: [run, ...]
//   - a single run object (GET /actions/runs/{id})
//   - an array of pages ([page, page], as `gh api --paginate --slurp` writes)
//   - several of the above concatenated, with or without whitespace between them
//     (as `gh api --paginate` writes)
// `source` names the input in messages (a file name, a URL).
// Fails on the first problem, with nothing returned: invalid JSON gives
// "SOURCE: line L, column C: WHAT"; a wrongly shaped document or run gives
// "SOURCE: run #K (id ID): field "NAME": WHAT".
Result<std::vector<RunRecord>> parse_runs_document(std::string_view json, std::string_view source);

}  // namespace cipette::github
