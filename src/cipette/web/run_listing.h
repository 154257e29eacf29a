#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cipette/core/run_table.h"
#include "cipette/core/select_runs.h"

namespace cipette::web {

// The run's page on GitHub ("https://github.com/o/r/actions/runs/ID"), or "" when the
// repository's address is unknown or not http(s).
std::string run_html_url(const RunTable& table, const RunTable::Row& row);

// The page of one attempt of the run on GitHub: run_html_url + "/attempts/K" for an earlier
// attempt K, the run's own page for its latest attempt (row.run_attempt), "" when
// run_html_url is "".
std::string attempt_html_url(const RunTable& table, const RunTable::Row& row, std::int64_t attempt);

// A repository's address on GitHub if it is an http(s) URL, else "" (the value comes from
// GitHub's data and must never become a javascript: link).
std::string safe_repository_url(const RunTable& table, NameId repository);

// How many pages of `per_page` the `total` runs fill: at least 1 (an empty listing is one
// empty page).
std::int64_t page_count(std::int64_t total, int per_page);

// What is known of an earlier attempt, as the API and the pages name it: "completed",
// "unfinished" (still running when it was fetched) or "unknown" (GitHub answered 404: nothing
// is known, docs/metrics.md "Re-runs and flakiness").
std::string_view attempt_status(const RunTable::Attempt& attempt);

}  // namespace cipette::web
