#include "cipette/storage/postgres_store.h"

#include <fmt/format.h>

#include <unordered_map>

#include "cipette/storage/postgres_connection.h"
#include "cipette/storage/postgres_copy.h"
#include "cipette/storage/postgres_jobs.h"
#include "cipette/storage/postgres_migrations.h"
#include "cipette/storage/postgres_run_writer.h"
#include "cipette/storage/postgres_sync_state.h"

namespace cipette::storage {
namespace {

// How many times a call that lost its connection goes again on a new one. A server restart
// costs one; the others cover a new connection cut again before the call is through (a
// failover, an administrator ending a role's sessions repeatedly). Not unbounded: a server
// or proxy that ends every session would otherwise hold the caller forever.
constexpr int kRetriesWhenLost = 3;

// COPY takes no parameters, so the watermark travels in a transaction-local setting, set with
// a bound value; current_setting() is stable, so the primary key index still bounds the scan.
constexpr std::string_view kSetSince = "SELECT set_config('cipette.scan_since', $1, true)";

const std::string& scan_copy_sql() {
  static const std::string sql = fmt::format(
      "COPY (SELECT {}, {} FROM runs r WHERE change_seq > "
      "current_setting('cipette.scan_since')::bigint ORDER BY change_seq) TO STDOUT "
      "(FORMAT binary)",
      ScannedRunsDecoder::kColumns, ScannedRunsDecoder::kAttempts);
  return sql;
}

Status read_repository_names(PgConnection& connection, std::string_view doing,
                             std::unordered_map<std::int64_t, std::string>& names) {
  auto rows = connection.exec("SELECT id, full_name FROM repositories", doing);
  if (!rows) return rows.error();
  for (int row = 0; row < PQntuples(rows->get()); ++row) {
    names[pg_int(rows->get(), row, 0)] = pg_text(rows->get(), row, 1);
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<PostgresStore>> PostgresStore::open(const std::string& conninfo) {
  auto connection = PgConnection::connect(conninfo);
  if (!connection) return connection.error();
  if (auto migrated = migrate_postgres(**connection); !migrated) return migrated.error();
  // The constructor is private, so std::make_unique cannot reach it.
  return std::unique_ptr<PostgresStore>(new PostgresStore(std::move(*connection)));
}

PostgresStore::PostgresStore(std::unique_ptr<PgConnection> connection)
    : connection_(std::move(connection)), writer_(std::make_unique<PgRunWriter>(*connection_)) {}

PostgresStore::~PostgresStore() = default;

Status PostgresStore::ensure_connected() {
  if (!connection_->broken()) return {};
  return connection_->reconnect();
}

template <typename T>
Result<T> PostgresStore::with_retry(const std::function<Result<T>()>& attempt) {
  if (auto connected = ensure_connected(); !connected) return connected.error();
  Result<T> result = attempt();
  // Lost mid-call: the transaction did not commit (or, if its COMMIT was lost in transit,
  // did and is found identical the next time). Another go on a new connection.
  for (int retry = 0; retry < kRetriesWhenLost && !result && connection_->broken(); ++retry) {
    if (auto reconnected = connection_->reconnect(); !reconnected) {
      return fail(result.error().message, "; reconnecting: ", reconnected.error().message);
    }
    result = attempt();
  }
  return result;
}

Result<UpsertStats> PostgresStore::upsert_runs(std::span<const RunRecord> runs) {
  return with_retry<UpsertStats>([&] { return writer_->upsert(runs); });
}

Result<UpsertStats> PostgresStore::upsert_attempts(std::span<const AttemptRecord> attempts) {
  return with_retry<UpsertStats>([&] { return writer_->upsert_attempts(attempts); });
}

Result<ChangeSeq> PostgresStore::scan_runs(ChangeSeq since,
                                           const std::function<ScanStep(const RunRecord&)>& visit) {
  if (auto connected = ensure_connected(); !connected) return connected.error();
  bool visited = false;
  auto last = scan_snapshot(since, visit, visited);
  for (int retry = 0; retry < kRetriesWhenLost && !last && !visited && connection_->broken();
       ++retry) {
    if (auto reconnected = connection_->reconnect(); !reconnected) {
      return fail(last.error().message, "; reconnecting: ", reconnected.error().message);
    }
    last = scan_snapshot(since, visit, visited);
  }
  return last;
}

Result<ChangeSeq> PostgresStore::scan_snapshot(
    ChangeSeq since, const std::function<ScanStep(const RunRecord&)>& visit, bool& visited) {
  PgConnection& connection = *connection_;
  std::string doing = fmt::format("reading runs from {}", connection.describe());
  // One snapshot for the names and the runs: a concurrent batch is seen whole or not at all.
  PgTransaction transaction(connection);
  if (auto begun = transaction.begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", doing);
      !begun) {
    return begun.error();
  }
  std::unordered_map<std::int64_t, std::string> names;
  if (auto read = read_repository_names(connection, doing, names); !read) return read.error();
  if (auto set = connection.exec(kSetSince, PgParams().add(since), doing); !set) {
    return set.error();
  }
  // Change order comes from the primary key; never sort the whole table instead (a planner
  // without fresh statistics may think that cheaper).
  if (auto set = connection.exec("SET LOCAL enable_sort = off", doing); !set) return set.error();
  RunRecord run;
  ChangeSeq last = since;
  ScannedRunsDecoder decoder;
  auto on_row = [&](std::string_view message) -> Result<ScanStep> {
    ChangeSeq seq = 0;
    auto row = decoder.decode(message, run, seq);
    if (!row) return row.error();
    if (!*row) return ScanStep::kContinue;
    last = seq;
    auto name = names.find(run.repository_id);
    run.repository.assign(name == names.end() ? std::string_view() : name->second);
    visited = true;
    return visit(run);
  };
  auto copied = connection.copy_out(scan_copy_sql(), on_row, doing);
  if (!copied) return copied.error();
  // A cancelled COPY aborted the transaction: nothing to commit, the destructor rolls back.
  if (*copied == ScanStep::kStop) return last;
  if (auto committed = transaction.commit(doing); !committed) return committed.error();
  return last;
}

Result<std::int64_t> PostgresStore::count_runs() {
  return with_retry<std::int64_t>([&]() -> Result<std::int64_t> {
    auto counted = connection_->exec("SELECT count(*) FROM runs",
                                     fmt::format("counting runs in {}", describe()));
    if (!counted) return counted.error();
    return pg_int(counted->get(), 0, 0);
  });
}

std::string PostgresStore::describe() const { return connection_->describe(); }

Result<std::optional<SyncState>> PostgresStore::load_sync_state(std::string_view repository) {
  return with_retry<std::optional<SyncState>>(
      [&] { return load_postgres_sync_state(*connection_, repository); });
}

Result<UpsertStats> PostgresStore::commit_sync(std::string_view repository,
                                               std::span<const RunRecord> runs,
                                               const SyncState& state) {
  return with_retry<UpsertStats>([&] {
    return writer_->upsert(
        runs, [&] { return save_postgres_sync_state(*connection_, repository, state); });
  });
}

Result<std::vector<AttemptKey>> PostgresStore::missing_attempts(std::string_view repository,
                                                                std::size_t limit) {
  return with_retry<std::vector<AttemptKey>>(
      [&] { return find_missing_postgres_attempts(*connection_, repository, limit); });
}

Result<std::vector<std::string>> PostgresStore::sync_repositories() {
  return with_retry<std::vector<std::string>>(
      [&] { return list_postgres_sync_states(*connection_); });
}

Result<LeaseState> PostgresStore::acquire_lease(std::string_view repository,
                                                std::string_view holder, std::chrono::seconds ttl) {
  return with_retry<LeaseState>(
      [&] { return acquire_postgres_lease(*connection_, repository, holder, ttl); });
}

Status PostgresStore::release_lease(std::string_view repository, std::string_view holder) {
  return with_retry<void>([&] { return release_postgres_lease(*connection_, repository, holder); });
}

Result<ChangeSeq> PostgresStore::scan_jobs(ChangeSeq since,
                                           const std::function<ScanStep(const JobRecord&)>& visit) {
  if (auto connected = ensure_connected(); !connected) return connected.error();
  bool visited = false;
  auto last = scan_postgres_jobs(*connection_, since, visit, visited);
  for (int retry = 0; retry < kRetriesWhenLost && !last && !visited && connection_->broken();
       ++retry) {
    if (auto reconnected = connection_->reconnect(); !reconnected) {
      return fail(last.error().message, "; reconnecting: ", reconnected.error().message);
    }
    last = scan_postgres_jobs(*connection_, since, visit, visited);
  }
  return last;
}

Result<std::vector<JobRecord>> PostgresStore::jobs_of_run(std::int64_t run_id) {
  return with_retry<std::vector<JobRecord>>(
      [&] { return postgres_jobs_of_run(*connection_, run_id); });
}

Status PostgresStore::scan_steps(
    std::span<const std::int64_t> job_ids,
    const std::function<void(std::int64_t, const StepRecord&)>& visit) {
  // Not retried: `visit` may have seen steps before the connection was lost.
  if (auto connected = ensure_connected(); !connected) return connected;
  return scan_postgres_steps(*connection_, job_ids, visit);
}

Result<JobUpsertStats> PostgresStore::upsert_jobs(std::span<const JobRecord> jobs) {
  return with_retry<JobUpsertStats>([&] { return upsert_postgres_jobs(*connection_, jobs); });
}

Result<JobUpsertStats> PostgresStore::commit_run_jobs(std::span<const RunJobs> fetched) {
  return with_retry<JobUpsertStats>(
      [&] { return commit_postgres_run_jobs(*connection_, fetched); });
}

Result<std::vector<JobsWanted>> PostgresStore::runs_wanting_jobs(std::string_view repository,
                                                                 Timestamp since,
                                                                 std::size_t limit) {
  return with_retry<std::vector<JobsWanted>>(
      [&] { return postgres_runs_wanting_jobs(*connection_, repository, since, limit); });
}

Result<std::int64_t> PostgresStore::count_runs_wanting_jobs(std::string_view repository,
                                                            Timestamp since) {
  return with_retry<std::int64_t>(
      [&] { return count_postgres_runs_wanting_jobs(*connection_, repository, since); });
}

Result<std::vector<RunJobs>> PostgresStore::read_job_fetches(std::int64_t after_run_id,
                                                             std::size_t limit) {
  return with_retry<std::vector<RunJobs>>(
      [&] { return read_postgres_job_fetches(*connection_, after_run_id, limit); });
}

int PostgresStore::latest_schema_version() { return postgres_schema_migration_count(); }

Result<int> PostgresStore::schema_version() {
  return with_retry<int>([&] { return postgres_schema_version(*connection_); });
}

int PostgresStore::backend_pid() const { return connection_->backend_pid(); }

}  // namespace cipette::storage
