#include "cipette/storage/sqlite_leases.h"

#include <fmt/format.h>

#include <utility>

#include "cipette/core/time.h"

namespace cipette::storage {
namespace {

// Takes the lease unless another holder's claim is still running. In the DO UPDATE clause the
// bare column names are the stored row's, `excluded` the proposed one; released_at is kept
// (it tells when the repository was last synced to the end).
constexpr std::string_view kClaim = R"sql(
INSERT INTO sync_leases (repository, holder, expires_at, released_at) VALUES (?1, ?2, ?3, 0)
ON CONFLICT (repository) DO UPDATE SET holder = excluded.holder,
  expires_at = excluded.expires_at
WHERE holder = '' OR holder = excluded.holder OR expires_at <= ?4)sql";

constexpr std::string_view kRead = R"sql(
SELECT holder, expires_at, released_at FROM sync_leases WHERE repository = ?1)sql";

constexpr std::string_view kRelease = R"sql(
UPDATE sync_leases SET holder = '', expires_at = ?3, released_at = ?3
WHERE repository = ?1 AND holder = ?2)sql";

}  // namespace

Status SqliteLeases::prepare_statements() {
  if (release_) return {};
  std::string doing = fmt::format("preparing to use the leases in {}", path_);
  for (auto [stmt, sql] : {std::pair{&claim_, kClaim}, std::pair{&read_, kRead},
                           std::pair{&release_, kRelease}}) {  // release_ last: marks the set
    auto prepared = prepare(db_, sql, doing);
    if (!prepared) return prepared.error();
    *stmt = std::move(*prepared);
  }
  return {};
}

Result<LeaseState> SqliteLeases::acquire(std::string_view repository, std::string_view holder,
                                         std::chrono::seconds ttl) {
  std::string doing = fmt::format("taking the lease on {} in {}", repository, path_);
  if (holder.empty()) return fail(doing, ": the holder is empty");
  if (ttl.count() < 0) return fail(doing, ": the ttl is negative");
  if (auto prepared = prepare_statements(); !prepared) return prepared.error();
  Transaction transaction(db_);
  if (auto begun = transaction.begin("BEGIN IMMEDIATE", doing); !begun) return begun.error();
  // Read the clock under the write lock, so that a writer that waited does not use a stale now.
  LeaseState state;
  state.now = now_utc();
  if (auto claimed = claim(repository, holder, state.now, state.now + ttl.count(), doing);
      !claimed) {
    return claimed.error();
  }
  if (auto read = read_back(repository, state, doing); !read) return read.error();
  if (auto committed = transaction.commit(doing); !committed) return committed.error();
  state.acquired = state.holder == holder;
  return state;
}

Status SqliteLeases::claim(std::string_view repository, std::string_view holder, Timestamp now,
                           Timestamp expires_at, std::string_view doing) {
  sqlite3_stmt* stmt = claim_.get();
  StatementReset reset(stmt);
  bind_text(stmt, 1, repository);
  bind_text(stmt, 2, holder);
  bind_int(stmt, 3, expires_at);
  bind_int(stmt, 4, now);
  if (sqlite3_step(stmt) != SQLITE_DONE) return sqlite_error(db_, doing);
  return {};
}

Status SqliteLeases::read_back(std::string_view repository, LeaseState& state,
                               std::string_view doing) {
  sqlite3_stmt* stmt = read_.get();
  StatementReset reset(stmt);
  bind_text(stmt, 1, repository);
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_DONE) return fail(doing, ": the lease row vanished");
  if (rc != SQLITE_ROW) return sqlite_error(db_, doing);
  column_text(stmt, 0, state.holder);
  state.expires_at = column_int(stmt, 1);
  state.released_at = column_int(stmt, 2);
  return {};
}

Status SqliteLeases::release(std::string_view repository, std::string_view holder) {
  std::string doing = fmt::format("releasing the lease on {} in {}", repository, path_);
  if (holder.empty()) return fail(doing, ": the holder is empty");
  if (auto prepared = prepare_statements(); !prepared) return prepared;
  // One statement: SQLite makes it atomic on its own.
  sqlite3_stmt* stmt = release_.get();
  StatementReset reset(stmt);
  bind_text(stmt, 1, repository);
  bind_text(stmt, 2, holder);
  bind_int(stmt, 3, now_utc());
  if (sqlite3_step(stmt) != SQLITE_DONE) return sqlite_error(db_, doing);
  return {};
}

}  // namespace cipette::storage
