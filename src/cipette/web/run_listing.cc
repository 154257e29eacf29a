#include "cipette/web/run_listing.h"

#include <algorithm>

namespace cipette::web {

std::string safe_repository_url(const RunTable& table, NameId repository) {
  const std::string& base = table.repository_html_base(repository);
  if (!base.starts_with("https://") && !base.starts_with("http://")) return "";
  return base;
}

std::string run_html_url(const RunTable& table, const RunTable::Row& row) {
  std::string base = safe_repository_url(table, table.workflows()[row.workflow].repository);
  if (base.empty()) return "";
  return base + "/actions/runs/" + std::to_string(row.id);
}

std::string attempt_html_url(const RunTable& table, const RunTable::Row& row,
                             std::int64_t attempt) {
  std::string url = run_html_url(table, row);
  if (url.empty() || attempt == row.run_attempt) return url;
  return url + "/attempts/" + std::to_string(attempt);
}

std::string_view attempt_status(const RunTable::Attempt& attempt) {
  if (!attempt.found) return "unknown";
  return attempt.completed ? "completed" : "unfinished";
}

std::int64_t page_count(std::int64_t total, int per_page) {
  return std::max<std::int64_t>(1, (total + per_page - 1) / per_page);
}

}  // namespace cipette::web
