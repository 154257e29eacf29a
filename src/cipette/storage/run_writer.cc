#include "cipette/storage/run_writer.h"

#include <fmt/format.h>

namespace cipette::storage {
namespace {

// Parameters ?1..?19 are shared by the insert and the update of a run (see bind_run); ?19 is
// RunRecord::version().
constexpr std::string_view kInsertRun = R"sql(
INSERT INTO runs (id, change_seq, repository_id, workflow_id, run_number, run_attempt,
  created_at, run_started_at, updated_at, status, conclusion, event, head_branch, head_sha,
  actor, workflow_name, path, html_url, version)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)
ON CONFLICT (id) DO NOTHING)sql";

// Replaces a stored run by a version that moves it forward (core/run.h, run_version): a greater
// version, or an equal one that differs somewhere (so identical rows keep their change_seq).
constexpr std::string_view kUpdateRun = R"sql(
UPDATE runs SET change_seq = ?2, repository_id = ?3, workflow_id = ?4, run_number = ?5,
  run_attempt = ?6, created_at = ?7, run_started_at = ?8, updated_at = ?9, status = ?10,
  conclusion = ?11, event = ?12, head_branch = ?13, head_sha = ?14, actor = ?15,
  workflow_name = ?16, path = ?17, html_url = ?18, version = ?19
WHERE id = ?1 AND (?19 > version OR (?19 = version AND (
  repository_id IS NOT ?3 OR workflow_id IS NOT ?4 OR run_number IS NOT ?5
  OR run_attempt IS NOT ?6 OR created_at IS NOT ?7 OR run_started_at IS NOT ?8
  OR updated_at IS NOT ?9 OR status IS NOT ?10 OR conclusion IS NOT ?11 OR event IS NOT ?12
  OR head_branch IS NOT ?13 OR head_sha IS NOT ?14 OR actor IS NOT ?15
  OR workflow_name IS NOT ?16 OR path IS NOT ?17 OR html_url IS NOT ?18))))sql";

// Parameters ?1..?8 are shared by the insert and the update of an attempt (see bind_attempt);
// ?3 is attempt_version().
constexpr std::string_view kInsertAttempt = R"sql(
INSERT INTO attempts (run_id, attempt, version, found, run_started_at, updated_at, status,
  conclusion)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
ON CONFLICT (run_id, attempt) DO NOTHING)sql";

// The forward-only rule of runs, for one attempt.
constexpr std::string_view kUpdateAttempt = R"sql(
UPDATE attempts SET version = ?3, found = ?4, run_started_at = ?5, updated_at = ?6,
  status = ?7, conclusion = ?8
WHERE run_id = ?1 AND attempt = ?2 AND (?3 > version OR (?3 = version AND (
  found IS NOT ?4 OR run_started_at IS NOT ?5 OR updated_at IS NOT ?6 OR status IS NOT ?7
  OR conclusion IS NOT ?8))))sql";

constexpr std::string_view kUpsertWorkflow = R"sql(
INSERT INTO workflows (id, repository_id, name, path, seen_at) VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT (id) DO UPDATE SET repository_id = excluded.repository_id, name = excluded.name,
  path = excluded.path, seen_at = excluded.seen_at
WHERE excluded.seen_at >= workflows.seen_at AND (workflows.repository_id IS NOT
  excluded.repository_id OR workflows.name IS NOT excluded.name OR workflows.path IS NOT
  excluded.path OR workflows.seen_at IS NOT excluded.seen_at))sql";

constexpr std::string_view kStoreRepository = R"sql(
INSERT INTO repositories (id, full_name, seen_at) VALUES (?1, ?2, ?3)
ON CONFLICT (id) DO UPDATE SET full_name = excluded.full_name, seen_at = excluded.seen_at)sql";

// Gives every run of a repository a new change_seq, in id order, after ?1.
constexpr std::string_view kTouchRuns = R"sql(
UPDATE runs SET change_seq = ?1 + touched.n
FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM runs WHERE repository_id = ?2)
  AS touched
WHERE runs.id = touched.id)sql";

void bind_run(sqlite3_stmt* stmt, const RunRecord& run, std::int64_t repository_id,
              std::int64_t seq) {
  bind_int(stmt, 1, run.id);
  bind_int(stmt, 2, seq);
  bind_int(stmt, 3, repository_id);
  bind_int(stmt, 4, run.workflow_id);
  bind_int(stmt, 5, run.run_number);
  bind_int(stmt, 6, run.run_attempt);
  bind_int(stmt, 7, run.created_at);
  bind_optional_int(stmt, 8, run.run_started_at);
  bind_int(stmt, 9, run.updated_at);
  bind_text(stmt, 10, run.status);
  bind_text_or_null(stmt, 11, run.conclusion);
  bind_text(stmt, 12, run.event);
  bind_text(stmt, 13, run.head_branch);
  bind_text(stmt, 14, run.head_sha);
  bind_text(stmt, 15, run.actor);
  bind_text(stmt, 16, run.workflow_name);
  bind_text(stmt, 17, run.path);
  bind_text(stmt, 18, run.html_url);
  bind_int(stmt, 19, run.version());
}

void bind_attempt(sqlite3_stmt* stmt, const AttemptRecord& attempt) {
  bind_int(stmt, 1, attempt.run_id);
  bind_int(stmt, 2, attempt.attempt);
  bind_int(stmt, 3, attempt_version(attempt));
  bind_int(stmt, 4, attempt.found ? 1 : 0);
  bind_optional_int(stmt, 5, attempt.run_started_at);
  bind_int(stmt, 6, attempt.updated_at);
  bind_text(stmt, 7, attempt.status);
  bind_text_or_null(stmt, 8, attempt.conclusion);
}

// The earlier attempts the runs of a batch carry, in batch order.
std::vector<const AttemptRecord*> attempts_of(std::span<const RunRecord> runs) {
  std::vector<const AttemptRecord*> attempts;
  for (const RunRecord& run : runs) {
    for (const AttemptRecord& attempt : run.earlier_attempts) attempts.push_back(&attempt);
  }
  return attempts;
}

}  // namespace

Result<UpsertStats> RunWriter::upsert(std::span<const RunRecord> runs,
                                      const std::function<Status()>& also) {
  for (const RunRecord& run : runs) {
    if (auto valid = validate_run(run); !valid) return valid.error();
  }
  if (runs.empty() && !also) return UpsertStats{};
  if (sqlite3_db_readonly(db_, "main") == 1) {
    return fail(fmt::format("writing runs to {}: the database was opened read-only", path_));
  }
  if (auto prepared = prepare_statements(); !prepared) return prepared.error();
  std::string doing = fmt::format("writing runs to {}", path_);
  Transaction transaction(db_);
  if (auto begun = transaction.begin("BEGIN IMMEDIATE", doing); !begun) return begun.error();
  auto stats = runs.empty() ? Result<UpsertStats>(UpsertStats{}) : write_batch(runs);
  if (!stats) return stats.error();
  if (also) {
    if (auto done = also(); !done) return done.error();
  }
  if (auto committed = transaction.commit(doing); !committed) return committed.error();
  return stats;
}

Result<UpsertStats> RunWriter::upsert_attempts(std::span<const AttemptRecord> attempts) {
  for (const AttemptRecord& attempt : attempts) {
    if (auto valid = validate_attempt(attempt); !valid) return valid.error();
  }
  if (attempts.empty()) return UpsertStats{};
  if (sqlite3_db_readonly(db_, "main") == 1) {
    return fail(fmt::format("writing attempts to {}: the database was opened read-only", path_));
  }
  if (auto prepared = prepare_statements(); !prepared) return prepared.error();
  std::string doing = fmt::format("writing attempts to {}", path_);
  Transaction transaction(db_);
  if (auto begun = transaction.begin("BEGIN IMMEDIATE", doing); !begun) return begun.error();
  if (auto begun = begin_batch(); !begun) return begun.error();
  std::vector<const AttemptRecord*> all;
  all.reserve(attempts.size());
  for (const AttemptRecord& attempt : attempts) all.push_back(&attempt);
  auto stats = write_attempts(all);
  if (!stats) return stats.error();
  if (auto ended = end_batch(); !ended) return ended.error();
  if (auto committed = transaction.commit(doing); !committed) return committed.error();
  return stats;
}

Status RunWriter::prepare_statements() {
  if (insert_run_) return {};
  std::string doing = fmt::format("preparing to write runs to {}", path_);
  struct Entry {
    StatementPtr* stmt;
    std::string_view sql;
  };
  const Entry entries[] = {
      {&read_seq_, "SELECT last_seq FROM change_log_head WHERE id = 1"},
      {&write_seq_, "UPDATE change_log_head SET last_seq = ?1 WHERE id = 1"},
      {&update_run_, kUpdateRun},
      {&upsert_workflow_, kUpsertWorkflow},
      {&find_repository_, "SELECT id, full_name, seen_at FROM repositories WHERE full_name = ?1"},
      {&read_repository_, "SELECT id, full_name, seen_at FROM repositories WHERE id = ?1"},
      {&store_repository_, kStoreRepository},
      {&read_attempt_, "SELECT run_attempt FROM runs WHERE id = ?1"},
      {&read_run_seq_, "SELECT change_seq FROM runs WHERE id = ?1"},
      {&move_run_, "UPDATE runs SET change_seq = ?1 WHERE id = ?2"},
      {&insert_attempt_, kInsertAttempt},
      {&update_attempt_, kUpdateAttempt},
      {&insert_run_, kInsertRun},  // last: its presence marks the set as prepared
  };
  for (const Entry& entry : entries) {
    auto stmt = prepare(db_, entry.sql, doing);
    if (!stmt) return stmt.error();
    *entry.stmt = std::move(*stmt);
  }
  return {};
}

Status RunWriter::begin_batch() {
  StatementReset reset(read_seq_.get());
  if (sqlite3_step(read_seq_.get()) != SQLITE_ROW) {
    return sqlite_error(db_, fmt::format("reading the change log of {}", path_));
  }
  last_seq_ = column_int(read_seq_.get(), 0);
  first_seq_ = last_seq_;
  return {};
}

Status RunWriter::end_batch() {
  if (last_seq_ == first_seq_) return {};
  StatementReset reset(write_seq_.get());
  bind_int(write_seq_.get(), 1, last_seq_);
  return step_done(write_seq_.get(), fmt::format("writing the change log of {}", path_));
}

Result<UpsertStats> RunWriter::write_batch(std::span<const RunRecord> runs) {
  if (auto begun = begin_batch(); !begun) return begun.error();
  if (auto resolved = repositories_.resolve(runs); !resolved) return resolved.error();
  if (auto workflows = upsert_workflows(runs); !workflows) return workflows.error();
  UpsertStats stats;
  for (const RunRecord& run : runs) {
    auto change = upsert_run(run, repositories_.id_of(run));
    if (!change) return change.error();
    if (change->change == RunChange::kInserted) ++stats.inserted;
    if (change->change == RunChange::kUpdated) ++stats.updated;
    if (change->change == RunChange::kUnchanged) ++stats.unchanged;
    if (change->rerun) ++stats.reruns;
  }
  // After the run rows, whether or not they were replaced: the attempts' runs are stored.
  if (auto attempts = write_attempts(attempts_of(runs)); !attempts) return attempts.error();
  if (auto ended = end_batch(); !ended) return ended.error();
  return stats;
}

Status RunWriter::step_done(sqlite3_stmt* stmt, std::string_view doing) {
  if (sqlite3_step(stmt) == SQLITE_DONE) return {};
  return sqlite_error(db_, doing);
}

Result<RunWriter::RunWritten> RunWriter::upsert_run(const RunRecord& run,
                                                    std::int64_t repository_id) {
  const std::int64_t seq = last_seq_ + 1;
  // Formatted only on failure: this runs for every run of a bulk load.
  auto failed = [&] {
    return sqlite_error(db_, fmt::format("writing run {} to {}", run.id, path_));
  };
  {
    StatementReset reset(insert_run_.get());
    bind_run(insert_run_.get(), run, repository_id, seq);
    if (sqlite3_step(insert_run_.get()) != SQLITE_DONE) return failed();
  }
  if (sqlite3_changes(db_) == 1) {
    last_seq_ = seq;
    return RunWritten{RunChange::kInserted, run.run_attempt > 1};
  }
  std::int64_t stored_attempt = 0;
  {
    StatementReset reset(read_attempt_.get());
    bind_int(read_attempt_.get(), 1, run.id);
    if (sqlite3_step(read_attempt_.get()) != SQLITE_ROW) return failed();
    stored_attempt = column_int(read_attempt_.get(), 0);
  }
  StatementReset reset(update_run_.get());
  bind_run(update_run_.get(), run, repository_id, seq);
  if (sqlite3_step(update_run_.get()) != SQLITE_DONE) return failed();
  if (sqlite3_changes(db_) == 0) return RunWritten{RunChange::kUnchanged, false};
  last_seq_ = seq;
  return RunWritten{RunChange::kUpdated, run.run_attempt > stored_attempt};
}

Result<UpsertStats> RunWriter::write_attempts(const std::vector<const AttemptRecord*>& attempts) {
  UpsertStats stats;
  for (const AttemptRecord* attempt : attempts) {
    auto change = upsert_attempt(*attempt);
    if (!change) return change.error();
    if (*change == RunChange::kInserted) ++stats.inserted;
    if (*change == RunChange::kUpdated) ++stats.updated;
    if (*change == RunChange::kUnchanged) ++stats.unchanged;
  }
  return stats;
}

Result<RunWriter::RunChange> RunWriter::upsert_attempt(const AttemptRecord& attempt) {
  std::string doing =
      fmt::format("writing attempt {} of run {} to {}", attempt.attempt, attempt.run_id, path_);
  auto seq = read_run_seq(attempt.run_id, doing);
  if (!seq) return seq.error();
  if (!*seq) {
    return fail(fmt::format("{}: run {} is not stored", doing, attempt.run_id));
  }
  RunChange change = RunChange::kUnchanged;
  for (sqlite3_stmt* stmt : {insert_attempt_.get(), update_attempt_.get()}) {
    StatementReset reset(stmt);
    bind_attempt(stmt, attempt);
    if (auto written = step_done(stmt, doing); !written) return written.error();
    if (sqlite3_changes(db_) == 1) {
      change = stmt == insert_attempt_.get() ? RunChange::kInserted : RunChange::kUpdated;
      break;
    }
  }
  // A written attempt changes what a scan reports for its run: give the run a new change_seq,
  // unless this batch already gave it one.
  if (change == RunChange::kUnchanged || **seq > first_seq_) return change;
  StatementReset reset(move_run_.get());
  bind_int(move_run_.get(), 1, last_seq_ + 1);
  bind_int(move_run_.get(), 2, attempt.run_id);
  if (auto moved = step_done(move_run_.get(), doing); !moved) return moved.error();
  ++last_seq_;
  return change;
}

Result<std::optional<ChangeSeq>> RunWriter::read_run_seq(std::int64_t run_id,
                                                         std::string_view doing) {
  StatementReset reset(read_run_seq_.get());
  bind_int(read_run_seq_.get(), 1, run_id);
  int rc = sqlite3_step(read_run_seq_.get());
  if (rc == SQLITE_DONE) return std::optional<ChangeSeq>();
  if (rc != SQLITE_ROW) return sqlite_error(db_, doing);
  return std::optional<ChangeSeq>(column_int(read_run_seq_.get(), 0));
}

Status RunWriter::upsert_workflows(std::span<const RunRecord> runs) {
  std::string doing = fmt::format("writing workflows to {}", path_);
  sqlite3_stmt* stmt = upsert_workflow_.get();
  for (const RunRecord* latest : newest_run_per(runs, &RunRecord::workflow_id)) {
    StatementReset reset(stmt);
    bind_int(stmt, 1, latest->workflow_id);
    bind_int(stmt, 2, repositories_.id_of(*latest));
    bind_text(stmt, 3, latest->workflow_name);
    bind_text(stmt, 4, latest->path);
    bind_int(stmt, 5, latest->updated_at);
    if (auto written = step_done(stmt, doing); !written) return written;
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// RepositoryTable: the statements RepositoryResolver builds on.

Result<std::optional<StoredRepository>> RunWriter::read_repository_row(sqlite3_stmt* stmt,
                                                                       std::string_view doing) {
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_DONE) return std::optional<StoredRepository>();
  if (rc != SQLITE_ROW) return sqlite_error(db_, doing);
  StoredRepository row;
  row.id = column_int(stmt, 0);
  column_text(stmt, 1, row.full_name);
  row.seen_at = column_int(stmt, 2);
  return std::optional<StoredRepository>(std::move(row));
}

Result<std::optional<StoredRepository>> RunWriter::find_repository(const std::string& full_name) {
  sqlite3_stmt* stmt = find_repository_.get();
  StatementReset reset(stmt);
  bind_text(stmt, 1, full_name);
  return read_repository_row(stmt, fmt::format("reading repository {} from {}", full_name, path_));
}

Result<std::optional<StoredRepository>> RunWriter::read_repository(std::int64_t id) {
  sqlite3_stmt* stmt = read_repository_.get();
  StatementReset reset(stmt);
  bind_int(stmt, 1, id);
  return read_repository_row(stmt, fmt::format("reading repository {} from {}", id, path_));
}

Status RunWriter::store_repository(std::int64_t id, const std::string& full_name,
                                   std::int64_t seen_at) {
  return write_repository(id, full_name, seen_at,
                          fmt::format("writing repository {} to {}", full_name, path_));
}

Result<std::int64_t> RunWriter::insert_synthetic_repository(const std::string& full_name,
                                                            std::int64_t seen_at) {
  std::string doing = fmt::format("adding repository {} to {}", full_name, path_);
  auto lowest = query_int(db_, "SELECT min(0, coalesce(min(id), 0)) FROM repositories", doing);
  if (!lowest) return lowest.error();
  std::int64_t id = *lowest - 1;
  if (auto stored = write_repository(id, full_name, seen_at, doing); !stored) {
    return stored.error();
  }
  return id;
}

Status RunWriter::write_repository(std::int64_t id, std::string_view full_name,
                                   std::int64_t seen_at, std::string_view doing) {
  sqlite3_stmt* stmt = store_repository_.get();
  StatementReset reset(stmt);
  bind_int(stmt, 1, id);
  bind_text(stmt, 2, full_name);
  bind_int(stmt, 3, seen_at);
  return step_done(stmt, doing);
}

Status RunWriter::merge_synthetic_repository(std::int64_t synthetic_id, std::int64_t id,
                                             bool id_stored) {
  std::string doing = fmt::format("merging repository {} into {} in {}", synthetic_id, id, path_);
  // ON UPDATE CASCADE moves the workflows and runs along with a re-keyed repository.
  constexpr std::string_view kRekey = "UPDATE repositories SET id = ?2 WHERE id = ?1";
  constexpr std::string_view kMerge[] = {
      "UPDATE workflows SET repository_id = ?2 WHERE repository_id = ?1",
      "UPDATE runs SET repository_id = ?2 WHERE repository_id = ?1",
      "DELETE FROM repositories WHERE id = ?1",
  };
  std::span<const std::string_view> steps = id_stored ? std::span(kMerge) : std::span(&kRekey, 1);
  for (std::string_view sql : steps) {
    auto stmt = prepare(db_, sql, doing);
    if (!stmt) return stmt.error();
    bind_int(stmt->get(), 1, synthetic_id);
    bind_int(stmt->get(), 2, id);
    if (auto done = step_done(stmt->get(), doing); !done) return done;
  }
  return {};
}

Status RunWriter::touch_runs_of_repository(std::int64_t id) {
  std::string doing = fmt::format("marking runs of repository {} changed in {}", id, path_);
  auto stmt = prepare(db_, kTouchRuns, doing);
  if (!stmt) return stmt.error();
  bind_int(stmt->get(), 1, last_seq_);
  bind_int(stmt->get(), 2, id);
  if (auto touched = step_done(stmt->get(), doing); !touched) return touched;
  last_seq_ += sqlite3_changes(db_);
  return {};
}

}  // namespace cipette::storage
