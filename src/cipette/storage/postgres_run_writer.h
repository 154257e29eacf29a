#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cipette/core/result.h"
#include "cipette/core/run.h"
#include "cipette/core/run_store.h"
#include "cipette/storage/postgres_connection.h"
#include "cipette/storage/repository_resolver.h"

namespace cipette::storage {

// Writes batches of runs into the schema of postgres_migrations.cc: PostgresStore::upsert_runs.
// The rules are SqliteStore's (sqlite_store.h), and repositories are resolved by the same
// RepositoryResolver (repository_resolver.h) one statement at a time; the runs themselves
// travel in bulk:
//   1. SELECT ... FROM change_log_head FOR UPDATE: writers queue here, so change sequences
//      are handed out in commit order and "changed since" stays exact;
//   2. repositories named by the batch are resolved one by one (a batch names few);
//   3. the runs are sent with one binary COPY into a temporary table, staged_runs;
//   4. workflows are upserted in one statement (a batch names few: they travel as arrays);
//   5. runs in one INSERT ... SELECT ... ON CONFLICT (id) DO UPDATE ... WHERE <the rules> per
//      round: round k holds the k-th occurrence of each run id in the batch (ON CONFLICT
//      cannot touch one row twice in a statement), so repeated ids are applied in order;
//   6. the runs' earlier attempts, as upsert_attempts writes them (arrays, a round per
//      repeated key), after every run row.
// Changed runs get consecutive change sequences in batch order within a round. Does not own
// `connection`.
class PgRunWriter final : private RepositoryTable {
 public:
  explicit PgRunWriter(PgConnection& connection) : connection_(connection), repositories_(*this) {}
  PgRunWriter(const PgRunWriter&) = delete;  // repositories_ refers to this object
  PgRunWriter& operator=(const PgRunWriter&) = delete;

  // Validates every run (validate_run, then check_storable_in_postgres), then writes them all
  // in one transaction. `also`, when given, runs inside the same transaction after the runs
  // are written; its failure rolls everything back.
  Result<UpsertStats> upsert(std::span<const RunRecord> runs,
                             const std::function<Status()>& also = {});

  // Validates every attempt (validate_attempt, then check_storable_in_postgres), then writes
  // them in one transaction: refused, writing nothing, when an attempt's run is not stored.
  // Each run with an attempt inserted or changed gets a new change sequence.
  Result<UpsertStats> upsert_attempts(std::span<const AttemptRecord> attempts);

 private:
  Status ensure_staging_table();
  // Locks the change log's row and reads its head into last_seq_ and first_seq_; end_batch()
  // writes last_seq_ back when the batch moved it. REQUIRES: inside the write transaction.
  Status begin_batch();
  Status end_batch();
  Result<UpsertStats> write_batch(std::span<const RunRecord> runs);
  Result<UpsertStats> write_attempts(const std::vector<const AttemptRecord*>& attempts);
  Status check_runs_stored(const std::vector<const AttemptRecord*>& attempts);
  Result<UpsertStats> upsert_attempt_round(const std::vector<const AttemptRecord*>& attempts);
  Status stage_runs(std::span<const RunRecord> runs, std::int64_t& rounds);
  Status upsert_workflows(std::span<const RunRecord> runs);
  Result<UpsertStats> upsert_round(std::int64_t round);
  std::string doing(std::string_view what) const;

  // RepositoryTable, one statement each.
  Result<std::optional<StoredRepository>> find_repository(const std::string& full_name) override;
  Result<std::optional<StoredRepository>> read_repository(std::int64_t id) override;
  Status store_repository(std::int64_t id, const std::string& full_name,
                          std::int64_t seen_at) override;
  Result<std::int64_t> insert_synthetic_repository(const std::string& full_name,
                                                   std::int64_t seen_at) override;
  Status merge_synthetic_repository(std::int64_t synthetic_id, std::int64_t id,
                                    bool id_stored) override;
  Status touch_runs_of_repository(std::int64_t id) override;
  Result<std::optional<StoredRepository>> read_repository_row(std::string_view sql,
                                                              const PgParams& params,
                                                              std::string_view doing);

  PgConnection& connection_;
  std::uint64_t staging_session_ = 0;  // the connection session that created staged_runs
  std::int64_t last_seq_ = 0;          // the largest change_seq assigned, within a batch
  std::int64_t first_seq_ = 0;         // the change log's head when the batch began
  RepositoryResolver repositories_;
};

}  // namespace cipette::storage
