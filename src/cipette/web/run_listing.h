#pragma once

#include <string>

#include "cipette/core/run_table.h"
#include "cipette/core/select_runs.h"

namespace cipette::web {

// The run's page on GitHub ("https://github.com/o/r/actions/runs/ID"), or "" when the
// repository's address is unknown or not http(s).
std::string run_html_url(const RunTable& table, const RunTable::Row& row);

// A repository's address on GitHub if it is an http(s) URL, else "" (the value comes from
// GitHub's data and must never become a javascript: link).
std::string safe_repository_url(const RunTable& table, NameId repository);

}  // namespace cipette::web
