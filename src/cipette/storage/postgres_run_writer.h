#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <unordered_map>

#include "cipette/core/result.h"
#include "cipette/core/run.h"
#include "cipette/core/run_store.h"
#include "cipette/storage/postgres_connection.h"

namespace cipette::storage {

// Writes batches of runs into the schema of postgres_migrations.cc: PostgresStore::upsert_runs.
// The rules are SqliteStore's (sqlite_store.h), statement for statement where repositories
// are concerned; the runs themselves travel in bulk:
//   1. SELECT ... FROM change_log_head FOR UPDATE: writers queue here, so change sequences
//      are handed out in commit order and "changed since" stays exact;
//   2. repositories named by the batch are resolved one by one (a batch names few);
//   3. the runs are sent with one binary COPY into a temporary table, staged_runs;
//   4. workflows are upserted in one statement (a batch names few: they travel as arrays);
//   5. runs in one INSERT ... SELECT ... ON CONFLICT (id) DO UPDATE ... WHERE <the rules> per
//      round: round k holds the k-th occurrence of each run id in the batch (ON CONFLICT
//      cannot touch one row twice in a statement), so repeated ids are applied in order.
// Changed runs get consecutive change sequences in batch order within a round. Does not own
// `connection`.
class PgRunWriter {
 public:
  explicit PgRunWriter(PgConnection& connection) : connection_(connection) {}

  // Validates every run (validate_run, then check_storable_in_postgres), then writes them all
  // in one transaction. `also`, when given, runs inside the same transaction after the runs
  // are written; its failure rolls everything back.
  Result<UpsertStats> upsert(std::span<const RunRecord> runs,
                             const std::function<Status()>& also = {});

 private:
  Status ensure_staging_table();
  Result<UpsertStats> write_batch(std::span<const RunRecord> runs);
  Status stage_runs(std::span<const RunRecord> runs, std::int64_t& rounds);
  Status upsert_workflows(std::span<const RunRecord> runs);
  Result<UpsertStats> upsert_round(std::int64_t round);
  Status resolve_repositories(std::span<const RunRecord> runs);
  Result<std::int64_t> resolve_repository(std::int64_t id, const RunRecord& newest);
  Result<std::int64_t> find_repository_id(const std::string& full_name);
  Result<std::int64_t> insert_synthetic_repository(const RunRecord& newest);
  Status claim_repository_name(std::int64_t id, const RunRecord& newest, std::string& name);
  Result<bool> read_repository(std::int64_t id, std::string& name, std::int64_t& seen_at);
  Status store_repository(std::int64_t id, const std::string& name, std::int64_t seen_at);
  Status merge_synthetic_repository(std::int64_t synthetic_id, std::int64_t id);
  Status touch_runs_of_repository(std::int64_t repository_id);
  std::int64_t repository_id_of(const RunRecord& run) const;
  std::string doing(std::string_view what) const;

  PgConnection& connection_;
  std::uint64_t staging_session_ = 0;  // the connection session that created staged_runs
  std::int64_t last_seq_ = 0;          // the largest change_seq assigned, within a batch
  // Batch scratch: the stored id of each repository named in the batch, by GitHub id (when
  // known) and by lower-case full name (for runs without one).
  std::unordered_map<std::int64_t, std::int64_t> repository_by_id_;
  std::unordered_map<std::string, std::int64_t> repository_by_name_;
};

}  // namespace cipette::storage
