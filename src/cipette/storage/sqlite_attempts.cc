#include "cipette/storage/sqlite_attempts.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

#include "cipette/storage/sqlite_handle.h"

namespace cipette::storage {
namespace {

// The repository's runs that lack an earlier attempt, newest first. The repository name is
// compared with the NOCASE collation of repositories.full_name.
constexpr std::string_view kIncompleteRuns = R"sql(
SELECT r.id, r.run_attempt FROM runs r
WHERE r.repository_id IN (SELECT id FROM repositories WHERE full_name = ?1)
  AND r.run_attempt > 1
  AND (SELECT count(*) FROM attempts a WHERE a.run_id = r.id AND a.attempt < r.run_attempt)
    < r.run_attempt - 1
ORDER BY r.created_at DESC, r.id DESC LIMIT ?2)sql";

constexpr std::string_view kStoredAttempts = R"sql(
SELECT attempt FROM attempts WHERE run_id = ?1 AND attempt < ?2 ORDER BY attempt)sql";

// Appends the attempts 1 .. run_attempt - 1 of `run_id` that are not among `stored`
// (ascending), until `keys` holds `limit`.
void add_gaps(std::int64_t run_id, std::int64_t run_attempt,
              const std::vector<std::int64_t>& stored, std::size_t limit,
              std::vector<AttemptKey>& keys) {
  std::size_t next_stored = 0;
  for (std::int64_t attempt = 1; attempt < run_attempt && keys.size() < limit; ++attempt) {
    if (next_stored < stored.size() && stored[next_stored] == attempt) {
      ++next_stored;
      continue;
    }
    keys.push_back(AttemptKey{run_id, attempt});
  }
}

Result<std::vector<std::int64_t>> stored_attempts(sqlite3* db, sqlite3_stmt* stmt,
                                                  std::int64_t run_id, std::int64_t run_attempt,
                                                  std::string_view doing) {
  StatementReset reset(stmt);
  bind_int(stmt, 1, run_id);
  bind_int(stmt, 2, run_attempt);
  std::vector<std::int64_t> stored;
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) stored.push_back(column_int(stmt, 0));
  if (rc != SQLITE_DONE) return sqlite_error(db, doing);
  return stored;
}

}  // namespace

Result<std::vector<AttemptKey>> find_missing_attempts(sqlite3* db, std::string_view path,
                                                      std::string_view repository,
                                                      std::size_t limit) {
  std::vector<AttemptKey> keys;
  if (limit == 0) return keys;
  std::string doing = fmt::format("reading the missing attempts of {} from {}", repository, path);
  // Rare (once per sync of a repository): not worth keeping prepared.
  auto runs = prepare(db, kIncompleteRuns, doing);
  if (!runs) return runs.error();
  auto attempts = prepare(db, kStoredAttempts, doing);
  if (!attempts) return attempts.error();
  Transaction transaction(db);
  if (auto begun = transaction.begin("BEGIN", doing); !begun) return begun.error();
  sqlite3_stmt* stmt = runs->get();
  bind_text(stmt, 1, repository);
  constexpr auto kMaxLimit = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  bind_int(stmt, 2, static_cast<std::int64_t>(std::min(limit, kMaxLimit)));
  int rc = SQLITE_ROW;
  while (keys.size() < limit && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    std::int64_t run_id = column_int(stmt, 0);
    std::int64_t run_attempt = column_int(stmt, 1);
    auto stored = stored_attempts(db, attempts->get(), run_id, run_attempt, doing);
    if (!stored) return stored.error();
    add_gaps(run_id, run_attempt, *stored, limit, keys);
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return sqlite_error(db, doing);
  sqlite3_reset(stmt);  // the statement is done before the commit
  if (auto committed = transaction.commit(doing); !committed) return committed.error();
  return keys;
}

}  // namespace cipette::storage
