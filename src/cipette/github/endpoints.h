#pragma once

// The GitHub REST endpoints the collector uses: their paths, and the parsing of what they
// return beyond workflow runs (run_json.h parses those).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cipette/core/job.h"
#include "cipette/core/result.h"
#include "cipette/core/run.h"

namespace cipette::github {

// The most GitHub returns on one page.
inline constexpr int kMaxPerPage = 100;

// "/repos/{repository}/actions/runs?per_page=N&exclude_pull_requests=true&created=..." with
// `created` (GitHub's search date syntax, see collector/windows.h) URL-encoded.
// REQUIRES: is_api_repository_name(repository).
std::string list_runs_path(std::string_view repository, std::string_view created, int per_page);

// "/repos/{repository}/actions/runs/{id}?exclude_pull_requests=true".
std::string run_path(std::string_view repository, std::int64_t id);

// GET one earlier attempt of a run (the run's shape, with that attempt's values).
std::string attempt_path(std::string_view repository, std::int64_t id, std::int64_t attempt);

// "/repos/{repository}/actions/runs/{id}/jobs?filter=all&per_page=N": the jobs of every
// attempt of the run.
std::string run_jobs_path(std::string_view repository, std::int64_t id, int per_page);

// "/orgs/{org}/repos?per_page=N&type=all".
std::string organisation_repositories_path(std::string_view organisation, int per_page);

// Whether `name` can be a GitHub organisation or user login: letters, digits, '-', '_', '.',
// and not "." or ".." (which would change the meaning of a path).
bool is_valid_organisation_name(std::string_view name);

// is_valid_repository_name, and neither part is "." or "..": safe to put in an API path.
bool is_api_repository_name(std::string_view name);

// A list-workflow-runs page: {"total_count": N, "workflow_runs": [...]}.
struct RunsPage {
  std::int64_t total_count = 0;  // every run matching the filters, beyond this page too
  std::vector<RunRecord> runs;
};

// Parses a list-workflow-runs page. Fails, naming `source`, on invalid JSON, on a document
// that is not such a page, and on any run parse_runs_document rejects; nothing is returned
// then.
Result<RunsPage> parse_runs_page(std::string_view json, std::string_view source);

// A list-jobs-for-workflow-run page: {"total_count": N, "jobs": [...]}.
struct JobsPage {
  std::int64_t total_count = 0;  // every job the filter selects, beyond this page too
  std::vector<JobRecord> jobs;
};

// Parses a list-jobs-for-workflow-run page. Fails, naming `source`, on invalid JSON, on a
// document that is not such a page, and on any job parse_jobs_document rejects; nothing is
// returned then.
Result<JobsPage> parse_jobs_page(std::string_view json, std::string_view source);

// The "full_name" of every repository in a /orgs/{org}/repos page (a JSON array). Fails,
// naming `source`, on anything else.
Result<std::vector<std::string>> parse_repository_names(std::string_view json,
                                                        std::string_view source);

}  // namespace cipette::github
