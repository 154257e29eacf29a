#pragma once

#include <sqlite3.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cipette/core/result.h"
#include "cipette/core/run_store.h"
#include "cipette/storage/sqlite_handle.h"

namespace cipette::storage {

// Reads and writes the collector's SyncState in the sync_state and sync_pending tables
// (migration 2) and sync_rescan (migration 4; positions 0, 1, ... in SyncState::rescan order),
// keyed by repository name, case-insensitively. Keeps its prepared statements. Does not own `db`.
class SyncStateTable {
 public:
  SyncStateTable(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  // The state of `repository` as one consistent read; nullopt when none was saved. Fails on a
  // database error or a malformed stored cursor.
  Result<std::optional<SyncState>> load(std::string_view repository);

  // The repositories with a saved state, in the spelling they were saved with, sorted
  // case-insensitively (ASCII letters).
  Result<std::vector<std::string>> repositories();

  // Replaces the state of `repository`. REQUIRES: a write transaction is open on `db`.
  Status save(std::string_view repository, const SyncState& state);

 private:
  Status prepare_statements();
  Result<bool> read_state(std::string_view repository, SyncState& state);
  Status read_pending(std::string_view repository, SyncState& state);
  Status write_pending(std::string_view repository, const SyncState& state);
  Status read_rescan(std::string_view repository, SyncState& state);
  Status write_rescan(std::string_view repository, const SyncState& state);

  sqlite3* db_;
  std::string path_;
  StatementPtr read_state_;
  StatementPtr read_pending_;
  StatementPtr write_state_;
  StatementPtr clear_pending_;
  StatementPtr write_pending_;
  StatementPtr read_rescan_;
  StatementPtr clear_rescan_;
  StatementPtr write_rescan_;
};

}  // namespace cipette::storage
