#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <unordered_map>

#include "cipette/core/result.h"
#include "cipette/core/run.h"
#include "cipette/core/run_store.h"
#include "cipette/storage/sqlite_handle.h"

namespace cipette::storage {

// Writes batches of runs into the schema of migrations.cc: SqliteStore::upsert_runs.
// Keeps its prepared statements between batches. Does not own `db`.
class RunWriter {
 public:
  RunWriter(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  // Validates every run, then writes them all in one BEGIN IMMEDIATE transaction (rolled back
  // on any error). See SqliteStore::upsert_runs for the rules. `also`, when given, runs inside
  // the same transaction after the runs are written; its failure rolls everything back.
  Result<UpsertStats> upsert(std::span<const RunRecord> runs,
                             const std::function<Status()>& also = {});

 private:
  enum class RunChange { kInserted, kUpdated, kUnchanged };

  Status prepare_statements();
  Result<UpsertStats> write_batch(std::span<const RunRecord> runs);
  Status resolve_repositories(std::span<const RunRecord> runs);
  Result<std::int64_t> resolve_repository(std::int64_t id, const RunRecord& newest);
  Result<std::int64_t> find_repository_id(const std::string& full_name);
  Result<std::int64_t> insert_synthetic_repository(const RunRecord& newest);
  Status claim_repository_name(std::int64_t id, const RunRecord& newest, std::string& name);
  Result<bool> read_repository(std::int64_t id, std::string& name, std::int64_t& seen_at);
  Status store_repository(std::int64_t id, const std::string& name, std::int64_t seen_at);
  Status merge_synthetic_repository(std::int64_t synthetic_id, std::int64_t id);
  Status touch_runs_of_repository(std::int64_t repository_id);
  Status upsert_workflows(std::span<const RunRecord> runs);
  Result<RunChange> upsert_run(const RunRecord& run, std::int64_t repository_id);
  Status step_done(sqlite3_stmt* stmt, std::string_view doing);
  std::int64_t repository_id_of(const RunRecord& run) const;

  sqlite3* db_;
  std::string path_;
  std::int64_t last_seq_ = 0;  // the largest change_seq assigned, within a batch
  // Batch scratch: the stored id of each repository named in the batch, by GitHub id (when
  // known) and by lower-case full name (for runs without one).
  std::unordered_map<std::int64_t, std::int64_t> repository_by_id_;
  std::unordered_map<std::string, std::int64_t> repository_by_name_;

  StatementPtr read_seq_;
  StatementPtr write_seq_;
  StatementPtr insert_run_;
  StatementPtr update_run_;
  StatementPtr upsert_workflow_;
  StatementPtr find_repository_;
  StatementPtr read_repository_;
  StatementPtr store_repository_;
};

}  // namespace cipette::storage
