#include "cipette/storage/sync_state_table.h"

#include <fmt/format.h>

namespace cipette::storage {
namespace {

constexpr std::string_view kReadState = R"sql(
SELECT cursor, etag, floor, gap_top, gap_from, head_from, etag_url
FROM sync_state WHERE repository = ?1)sql";

constexpr std::string_view kReadPending = R"sql(
SELECT run_id, created_at, etag, on_head_page FROM sync_pending WHERE repository = ?1
ORDER BY run_id)sql";

constexpr std::string_view kWriteState = R"sql(
INSERT INTO sync_state (repository, cursor, etag, updated_at, floor, gap_top, gap_from,
  head_from, etag_url)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
ON CONFLICT (repository) DO UPDATE SET cursor = excluded.cursor, etag = excluded.etag,
  updated_at = excluded.updated_at, floor = excluded.floor, gap_top = excluded.gap_top,
  gap_from = excluded.gap_from, head_from = excluded.head_from, etag_url = excluded.etag_url)sql";

// The column's NOCASE collation orders the names case-insensitively; the primary key makes
// them unique under it, so the order is total.
constexpr std::string_view kListRepositories =
    "SELECT repository FROM sync_state ORDER BY repository";

constexpr std::string_view kClearPending = "DELETE FROM sync_pending WHERE repository = ?1";

constexpr std::string_view kWritePending = R"sql(
INSERT OR REPLACE INTO sync_pending (repository, run_id, created_at, etag, on_head_page)
VALUES (?1, ?2, ?3, ?4, ?5))sql";

constexpr std::string_view kReadRescan = R"sql(
SELECT url, etag FROM sync_rescan WHERE repository = ?1 ORDER BY position)sql";

constexpr std::string_view kClearRescan = "DELETE FROM sync_rescan WHERE repository = ?1";

constexpr std::string_view kWriteRescan = R"sql(
INSERT INTO sync_rescan (repository, position, url, etag) VALUES (?1, ?2, ?3, ?4))sql";

}  // namespace

Status SyncStateTable::prepare_statements() {
  if (write_pending_) return {};
  std::string doing = fmt::format("preparing to use the sync state in {}", path_);
  struct Entry {
    StatementPtr* stmt;
    std::string_view sql;
  };
  const Entry entries[] = {
      {&read_state_, kReadState},
      {&read_pending_, kReadPending},
      {&write_state_, kWriteState},
      {&clear_pending_, kClearPending},
      {&read_rescan_, kReadRescan},
      {&clear_rescan_, kClearRescan},
      {&write_rescan_, kWriteRescan},
      {&write_pending_, kWritePending},  // last: its presence marks the set as prepared
  };
  for (const Entry& entry : entries) {
    auto stmt = prepare(db_, entry.sql, doing);
    if (!stmt) return stmt.error();
    *entry.stmt = std::move(*stmt);
  }
  return {};
}

Result<std::optional<SyncState>> SyncStateTable::load(std::string_view repository) {
  if (auto prepared = prepare_statements(); !prepared) return prepared.error();
  std::string doing = fmt::format("reading the sync state of {} from {}", repository, path_);
  Transaction transaction(db_);
  if (auto begun = transaction.begin("BEGIN", doing); !begun) return begun.error();
  SyncState state;
  auto found = read_state(repository, state);
  if (!found) return found.error();
  if (!*found) return std::optional<SyncState>();
  if (auto pending = read_pending(repository, state); !pending) return pending.error();
  if (auto rescan = read_rescan(repository, state); !rescan) return rescan.error();
  if (auto committed = transaction.commit(doing); !committed) return committed.error();
  return std::optional<SyncState>(std::move(state));
}

Result<bool> SyncStateTable::read_state(std::string_view repository, SyncState& state) {
  sqlite3_stmt* stmt = read_state_.get();
  StatementReset reset(stmt);
  bind_text(stmt, 1, repository);
  int rc = sqlite3_step(stmt);
  std::string doing = fmt::format("reading the sync state of {} from {}", repository, path_);
  if (rc == SQLITE_DONE) return false;
  if (rc != SQLITE_ROW) return sqlite_error(db_, doing);
  std::string cursor;
  column_text(stmt, 0, cursor);
  if (!cursor.empty()) {
    auto parsed = parse_timestamp(cursor);
    if (!parsed) return fail(fmt::format("{}: cursor: {}", doing, parsed.error().message));
    state.cursor = *parsed;
  }
  column_text(stmt, 1, state.etag);
  state.floor = column_int(stmt, 2);
  state.gap_top = column_optional_int(stmt, 3);
  state.gap_from = column_optional_int(stmt, 4);
  state.head_from = column_int(stmt, 5);
  column_text(stmt, 6, state.etag_url);
  return true;
}

Status SyncStateTable::read_pending(std::string_view repository, SyncState& state) {
  sqlite3_stmt* stmt = read_pending_.get();
  StatementReset reset(stmt);
  bind_text(stmt, 1, repository);
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    PendingRun run;
    run.id = column_int(stmt, 0);
    run.created_at = column_int(stmt, 1);
    column_text(stmt, 2, run.etag);
    run.on_head_page = column_int(stmt, 3) != 0;
    state.pending.push_back(std::move(run));
  }
  if (rc == SQLITE_DONE) return {};
  return sqlite_error(db_,
                      fmt::format("reading the unfinished runs of {} from {}", repository, path_));
}

Status SyncStateTable::read_rescan(std::string_view repository, SyncState& state) {
  sqlite3_stmt* stmt = read_rescan_.get();
  StatementReset reset(stmt);
  bind_text(stmt, 1, repository);
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    RescanPage& page = state.rescan.emplace_back();
    column_text(stmt, 0, page.url);
    column_text(stmt, 1, page.etag);
  }
  if (rc == SQLITE_DONE) return {};
  return sqlite_error(db_,
                      fmt::format("reading the rescan pages of {} from {}", repository, path_));
}

Result<std::vector<std::string>> SyncStateTable::repositories() {
  std::string doing = fmt::format("listing the sync states in {}", path_);
  auto stmt = prepare(db_, kListRepositories, doing);  // rare: not worth keeping prepared
  if (!stmt) return stmt.error();
  std::vector<std::string> names;
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(stmt->get())) == SQLITE_ROW) {
    column_text(stmt->get(), 0, names.emplace_back());
  }
  if (rc != SQLITE_DONE) return sqlite_error(db_, doing);
  return names;
}

Status SyncStateTable::save(std::string_view repository, const SyncState& state) {
  if (auto prepared = prepare_statements(); !prepared) return prepared;
  std::string doing = fmt::format("writing the sync state of {} to {}", repository, path_);
  std::string cursor = state.cursor ? format_timestamp(*state.cursor) : "";
  sqlite3_stmt* stmt = write_state_.get();
  StatementReset reset(stmt);
  bind_text(stmt, 1, repository);
  bind_text_or_null(stmt, 2, cursor);
  bind_text_or_null(stmt, 3, state.etag);
  bind_int(stmt, 4, now_utc());
  bind_int(stmt, 5, state.floor);
  bind_optional_int(stmt, 6, state.gap_top);
  bind_optional_int(stmt, 7, state.gap_from);
  bind_int(stmt, 8, state.head_from);
  bind_text_or_null(stmt, 9, state.etag_url);
  if (sqlite3_step(stmt) != SQLITE_DONE) return sqlite_error(db_, doing);
  if (auto pending = write_pending(repository, state); !pending) return pending;
  return write_rescan(repository, state);
}

Status SyncStateTable::write_pending(std::string_view repository, const SyncState& state) {
  std::string doing = fmt::format("writing the unfinished runs of {} to {}", repository, path_);
  {
    StatementReset reset(clear_pending_.get());
    bind_text(clear_pending_.get(), 1, repository);
    if (sqlite3_step(clear_pending_.get()) != SQLITE_DONE) return sqlite_error(db_, doing);
  }
  sqlite3_stmt* stmt = write_pending_.get();
  for (const PendingRun& run : state.pending) {
    StatementReset reset(stmt);
    bind_text(stmt, 1, repository);
    bind_int(stmt, 2, run.id);
    bind_int(stmt, 3, run.created_at);
    bind_text_or_null(stmt, 4, run.etag);
    bind_int(stmt, 5, run.on_head_page ? 1 : 0);
    if (sqlite3_step(stmt) != SQLITE_DONE) return sqlite_error(db_, doing);
  }
  return {};
}

Status SyncStateTable::write_rescan(std::string_view repository, const SyncState& state) {
  std::string doing = fmt::format("writing the rescan pages of {} to {}", repository, path_);
  {
    StatementReset reset(clear_rescan_.get());
    bind_text(clear_rescan_.get(), 1, repository);
    if (sqlite3_step(clear_rescan_.get()) != SQLITE_DONE) return sqlite_error(db_, doing);
  }
  sqlite3_stmt* stmt = write_rescan_.get();
  std::int64_t position = 0;
  for (const RescanPage& page : state.rescan) {
    StatementReset reset(stmt);
    bind_text(stmt, 1, repository);
    bind_int(stmt, 2, position++);
    bind_text(stmt, 3, page.url);
    bind_text_or_null(stmt, 4, page.etag);
    if (sqlite3_step(stmt) != SQLITE_DONE) return sqlite_error(db_, doing);
  }
  return {};
}

}  // namespace cipette::storage
