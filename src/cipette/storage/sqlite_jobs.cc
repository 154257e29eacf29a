#include "cipette/storage/sqlite_jobs.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <limits>

#include "cipette/storage/job_labels.h"

namespace cipette::storage {
namespace {

// The columns the engine's job table is built from, as read_table_fields reads them, and all
// the columns of jobs as read_job_row reads them (those first).
#define CIPETTE_JOB_TABLE_COLUMNS                                                   \
  "id, run_id, run_attempt, created_at, started_at, completed_at, waited, status, " \
  "conclusion, name, labels, runner_group_name"
#define CIPETTE_JOB_COLUMNS CIPETTE_JOB_TABLE_COLUMNS ", change_seq, version, runner_name, html_url"

constexpr std::string_view kReadJob = "SELECT " CIPETTE_JOB_COLUMNS " FROM jobs WHERE id = ?1";
constexpr std::string_view kScanJobs =
    "SELECT " CIPETTE_JOB_COLUMNS " FROM jobs WHERE change_seq > ?1 ORDER BY change_seq";
// Every job in table (id) order: a full load reads the table's pages in sequence instead of
// seeking each row from the change index (2.6 s rather than 6 s at 5.3M jobs).
constexpr std::string_view kScanAllJobs =
    "SELECT " CIPETTE_JOB_COLUMNS " FROM jobs NOT INDEXED WHERE change_seq > ?1";
// A part of a split full load (JobReader::scan_job_ranges): one id range, read as a range of
// the table's B-tree, and only the columns the engine's job table is built from (not the
// change sequence, the version, the runner name or the URL, the longest column); read by
// read_table_fields.
constexpr std::string_view kScanJobRange =
    "SELECT " CIPETTE_JOB_TABLE_COLUMNS " FROM jobs WHERE id BETWEEN ?1 AND ?2";
// Jobs without started_at last (SQLite sorts NULL first).
constexpr std::string_view kJobsOfRun = "SELECT " CIPETTE_JOB_COLUMNS
                                        " FROM jobs WHERE run_id = ?1 ORDER BY run_attempt, "
                                        "started_at IS NULL, started_at, id";
#undef CIPETTE_JOB_COLUMNS
#undef CIPETTE_JOB_TABLE_COLUMNS

constexpr std::string_view kWriteJob = R"sql(
INSERT INTO jobs (id, change_seq, run_id, run_attempt, version, created_at, started_at,
  completed_at, waited, status, conclusion, name, labels, runner_name, runner_group_name,
  html_url)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
ON CONFLICT (id) DO UPDATE SET change_seq = excluded.change_seq, run_id = excluded.run_id,
  run_attempt = excluded.run_attempt, version = excluded.version,
  created_at = excluded.created_at, started_at = excluded.started_at,
  completed_at = excluded.completed_at, waited = excluded.waited, status = excluded.status,
  conclusion = excluded.conclusion, name = excluded.name, labels = excluded.labels,
  runner_name = excluded.runner_name, runner_group_name = excluded.runner_group_name,
  html_url = excluded.html_url)sql";

// A new job; nothing when the id is stored (sqlite3_changes tells).
constexpr std::string_view kInsertJob = R"sql(
INSERT INTO jobs (id, change_seq, run_id, run_attempt, version, created_at, started_at,
  completed_at, waited, status, conclusion, name, labels, runner_name, runner_group_name,
  html_url)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
ON CONFLICT (id) DO NOTHING)sql";

constexpr std::string_view kReadSteps = R"sql(
SELECT number, started_at, completed_at, name, status, conclusion
FROM steps WHERE job_id = ?1 ORDER BY number)sql";

// The INSERT of `rows` step rows of one job (?1): one statement per job for the usual 5-15
// steps, since the cost of a statement (its cursors opened and closed, its program run) is
// most of a row's. OR ROLLBACK: a failing row ends the whole transaction, which the writer
// gives up anyway (all or nothing), so SQLite needs no statement journal to undo the rows
// this statement inserted before it (ABORT, the default, opens one for every statement of
// several rows: ~7% of the writer's instructions with 5 steps a job).
constexpr int kStepColumns = 6;  // bound per row; the job id is bound once
std::string insert_steps_sql(std::size_t rows) {
  std::string sql =
      "INSERT OR ROLLBACK INTO steps (job_id, number, started_at, completed_at, name, status, "
      "conclusion) VALUES ";
  for (std::size_t row = 0; row < rows; ++row) {
    std::size_t p = 1 + row * kStepColumns;
    fmt::format_to(std::back_inserter(sql), "{}(?1, ?{}, ?{}, ?{}, ?{}, ?{}, ?{})",
                   row == 0 ? "" : ", ", p + 1, p + 2, p + 3, p + 4, p + 5, p + 6);
  }
  return sql;
}

// Keeps the latest attempt fetched; a later fetch at the same attempt (found or not) wins.
constexpr std::string_view kRecordFetch = R"sql(
INSERT INTO run_jobs (run_id, run_attempt, found) VALUES (?1, ?2, ?3)
ON CONFLICT (run_id) DO UPDATE SET run_attempt = excluded.run_attempt, found = excluded.found
WHERE excluded.run_attempt >= run_jobs.run_attempt)sql";

// The repository's completed runs without a fetch at their attempt, newest first: a walk of
// the runs_completed index backwards from the newest, one run_jobs lookup per run (EXPLAIN
// QUERY PLAN: SEARCH r USING COVERING INDEX runs_completed, no temporary B-tree for the
// order). The name is compared with the NOCASE collation of repositories.full_name, which is
// unique: a scalar subquery (with IN, SQLite scanned every run and sorted).
constexpr std::string_view kWantedWhere = R"sql(
FROM runs r LEFT JOIN run_jobs j ON j.run_id = r.id
WHERE r.repository_id = (SELECT id FROM repositories WHERE full_name = ?1)
  AND r.status = 'completed' AND r.created_at >= ?2
  AND (j.run_id IS NULL OR j.run_attempt < r.run_attempt))sql";

// Reads the labels column `index` into `job`. With `labels_read`: the labels column's text last
// decoded into `job` (a reused record), so that a scan decodes a run of equal label sets once.
void read_labels(sqlite3_stmt* stmt, int index, JobRecord& job, std::string* labels_read) {
  const auto* labels = reinterpret_cast<const char*>(sqlite3_column_text(stmt, index));
  std::string_view text =
      labels == nullptr
          ? std::string_view()
          : std::string_view(labels, static_cast<std::size_t>(sqlite3_column_bytes(stmt, index)));
  if (labels_read == nullptr || *labels_read != text) {
    decode_labels(text, job.labels);
    if (labels_read != nullptr) labels_read->assign(text);
  }
}

// Reads the CIPETTE_JOB_TABLE_COLUMNS of a row (its first columns) into `job`; `labels_read`
// as read_labels.
void read_table_fields(sqlite3_stmt* stmt, JobRecord& job, std::string* labels_read) {
  job.id = column_int(stmt, 0);
  job.run_id = column_int(stmt, 1);
  job.run_attempt = column_int(stmt, 2);
  job.created_at = column_optional_int(stmt, 3);
  job.started_at = column_optional_int(stmt, 4);
  job.completed_at = column_optional_int(stmt, 5);
  job.waited = column_int(stmt, 6) != 0;
  column_text(stmt, 7, job.status);
  column_text(stmt, 8, job.conclusion);
  column_text(stmt, 9, job.name);
  read_labels(stmt, 10, job, labels_read);
  column_text(stmt, 11, job.runner_group_name);
}

// Reads a row of CIPETTE_JOB_COLUMNS into `job`; `labels_read` as read_labels.
void read_job_row(sqlite3_stmt* stmt, JobRecord& job, ChangeSeq& seq,
                  std::string* labels_read = nullptr) {
  read_table_fields(stmt, job, labels_read);
  seq = column_int(stmt, 12);
  // 13: version, derived from the rest
  column_text(stmt, 14, job.runner_name);
  column_text(stmt, 15, job.html_url);
  job.steps.clear();
}

void read_step_row(sqlite3_stmt* stmt, StepRecord& step) {
  step.number = column_int(stmt, 0);
  step.started_at = column_optional_int(stmt, 1);
  step.completed_at = column_optional_int(stmt, 2);
  column_text(stmt, 3, step.name);
  column_text(stmt, 4, step.status);
  column_text(stmt, 5, step.conclusion);
}

}  // namespace

std::string SqliteJobs::doing(std::string_view what) const {
  return fmt::format("{} {}", what, path_);
}

Status SqliteJobs::prepare_writes() {
  if (record_fetch_) return {};
  std::string preparing = doing("preparing to write jobs to");
  struct Wanted {
    StatementPtr* stmt;
    std::string_view sql;
  };
  const Wanted wanted[] = {
      {&read_head_, "SELECT last_seq FROM job_change_head WHERE id = 1"},
      {&write_head_, "UPDATE job_change_head SET last_seq = ?1 WHERE id = 1"},
      {&run_stored_, "SELECT 1 FROM runs WHERE id = ?1"},
      {&read_version_, "SELECT version, waited FROM jobs WHERE id = ?1"},
      {&read_job_, kReadJob},
      {&read_steps_, kReadSteps},
      {&insert_job_, kInsertJob},
      {&write_job_, kWriteJob},
      {&mark_waited_, "UPDATE jobs SET waited = 1, change_seq = ?2 WHERE id = ?1"},
      {&delete_steps_, "DELETE FROM steps WHERE job_id = ?1"},
      {&record_fetch_, kRecordFetch},  // last: its presence marks the set as prepared
  };
  for (const Wanted& w : wanted) {
    auto stmt = prepare(db_, w.sql, preparing);
    if (!stmt) return stmt.error();
    *w.stmt = std::move(*stmt);
  }
  return {};
}

Status SqliteJobs::prepare_reads() {
  if (jobs_of_run_) return {};
  std::string preparing = doing("preparing to read jobs from");
  auto scan = prepare(db_, kScanJobs, preparing);
  if (!scan) return scan.error();
  auto scan_all = prepare(db_, kScanAllJobs, preparing);
  if (!scan_all) return scan_all.error();
  auto of_run = prepare(db_, kJobsOfRun, preparing);
  if (!of_run) return of_run.error();
  auto steps = prepare(db_, kReadSteps, preparing);
  if (!steps) return steps.error();
  auto range = prepare(db_, kScanJobRange, preparing);
  if (!range) return range.error();
  auto max_seq = prepare(db_, "SELECT max(change_seq) FROM jobs", preparing);
  if (!max_seq) return max_seq.error();
  scan_range_ = std::move(*range);
  read_max_seq_ = std::move(*max_seq);
  scan_jobs_ = std::move(*scan);
  scan_all_jobs_ = std::move(*scan_all);
  if (!read_steps_) read_steps_ = std::move(*steps);
  jobs_of_run_ = std::move(*of_run);
  return {};
}

// A reset without sqlite3_clear_bindings (StatementReset), a pass over every parameter:
// each statement stepped here has all its parameters bound again before its next step.
Status SqliteJobs::step_done(sqlite3_stmt* stmt, std::string_view what) {
  Status done;
  if (sqlite3_step(stmt) != SQLITE_DONE) done = sqlite_error(db_, what);
  sqlite3_reset(stmt);
  return done;
}

Result<JobUpsertStats> SqliteJobs::upsert(std::span<const JobRecord> jobs) {
  for (const JobRecord& job : jobs) {
    if (auto valid = validate_job(job); !valid) return valid.error();
  }
  JobUpsertStats stats;
  if (jobs.empty()) return stats;
  if (auto prepared = prepare_writes(); !prepared) return prepared.error();
  const std::string& writing = writing_;
  Transaction transaction(db_);
  if (auto begun = transaction.begin("BEGIN IMMEDIATE", writing); !begun) return begun.error();
  if (auto written = write_jobs(jobs, stats); !written) return written.error();
  if (auto committed = transaction.commit(writing); !committed) return committed.error();
  return stats;
}

Result<JobUpsertStats> SqliteJobs::commit_run_jobs(std::span<const RunJobs> fetched) {
  for (const RunJobs& fetch : fetched) {
    for (const JobRecord& job : fetch.jobs) {
      if (job.run_id != fetch.run_id) {
        return fail(
            fmt::format("writing jobs to {}: job {} belongs to run {}, not to run {} "
                        "whose jobs were fetched",
                        path_, job.id, job.run_id, fetch.run_id));
      }
      if (auto valid = validate_job(job); !valid) return valid.error();
    }
  }
  JobUpsertStats stats;
  if (fetched.empty()) return stats;
  if (auto prepared = prepare_writes(); !prepared) return prepared.error();
  const std::string& writing = writing_;
  Transaction transaction(db_);
  if (auto begun = transaction.begin("BEGIN IMMEDIATE", writing); !begun) return begun.error();
  for (const RunJobs& fetch : fetched) {
    if (auto written = write_jobs(fetch.jobs, stats); !written) return written.error();
    sqlite3_stmt* stmt = record_fetch_.get();
    bind_int(stmt, 1, fetch.run_id);
    bind_int(stmt, 2, fetch.run_attempt);
    bind_int(stmt, 3, fetch.found ? 1 : 0);
    if (auto done = step_done(stmt, writing); !done) return done.error();
  }
  if (auto committed = transaction.commit(writing); !committed) return committed.error();
  return stats;
}

Status SqliteJobs::write_jobs(std::span<const JobRecord> jobs, JobUpsertStats& stats) {
  if (jobs.empty()) return {};
  const std::string& writing = writing_;
  runs_seen_.clear();
  {
    StatementReset reset(read_head_.get());
    if (sqlite3_step(read_head_.get()) != SQLITE_ROW) return sqlite_error(db_, writing);
    last_seq_ = column_int(read_head_.get(), 0);
  }
  std::int64_t first_seq = last_seq_;
  for (const JobRecord& job : jobs) {
    auto change = write_job(job);
    if (!change) return change.error();
    switch (*change) {
      case Change::kInserted:
        ++stats.inserted;
        break;
      case Change::kUpdated:
        ++stats.updated;
        break;
      case Change::kUnchanged:
        ++stats.unchanged;
        break;
      case Change::kOrphaned:
        ++stats.orphaned;
        break;
    }
  }
  if (last_seq_ == first_seq) return {};
  bind_int(write_head_.get(), 1, last_seq_);
  return step_done(write_head_.get(), writing);
}

Result<bool> SqliteJobs::run_stored(std::int64_t run_id) {
  auto seen = runs_seen_.find(run_id);
  if (seen != runs_seen_.end()) return seen->second;
  sqlite3_stmt* stmt = run_stored_.get();
  StatementReset reset(stmt);
  bind_int(stmt, 1, run_id);
  int rc = sqlite3_step(stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return sqlite_error(db_, doing("reading runs of"));
  runs_seen_.emplace(run_id, rc == SQLITE_ROW);
  return rc == SQLITE_ROW;
}

Result<bool> SqliteJobs::read_job(std::int64_t id, JobRecord& job) {
  sqlite3_stmt* stmt = read_job_.get();
  StatementReset reset(stmt);
  bind_int(stmt, 1, id);
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_DONE) return false;
  if (rc != SQLITE_ROW) return sqlite_error(db_, doing("reading jobs from"));
  ChangeSeq seq = 0;
  read_job_row(stmt, job, seq);
  return true;
}

Result<bool> SqliteJobs::read_version(std::int64_t id, StoredJob& stored) {
  sqlite3_stmt* stmt = read_version_.get();
  StatementReset reset(stmt);
  bind_int(stmt, 1, id);
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_DONE) return false;
  if (rc != SQLITE_ROW) return sqlite_error(db_, doing("reading jobs from"));
  stored.version = column_int(stmt, 0);
  stored.waited = column_int(stmt, 1) != 0;
  return true;
}

Status SqliteJobs::read_steps(std::int64_t job_id, std::vector<StepRecord>& steps) {
  sqlite3_stmt* stmt = read_steps_.get();
  StatementReset reset(stmt);
  bind_int(stmt, 1, job_id);
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) read_step_row(stmt, steps.emplace_back());
  if (rc != SQLITE_DONE) return sqlite_error(db_, doing("reading steps from"));
  return {};
}

Result<SqliteJobs::Change> SqliteJobs::write_job(const JobRecord& job) {
  auto stored_run = run_stored(job.run_id);
  if (!stored_run) return stored_run.error();
  if (!*stored_run) return Change::kOrphaned;
  // A new job needs only its insert, a stored one the read of its version: guess from the
  // job before (a fetch's jobs come in runs of new ones, or of an earlier attempt's stored
  // ones), and fall back to the other statement when the guess was wrong.
  if (expect_new_) {
    auto inserted = insert_job(job);
    if (!inserted) return inserted.error();
    if (*inserted) return Change::kInserted;
  }
  StoredJob stored;
  auto found = read_version(job.id, stored);
  if (!found) return found.error();
  expect_new_ = !*found;
  if (!*found) {
    auto inserted = insert_job(job);
    if (!inserted) return inserted.error();
    if (!*inserted) {
      return fail(fmt::format("{}: job {} was neither inserted nor found", writing_, job.id));
    }
    return Change::kInserted;
  }
  // The whole row and its steps only where they decide (equal versions).
  JobRecord contents;
  if (stored_contents_needed(stored.version, job)) {
    auto read = read_job(job.id, contents);
    if (!read) return read.error();
    if (auto steps = read_steps(job.id, contents.steps); !steps) return steps.error();
    stored.contents = &contents;
  }
  JobWriteDecision decision = decide_job_write(&stored, job);
  switch (decision.write) {
    case JobWrite::kUnchanged:
      return Change::kUnchanged;
    case JobWrite::kMarkWaited: {
      sqlite3_stmt* stmt = mark_waited_.get();
      bind_int(stmt, 1, job.id);
      bind_int(stmt, 2, ++last_seq_);
      if (auto done = step_done(stmt, writing_); !done) return done.error();
      return Change::kUpdated;
    }
    case JobWrite::kReplace:
      break;
  }
  if (auto written = store_job(job, decision.waited); !written) return written.error();
  return Change::kUpdated;
}

Result<bool> SqliteJobs::insert_job(const JobRecord& job) {
  // No stored row: the rule's answer (kReplace) gives the waited flag to write.
  JobWriteDecision decision = decide_job_write(nullptr, job);
  bind_job(insert_job_.get(), job, decision.waited);
  if (auto done = step_done(insert_job_.get(), writing_); !done) return done.error();
  if (sqlite3_changes(db_) == 0) {
    --last_seq_;  // not taken
    return false;
  }
  if (auto steps = insert_steps(job); !steps) return steps.error();
  return true;
}

// Writes the row of `job` over the stored one with a new change_seq, and replaces its steps.
Status SqliteJobs::store_job(const JobRecord& job, bool waited) {
  sqlite3_stmt* stmt = write_job_.get();
  bind_job(stmt, job, waited);
  if (auto done = step_done(stmt, writing_); !done) return done;
  bind_int(delete_steps_.get(), 1, job.id);
  if (auto done = step_done(delete_steps_.get(), writing_); !done) return done;
  return insert_steps(job);
}

// Binds the 16 columns of the jobs row of `job`, with a new change_seq.
void SqliteJobs::bind_job(sqlite3_stmt* stmt, const JobRecord& job, bool waited) {
  encode_labels(job.labels).swap(labels_);
  bind_int(stmt, 1, job.id);
  bind_int(stmt, 2, ++last_seq_);
  bind_int(stmt, 3, job.run_id);
  bind_int(stmt, 4, job.run_attempt);
  bind_int(stmt, 5, job.version());
  bind_optional_int(stmt, 6, job.created_at);
  bind_optional_int(stmt, 7, job.started_at);
  bind_optional_int(stmt, 8, job.completed_at);
  bind_int(stmt, 9, waited ? 1 : 0);
  bind_text(stmt, 10, job.status);
  bind_text_or_null(stmt, 11, job.conclusion);
  bind_text(stmt, 12, job.name);
  bind_text(stmt, 13, labels_);
  bind_text(stmt, 14, job.runner_name);
  bind_text(stmt, 15, job.runner_group_name);
  bind_text(stmt, 16, job.html_url);
}

Status SqliteJobs::insert_steps(const JobRecord& job) {
  std::span<const StepRecord> steps(job.steps);
  while (!steps.empty()) {
    std::size_t rows = std::min(steps.size(), kStepRowsPerInsert);
    auto insert = steps_insert(rows);
    if (!insert) return insert.error();
    bind_int(*insert, 1, job.id);
    for (std::size_t row = 0; row < rows; ++row) {
      const StepRecord& step = steps[row];
      int p = 1 + static_cast<int>(row) * kStepColumns;
      bind_int(*insert, p + 1, step.number);
      bind_optional_int(*insert, p + 2, step.started_at);
      bind_optional_int(*insert, p + 3, step.completed_at);
      bind_text(*insert, p + 4, step.name);
      bind_text(*insert, p + 5, step.status);
      bind_text_or_null(*insert, p + 6, step.conclusion);
    }
    if (auto done = step_done(*insert, writing_); !done) return done;
    steps = steps.subspan(rows);
  }
  return {};
}

Result<sqlite3_stmt*> SqliteJobs::steps_insert(std::size_t rows) {
  StatementPtr& stmt = insert_steps_[rows - 1];
  if (!stmt) {
    auto prepared = prepare(db_, insert_steps_sql(rows), writing_);
    if (!prepared) return prepared.error();
    stmt = std::move(*prepared);
  }
  return stmt.get();
}

Result<ChangeSeq> SqliteJobs::scan(ChangeSeq since,
                                   const std::function<ScanStep(const JobRecord&)>& visit) {
  if (auto prepared = prepare_reads(); !prepared) return prepared.error();
  return scan_with(scan_jobs_.get(), since, visit);
}

Result<ChangeSeq> SqliteJobs::scan_all(const std::function<ScanStep(const JobRecord&)>& visit) {
  if (auto prepared = prepare_reads(); !prepared) return prepared.error();
  return scan_with(scan_all_jobs_.get(), 0, visit);
}

Result<ChangeSeq> SqliteJobs::scan_with(sqlite3_stmt* stmt, ChangeSeq since,
                                        const std::function<ScanStep(const JobRecord&)>& visit) {
  std::string reading = doing("reading jobs from");
  Transaction transaction(db_);
  if (auto begun = transaction.begin("BEGIN", reading); !begun) return begun.error();
  StatementReset reset(stmt);
  bind_int(stmt, 1, since);
  JobRecord job;
  std::string labels_read;
  ChangeSeq last = since;
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    ChangeSeq seq = 0;
    read_job_row(stmt, job, seq, &labels_read);
    last = std::max(last, seq);
    if (visit(job) == ScanStep::kStop) {
      sqlite3_reset(stmt);  // the rest stays unread; the statement is done before the commit
      rc = SQLITE_DONE;
      break;
    }
  }
  if (rc != SQLITE_DONE) return sqlite_error(db_, reading);
  if (auto committed = transaction.commit(reading); !committed) return committed.error();
  return last;
}

Result<std::optional<JobIdRange>> SqliteJobs::id_span() {
  std::string reading = doing("reading jobs from");
  // Two lookups at the ends of the table's B-tree: SQLite answers min() or max() that way only
  // when it is the query's one aggregate ("SELECT min(id), max(id)" reads every row: 2.7 s at
  // 5.3M jobs).
  auto stmt =
      prepare(db_, "SELECT (SELECT min(id) FROM jobs), (SELECT max(id) FROM jobs)", reading);
  if (!stmt) return stmt.error();
  if (sqlite3_step(stmt->get()) != SQLITE_ROW) return sqlite_error(db_, reading);
  auto first = column_optional_int(stmt->get(), 0);
  if (!first) return std::optional<JobIdRange>();
  return std::optional<JobIdRange>(JobIdRange{*first, column_int(stmt->get(), 1)});
}

Result<ChangeSeq> SqliteJobs::scan_ranges(
    const std::function<std::optional<JobIdRange>()>& next_range,
    const std::function<void(const JobRecord&)>& visit) {
  if (auto prepared = prepare_reads(); !prepared) return prepared.error();
  std::string reading = doing("reading jobs from");
  Transaction transaction(db_);
  if (auto begun = transaction.begin("BEGIN", reading); !begun) return begun.error();
  // The first read takes the snapshot; its largest sequence is one lookup at the end of the
  // change index (what scan_jobs(0) would return, without reading the rows).
  ChangeSeq head = 0;
  {
    sqlite3_stmt* stmt = read_max_seq_.get();
    StatementReset reset(stmt);
    if (sqlite3_step(stmt) != SQLITE_ROW) return sqlite_error(db_, reading);
    head = column_optional_int(stmt, 0).value_or(0);
  }
  sqlite3_stmt* stmt = scan_range_.get();
  JobRecord job;
  std::string labels_read;
  while (std::optional<JobIdRange> range = next_range()) {
    StatementReset reset(stmt);
    bind_int(stmt, 1, range->first);
    bind_int(stmt, 2, range->last);
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      read_table_fields(stmt, job, &labels_read);
      visit(job);
    }
    if (rc != SQLITE_DONE) return sqlite_error(db_, reading);
  }
  if (auto committed = transaction.commit(reading); !committed) return committed.error();
  return head;
}

Result<std::vector<JobRecord>> SqliteJobs::jobs_of_run(std::int64_t run_id) {
  if (auto prepared = prepare_reads(); !prepared) return prepared.error();
  std::string reading = doing("reading jobs from");
  Transaction transaction(db_);
  if (auto begun = transaction.begin("BEGIN", reading); !begun) return begun.error();
  std::vector<JobRecord> jobs;
  {
    sqlite3_stmt* stmt = jobs_of_run_.get();
    StatementReset reset(stmt);
    bind_int(stmt, 1, run_id);
    int rc = SQLITE_ROW;
    ChangeSeq seq = 0;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) read_job_row(stmt, jobs.emplace_back(), seq);
    if (rc != SQLITE_DONE) return sqlite_error(db_, reading);
  }
  for (JobRecord& job : jobs) {
    if (auto read = read_steps(job.id, job.steps); !read) return read.error();
  }
  if (auto committed = transaction.commit(reading); !committed) return committed.error();
  return jobs;
}

Status SqliteJobs::scan_steps(std::span<const std::int64_t> job_ids,
                              const std::function<void(std::int64_t, const StepRecord&)>& visit) {
  if (auto prepared = prepare_reads(); !prepared) return prepared.error();
  std::string reading = doing("reading steps from");
  Transaction transaction(db_);
  if (auto begun = transaction.begin("BEGIN", reading); !begun) return begun.error();
  sqlite3_stmt* stmt = read_steps_.get();
  StepRecord step;
  for (std::int64_t job_id : job_ids) {
    StatementReset reset(stmt);
    bind_int(stmt, 1, job_id);
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      read_step_row(stmt, step);
      visit(job_id, step);
    }
    if (rc != SQLITE_DONE) return sqlite_error(db_, reading);
  }
  return transaction.commit(reading);
}

Result<std::vector<JobsWanted>> SqliteJobs::runs_wanting_jobs(std::string_view repository,
                                                              Timestamp since, std::size_t limit) {
  std::vector<JobsWanted> wanted;
  if (limit == 0) return wanted;
  std::string reading =
      fmt::format("reading the runs wanting jobs of {} from {}", repository, path_);
  // Rare (once per sync of a repository): not worth keeping prepared.
  auto stmt = prepare(db_,
                      fmt::format("SELECT r.id, r.run_attempt, r.created_at {} ORDER BY "
                                  "r.created_at DESC, r.id DESC LIMIT ?3",
                                  kWantedWhere),
                      reading);
  if (!stmt) return stmt.error();
  bind_text(stmt->get(), 1, repository);
  bind_int(stmt->get(), 2, since);
  constexpr auto kMaxLimit = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  bind_int(stmt->get(), 3, static_cast<std::int64_t>(std::min(limit, kMaxLimit)));
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(stmt->get())) == SQLITE_ROW) {
    wanted.push_back(JobsWanted{column_int(stmt->get(), 0), column_int(stmt->get(), 1),
                                column_int(stmt->get(), 2)});
  }
  if (rc != SQLITE_DONE) return sqlite_error(db_, reading);
  return wanted;
}

Result<std::vector<RunJobs>> SqliteJobs::read_fetches(std::int64_t after_run_id,
                                                      std::size_t limit) {
  std::vector<RunJobs> fetches;
  if (limit == 0) return fetches;
  std::string reading = doing("reading the job fetches of");
  auto stmt = prepare(db_,
                      "SELECT run_id, run_attempt, found FROM run_jobs WHERE run_id > ?1 "
                      "ORDER BY run_id LIMIT ?2",
                      reading);
  if (!stmt) return stmt.error();
  bind_int(stmt->get(), 1, after_run_id);
  constexpr auto kMaxLimit = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  bind_int(stmt->get(), 2, static_cast<std::int64_t>(std::min(limit, kMaxLimit)));
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(stmt->get())) == SQLITE_ROW) {
    fetches.push_back(RunJobs{column_int(stmt->get(), 0),
                              column_int(stmt->get(), 1),
                              column_int(stmt->get(), 2) != 0,
                              {}});
  }
  if (rc != SQLITE_DONE) return sqlite_error(db_, reading);
  return fetches;
}

Result<std::int64_t> SqliteJobs::count_runs_wanting_jobs(std::string_view repository,
                                                         Timestamp since) {
  std::string reading =
      fmt::format("counting the runs wanting jobs of {} in {}", repository, path_);
  auto stmt = prepare(db_, fmt::format("SELECT count(*) {}", kWantedWhere), reading);
  if (!stmt) return stmt.error();
  bind_text(stmt->get(), 1, repository);
  bind_int(stmt->get(), 2, since);
  if (sqlite3_step(stmt->get()) != SQLITE_ROW) return sqlite_error(db_, reading);
  return column_int(stmt->get(), 0);
}

}  // namespace cipette::storage
