#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cipette/core/result.h"
#include "cipette/core/run.h"
#include "cipette/core/run_store.h"
#include "cipette/storage/repository_resolver.h"
#include "cipette/storage/sqlite_handle.h"

namespace cipette::storage {

// Writes batches of runs into the schema of migrations.cc: SqliteStore::upsert_runs.
// Keeps its prepared statements between batches. Repositories are resolved by
// RepositoryResolver (repository_resolver.h) over this writer's statements. Does not own `db`.
class RunWriter final : private RepositoryTable {
 public:
  RunWriter(sqlite3* db, std::string path)
      : db_(db), path_(std::move(path)), repositories_(*this) {}
  RunWriter(const RunWriter&) = delete;  // repositories_ refers to this object
  RunWriter& operator=(const RunWriter&) = delete;

  // Validates every run, then writes them all in one BEGIN IMMEDIATE transaction (rolled back
  // on any error). See SqliteStore::upsert_runs for the rules. `also`, when given, runs inside
  // the same transaction after the runs are written; its failure rolls everything back.
  // Each run's earlier_attempts are written after all the runs, as by upsert_attempts.
  Result<UpsertStats> upsert(std::span<const RunRecord> runs,
                             const std::function<Status()>& also = {});

  // Validates every attempt, then writes them all in one BEGIN IMMEDIATE transaction (rolled
  // back on any error, such as an attempt whose run is not stored). See
  // SqliteStore::upsert_attempts.
  Result<UpsertStats> upsert_attempts(std::span<const AttemptRecord> attempts);

 private:
  enum class RunChange { kInserted, kUpdated, kUnchanged };
  struct RunWritten {
    RunChange change = RunChange::kUnchanged;
    bool rerun = false;  // written with a later attempt than stored (UpsertStats::reruns)
  };

  Status prepare_statements();
  // Reads the change log's head into last_seq_ and first_seq_; end_batch() writes last_seq_
  // back when the batch moved it. REQUIRES: inside the write transaction.
  Status begin_batch();
  Status end_batch();
  Result<UpsertStats> write_batch(std::span<const RunRecord> runs);
  Status upsert_workflows(std::span<const RunRecord> runs);
  Result<RunWritten> upsert_run(const RunRecord& run, std::int64_t repository_id);
  Result<UpsertStats> write_attempts(const std::vector<const AttemptRecord*>& attempts);
  Result<RunChange> upsert_attempt(const AttemptRecord& attempt);
  // The change_seq of run `run_id`, nullopt when it is not stored.
  Result<std::optional<ChangeSeq>> read_run_seq(std::int64_t run_id, std::string_view doing);
  Status step_done(sqlite3_stmt* stmt, std::string_view doing);

  // RepositoryTable, over this writer's statements.
  Result<std::optional<StoredRepository>> find_repository(const std::string& full_name) override;
  Result<std::optional<StoredRepository>> read_repository(std::int64_t id) override;
  Status store_repository(std::int64_t id, const std::string& full_name,
                          std::int64_t seen_at) override;
  Result<std::int64_t> insert_synthetic_repository(const std::string& full_name,
                                                   std::int64_t seen_at) override;
  Status merge_synthetic_repository(std::int64_t synthetic_id, std::int64_t id,
                                    bool id_stored) override;
  Status touch_runs_of_repository(std::int64_t id) override;
  Result<std::optional<StoredRepository>> read_repository_row(sqlite3_stmt* stmt,
                                                              std::string_view doing);
  Status write_repository(std::int64_t id, std::string_view full_name, std::int64_t seen_at,
                          std::string_view doing);

  sqlite3* db_;
  std::string path_;
  std::int64_t last_seq_ = 0;   // the largest change_seq assigned, within a batch
  std::int64_t first_seq_ = 0;  // the change log's head when the batch began
  RepositoryResolver repositories_;

  StatementPtr read_seq_;
  StatementPtr write_seq_;
  StatementPtr insert_run_;
  StatementPtr update_run_;
  StatementPtr upsert_workflow_;
  StatementPtr find_repository_;
  StatementPtr read_repository_;
  StatementPtr store_repository_;
  StatementPtr read_attempt_;
  StatementPtr read_run_seq_;
  StatementPtr move_run_;
  StatementPtr insert_attempt_;
  StatementPtr update_attempt_;
};

}  // namespace cipette::storage
