#include "cipette/storage/postgres_jobs.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "cipette/storage/job_labels.h"
#include "cipette/storage/postgres_copy.h"

namespace cipette::storage {
namespace {

// Jobs per FETCH of the scan's cursor, and job ids per statement of scan_steps.
constexpr int kScanPage = 1000;
constexpr std::size_t kStepsPage = 1000;

// The columns of jobs as read_job_row reads them.
#define CIPETTE_JOB_COLUMNS                                                              \
  "id, change_seq, run_id, run_attempt, version, created_at, started_at, completed_at, " \
  "waited, status, conclusion, name, labels, runner_name, runner_group_name, html_url"

constexpr std::string_view kReadJobs =
    "SELECT " CIPETTE_JOB_COLUMNS " FROM jobs WHERE id = ANY($1::bigint[])";
constexpr std::string_view kDeclareScan =
    "DECLARE cipette_jobs NO SCROLL CURSOR FOR SELECT " CIPETTE_JOB_COLUMNS
    " FROM jobs WHERE change_seq > $1 ORDER BY change_seq";
constexpr std::string_view kJobsOfRun = "SELECT " CIPETTE_JOB_COLUMNS
                                        " FROM jobs WHERE run_id = $1 ORDER BY run_attempt, "
                                        "started_at NULLS LAST, id";
#undef CIPETTE_JOB_COLUMNS

constexpr std::string_view kReadSteps = R"sql(
SELECT job_id, number, started_at, completed_at, name, status, conclusion
FROM steps WHERE job_id = ANY($1::bigint[]) ORDER BY job_id, number)sql";

constexpr std::string_view kStoredRuns = "SELECT id FROM runs WHERE id = ANY($1::bigint[])";

constexpr std::string_view kWriteJobs = R"sql(
INSERT INTO jobs AS j (id, change_seq, run_id, run_attempt, version, created_at, started_at,
  completed_at, waited, status, conclusion, name, labels, runner_name, runner_group_name,
  html_url)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[],
  $6::bigint[], $7::bigint[], $8::bigint[], $9::boolean[], $10::text[], $11::text[],
  $12::text[], $13::text[], $14::text[], $15::text[], $16::text[])
ON CONFLICT (id) DO UPDATE SET change_seq = excluded.change_seq, run_id = excluded.run_id,
  run_attempt = excluded.run_attempt, version = excluded.version,
  created_at = excluded.created_at, started_at = excluded.started_at,
  completed_at = excluded.completed_at, waited = excluded.waited, status = excluded.status,
  conclusion = excluded.conclusion, name = excluded.name, labels = excluded.labels,
  runner_name = excluded.runner_name, runner_group_name = excluded.runner_group_name,
  html_url = excluded.html_url)sql";

constexpr std::string_view kDeleteSteps = "DELETE FROM steps WHERE job_id = ANY($1::bigint[])";

constexpr std::string_view kInsertSteps = R"sql(
INSERT INTO steps (job_id, number, started_at, completed_at, name, status, conclusion)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[],
  $6::text[], $7::text[]))sql";

// As SQLite's: the latest attempt fetched is kept; a later fetch at the same attempt wins.
// A run fetched twice in one call appears once (its last fetch), as ON CONFLICT requires.
constexpr std::string_view kRecordFetches = R"sql(
INSERT INTO run_jobs AS r (run_id, run_attempt, found)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::boolean[])
ON CONFLICT (run_id) DO UPDATE SET run_attempt = excluded.run_attempt, found = excluded.found
WHERE excluded.run_attempt >= r.run_attempt)sql";

constexpr std::string_view kWantedWhere = R"sql(
FROM runs r LEFT JOIN run_jobs j ON j.run_id = r.id
WHERE r.repository_id IN (SELECT id FROM repositories WHERE lower(full_name) = lower($1))
  AND r.status = 'completed' AND r.created_at >= $2
  AND (j.run_id IS NULL OR j.run_attempt < r.run_attempt))sql";

std::string doing(const PgConnection& connection, std::string_view what) {
  return fmt::format("{} {}", what, connection.describe());
}

void read_job_row(const PGresult* rows, int row, JobRecord& job, ChangeSeq& seq) {
  job.id = pg_int(rows, row, 0);
  seq = pg_int(rows, row, 1);
  job.run_id = pg_int(rows, row, 2);
  job.run_attempt = pg_int(rows, row, 3);
  // 4: version, derived from the rest
  job.created_at = pg_optional_int(rows, row, 5);
  job.started_at = pg_optional_int(rows, row, 6);
  job.completed_at = pg_optional_int(rows, row, 7);
  job.waited = pg_text(rows, row, 8) == "t";
  job.status.assign(pg_text(rows, row, 9));
  job.conclusion.assign(pg_text(rows, row, 10));
  job.name.assign(pg_text(rows, row, 11));
  decode_labels(pg_text(rows, row, 12), job.labels);
  job.runner_name.assign(pg_text(rows, row, 13));
  job.runner_group_name.assign(pg_text(rows, row, 14));
  job.html_url.assign(pg_text(rows, row, 15));
  job.steps.clear();
}

// Columns: job_id, number, started_at, completed_at, name, status, conclusion.
void read_step_row(const PGresult* rows, int row, StepRecord& step) {
  step.number = pg_int(rows, row, 1);
  step.started_at = pg_optional_int(rows, row, 2);
  step.completed_at = pg_optional_int(rows, row, 3);
  step.name.assign(pg_text(rows, row, 4));
  step.status.assign(pg_text(rows, row, 5));
  step.conclusion.assign(pg_text(rows, row, 6));
}

std::string optional_text(std::optional<std::int64_t> value) {
  return value ? std::to_string(*value) : std::string();
}

std::vector<std::string_view> views(const std::vector<std::string>& texts) {
  return {texts.begin(), texts.end()};
}

// A batch's jobs as they stand after each write: the stored rows, then the batch's versions.
struct JobState {
  JobRecord job;
  bool steps_known = false;  // job.steps holds the stored (or written) steps
  bool changed = false;      // to be written
  bool replace_steps = false;
  ChangeSeq seq = 0;
};

class JobBatchWriter {
 public:
  explicit JobBatchWriter(PgConnection& connection) : connection_(connection) {}

  Status begin() {
    std::string reading = doing(connection_, "reading the job change log of");
    auto head =
        connection_.exec("SELECT last_seq FROM job_change_head WHERE id = 1 FOR UPDATE", reading);
    if (!head) return head.error();
    if (PQntuples(head->get()) != 1) return fail(reading, ": job_change_head is empty");
    last_seq_ = pg_int(head->get(), 0, 0);
    first_seq_ = last_seq_;
    return {};
  }

  // Applies `jobs` in order to the states (read from the database on first sight).
  Status apply(std::span<const JobRecord> jobs, JobUpsertStats& stats) {
    if (jobs.empty()) return {};
    if (auto loaded = load(jobs); !loaded) return loaded;
    for (const JobRecord& job : jobs) {
      if (!runs_stored_.contains(job.run_id)) {
        ++stats.orphaned;
        continue;
      }
      auto state = states_.find(job.id);
      if (state == states_.end()) {
        JobState& fresh = states_[job.id];
        put(fresh, job, job.waited);
        ++stats.inserted;
        continue;
      }
      JobState& s = state->second;
      // load() read the steps wherever the versions are equal.
      StoredJob stored{s.job.version(), s.job.waited, s.steps_known ? &s.job : nullptr};
      JobWriteDecision decision = decide_job_write(&stored, job);
      switch (decision.write) {
        case JobWrite::kUnchanged:
          ++stats.unchanged;
          break;
        case JobWrite::kMarkWaited:
          s.job.waited = true;
          s.changed = true;
          s.seq = ++last_seq_;
          ++stats.updated;
          break;
        case JobWrite::kReplace:
          put(s, job, decision.waited);
          ++stats.updated;
          break;
      }
    }
    return {};
  }

  // Writes the changed jobs and their steps, and the change log's head.
  Status finish() {
    std::vector<std::int64_t> ids, seqs, run_ids, attempts, versions;
    std::vector<std::string> created, started, completed, labels;
    std::vector<std::string_view> waited, statuses, conclusions, names, runners, groups, urls;
    std::vector<std::int64_t> replaced, step_jobs, numbers;
    std::vector<std::string> step_started, step_completed;
    std::vector<std::string_view> step_names, step_statuses, step_conclusions;
    for (const auto& [id, s] : states_) {
      if (!s.changed) continue;
      const JobRecord& job = s.job;
      ids.push_back(id);
      seqs.push_back(s.seq);
      run_ids.push_back(job.run_id);
      attempts.push_back(job.run_attempt);
      versions.push_back(job.version());
      created.push_back(optional_text(job.created_at));
      started.push_back(optional_text(job.started_at));
      completed.push_back(optional_text(job.completed_at));
      waited.emplace_back(job.waited ? "t" : "f");
      statuses.push_back(job.status);
      conclusions.push_back(job.conclusion);
      names.push_back(job.name);
      labels.push_back(encode_labels(job.labels));
      runners.push_back(job.runner_name);
      groups.push_back(job.runner_group_name);
      urls.push_back(job.html_url);
      if (!s.replace_steps) continue;
      replaced.push_back(id);
      for (const StepRecord& step : job.steps) {
        step_jobs.push_back(id);
        numbers.push_back(step.number);
        step_started.push_back(optional_text(step.started_at));
        step_completed.push_back(optional_text(step.completed_at));
        step_names.push_back(step.name);
        step_statuses.push_back(step.status);
        step_conclusions.push_back(step.conclusion);
      }
    }
    std::string writing = doing(connection_, "writing jobs to");
    if (!ids.empty()) {
      auto written = connection_.exec(kWriteJobs,
                                      PgParams()
                                          .add(pg_int_array(ids))
                                          .add(pg_int_array(seqs))
                                          .add(pg_int_array(run_ids))
                                          .add(pg_int_array(attempts))
                                          .add(pg_int_array(versions))
                                          .add(pg_text_array(views(created), true))
                                          .add(pg_text_array(views(started), true))
                                          .add(pg_text_array(views(completed), true))
                                          .add(pg_text_array(waited, false))
                                          .add(pg_text_array(statuses, false))
                                          .add(pg_text_array(conclusions, true))
                                          .add(pg_text_array(names, false))
                                          .add(pg_text_array(views(labels), false))
                                          .add(pg_text_array(runners, false))
                                          .add(pg_text_array(groups, false))
                                          .add(pg_text_array(urls, false)),
                                      writing);
      if (!written) return written.error();
    }
    if (!replaced.empty()) {
      auto deleted =
          connection_.exec(kDeleteSteps, PgParams().add(pg_int_array(replaced)), writing);
      if (!deleted) return deleted.error();
    }
    if (!step_jobs.empty()) {
      auto inserted = connection_.exec(kInsertSteps,
                                       PgParams()
                                           .add(pg_int_array(step_jobs))
                                           .add(pg_int_array(numbers))
                                           .add(pg_text_array(views(step_started), true))
                                           .add(pg_text_array(views(step_completed), true))
                                           .add(pg_text_array(step_names, false))
                                           .add(pg_text_array(step_statuses, false))
                                           .add(pg_text_array(step_conclusions, true)),
                                       writing);
      if (!inserted) return inserted.error();
    }
    if (last_seq_ == first_seq_) return {};
    auto head = connection_.exec("UPDATE job_change_head SET last_seq = $1 WHERE id = 1",
                                 PgParams().add(last_seq_), writing);
    if (!head) return head.error();
    return {};
  }

 private:
  void put(JobState& s, const JobRecord& job, bool waited) {
    s.job = job;
    s.job.waited = waited;
    std::ranges::sort(s.job.steps, {}, &StepRecord::number);
    s.steps_known = true;
    s.changed = true;
    s.replace_steps = true;
    s.seq = ++last_seq_;
  }

  // Reads the runs and rows of the jobs not seen yet, and the steps where they decide.
  Status load(std::span<const JobRecord> jobs) {
    std::string reading = doing(connection_, "reading jobs from");
    std::vector<std::int64_t> run_ids, job_ids;
    std::unordered_set<std::int64_t> asked_runs, asked_jobs;
    for (const JobRecord& job : jobs) {
      if (!runs_stored_.contains(job.run_id) && asked_runs.insert(job.run_id).second) {
        run_ids.push_back(job.run_id);
      }
      if (!states_.contains(job.id) && asked_jobs.insert(job.id).second) {
        job_ids.push_back(job.id);
      }
    }
    if (!run_ids.empty()) {
      auto runs = connection_.exec(kStoredRuns, PgParams().add(pg_int_array(run_ids)), reading);
      if (!runs) return runs.error();
      for (int row = 0; row < PQntuples(runs->get()); ++row) {
        runs_stored_.insert(pg_int(runs->get(), row, 0));
      }
    }
    if (!job_ids.empty()) {
      auto rows = connection_.exec(kReadJobs, PgParams().add(pg_int_array(job_ids)), reading);
      if (!rows) return rows.error();
      for (int row = 0; row < PQntuples(rows->get()); ++row) {
        JobRecord job;
        ChangeSeq seq = 0;
        read_job_row(rows->get(), row, job, seq);
        states_[job.id].job = std::move(job);
      }
    }
    // Steps decide only where an incoming version equals the stored one (core/job.h
    // stored_contents_needed), for the rows read now and those of an earlier call alike.
    std::vector<std::int64_t> compare;
    std::unordered_set<std::int64_t> asked_steps;
    for (const JobRecord& job : jobs) {
      auto state = states_.find(job.id);
      if (state != states_.end() && !state->second.steps_known &&
          stored_contents_needed(state->second.job.version(), job) &&
          asked_steps.insert(job.id).second) {
        compare.push_back(job.id);
      }
    }
    if (compare.empty()) return {};
    auto steps = connection_.exec(kReadSteps, PgParams().add(pg_int_array(compare)), reading);
    if (!steps) return steps.error();
    for (std::int64_t id : compare) states_[id].steps_known = true;
    for (int row = 0; row < PQntuples(steps->get()); ++row) {
      read_step_row(steps->get(), row,
                    states_[pg_int(steps->get(), row, 0)].job.steps.emplace_back());
    }
    return {};
  }

  PgConnection& connection_;
  std::int64_t last_seq_ = 0;
  std::int64_t first_seq_ = 0;
  std::unordered_set<std::int64_t> runs_stored_;
  std::unordered_map<std::int64_t, JobState> states_;
};

Status check_jobs(std::span<const JobRecord> jobs) {
  for (const JobRecord& job : jobs) {
    if (auto valid = validate_job(job); !valid) return valid;
    if (auto storable = check_storable_in_postgres(job); !storable) return storable;
  }
  return {};
}

}  // namespace

Result<JobUpsertStats> upsert_postgres_jobs(PgConnection& connection,
                                            std::span<const JobRecord> jobs) {
  if (auto checked = check_jobs(jobs); !checked) return checked.error();
  JobUpsertStats stats;
  if (jobs.empty()) return stats;
  std::string writing = doing(connection, "writing jobs to");
  PgTransaction transaction(connection);
  if (auto begun = transaction.begin("BEGIN", writing); !begun) return begun.error();
  JobBatchWriter writer(connection);
  if (auto begun = writer.begin(); !begun) return begun.error();
  if (auto applied = writer.apply(jobs, stats); !applied) return applied.error();
  if (auto finished = writer.finish(); !finished) return finished.error();
  if (auto committed = transaction.commit(writing); !committed) return committed.error();
  return stats;
}

Result<JobUpsertStats> commit_postgres_run_jobs(PgConnection& connection,
                                                std::span<const RunJobs> fetched) {
  for (const RunJobs& fetch : fetched) {
    for (const JobRecord& job : fetch.jobs) {
      if (job.run_id != fetch.run_id) {
        return fail(
            fmt::format("writing jobs to {}: job {} belongs to run {}, not to run {} "
                        "whose jobs were fetched",
                        connection.describe(), job.id, job.run_id, fetch.run_id));
      }
    }
    if (auto checked = check_jobs(fetch.jobs); !checked) return checked.error();
  }
  JobUpsertStats stats;
  if (fetched.empty()) return stats;
  std::string writing = doing(connection, "writing jobs to");
  PgTransaction transaction(connection);
  if (auto begun = transaction.begin("BEGIN", writing); !begun) return begun.error();
  JobBatchWriter writer(connection);
  if (auto begun = writer.begin(); !begun) return begun.error();
  // The last fetch of each run, as the SQLite store's one statement per fetch leaves it.
  std::unordered_map<std::int64_t, const RunJobs*> last_fetch;
  for (const RunJobs& fetch : fetched) {
    if (auto applied = writer.apply(fetch.jobs, stats); !applied) return applied.error();
    auto [it, fresh] = last_fetch.try_emplace(fetch.run_id, &fetch);
    if (!fresh && fetch.run_attempt >= it->second->run_attempt) it->second = &fetch;
  }
  if (auto finished = writer.finish(); !finished) return finished.error();
  std::vector<std::int64_t> run_ids, attempts;
  std::vector<std::string_view> found;
  for (const auto& [run_id, fetch] : last_fetch) {
    run_ids.push_back(run_id);
    attempts.push_back(fetch->run_attempt);
    found.emplace_back(fetch->found ? "t" : "f");
  }
  auto recorded = connection.exec(kRecordFetches,
                                  PgParams()
                                      .add(pg_int_array(run_ids))
                                      .add(pg_int_array(attempts))
                                      .add(pg_text_array(found, false)),
                                  writing);
  if (!recorded) return recorded.error();
  if (auto committed = transaction.commit(writing); !committed) return committed.error();
  return stats;
}

Result<ChangeSeq> scan_postgres_jobs(PgConnection& connection, ChangeSeq since,
                                     const std::function<ScanStep(const JobRecord&)>& visit,
                                     bool& visited) {
  std::string reading = doing(connection, "reading jobs from");
  PgTransaction transaction(connection);
  if (auto begun = transaction.begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", reading);
      !begun) {
    return begun.error();
  }
  if (auto declared = connection.exec(kDeclareScan, PgParams().add(since), reading); !declared) {
    return declared.error();
  }
  std::string fetch = fmt::format("FETCH FORWARD {} FROM cipette_jobs", kScanPage);
  JobRecord job;
  ChangeSeq last = since;
  for (;;) {
    auto page = connection.exec(fetch, reading);
    if (!page) return page.error();
    int rows = PQntuples(page->get());
    for (int row = 0; row < rows; ++row) {
      read_job_row(page->get(), row, job, last);
      visited = true;
      if (visit(job) == ScanStep::kStop) {
        // The rest stays unread; the read-only transaction ends with the cursor.
        if (auto committed = transaction.commit(reading); !committed) return committed.error();
        return last;
      }
    }
    if (rows < kScanPage) break;
  }
  if (auto committed = transaction.commit(reading); !committed) return committed.error();
  return last;
}

Result<std::vector<JobRecord>> postgres_jobs_of_run(PgConnection& connection, std::int64_t run_id) {
  std::string reading = doing(connection, "reading jobs from");
  PgTransaction transaction(connection);
  if (auto begun = transaction.begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", reading);
      !begun) {
    return begun.error();
  }
  auto rows = connection.exec(kJobsOfRun, PgParams().add(run_id), reading);
  if (!rows) return rows.error();
  std::vector<JobRecord> jobs(static_cast<std::size_t>(PQntuples(rows->get())));
  std::unordered_map<std::int64_t, std::size_t> index;
  std::vector<std::int64_t> ids;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    ChangeSeq seq = 0;
    read_job_row(rows->get(), static_cast<int>(i), jobs[i], seq);
    index[jobs[i].id] = i;
    ids.push_back(jobs[i].id);
  }
  if (!ids.empty()) {
    auto steps = connection.exec(kReadSteps, PgParams().add(pg_int_array(ids)), reading);
    if (!steps) return steps.error();
    for (int row = 0; row < PQntuples(steps->get()); ++row) {
      read_step_row(steps->get(), row,
                    jobs[index[pg_int(steps->get(), row, 0)]].steps.emplace_back());
    }
  }
  if (auto committed = transaction.commit(reading); !committed) return committed.error();
  return jobs;
}

Status scan_postgres_steps(PgConnection& connection, std::span<const std::int64_t> job_ids,
                           const std::function<void(std::int64_t, const StepRecord&)>& visit) {
  std::string reading = doing(connection, "reading steps from");
  PgTransaction transaction(connection);
  if (auto begun = transaction.begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", reading);
      !begun) {
    return begun;
  }
  for (std::size_t from = 0; from < job_ids.size(); from += kStepsPage) {
    auto page = job_ids.subspan(from, std::min(kStepsPage, job_ids.size() - from));
    std::vector<std::int64_t> ids(page.begin(), page.end());
    auto steps = connection.exec(kReadSteps, PgParams().add(pg_int_array(ids)), reading);
    if (!steps) return steps.error();
    // Rows by job id: row ranges, visited in the order the ids were given.
    std::unordered_map<std::int64_t, std::pair<int, int>> ranges;
    int rows = PQntuples(steps->get());
    for (int row = 0; row < rows; ++row) {
      auto [range, fresh] = ranges.try_emplace(pg_int(steps->get(), row, 0), row, row);
      range->second.second = row + 1;
    }
    StepRecord step;
    for (std::int64_t id : ids) {
      auto range = ranges.find(id);
      if (range == ranges.end()) continue;
      for (int row = range->second.first; row < range->second.second; ++row) {
        read_step_row(steps->get(), row, step);
        visit(id, step);
      }
    }
  }
  return transaction.commit(reading);
}

Result<std::vector<JobsWanted>> postgres_runs_wanting_jobs(PgConnection& connection,
                                                           std::string_view repository,
                                                           Timestamp since, std::size_t limit) {
  std::vector<JobsWanted> wanted;
  if (limit == 0) return wanted;
  constexpr auto kMaxLimit = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  auto rows = connection.exec(fmt::format("SELECT r.id, r.run_attempt, r.created_at {} "
                                          "ORDER BY r.created_at DESC, r.id DESC LIMIT $3",
                                          kWantedWhere),
                              PgParams()
                                  .add(repository)
                                  .add(since)
                                  .add(static_cast<std::int64_t>(std::min(limit, kMaxLimit))),
                              fmt::format("reading the runs wanting jobs of {} from {}", repository,
                                          connection.describe()));
  if (!rows) return rows.error();
  for (int row = 0; row < PQntuples(rows->get()); ++row) {
    wanted.push_back(JobsWanted{pg_int(rows->get(), row, 0), pg_int(rows->get(), row, 1),
                                pg_int(rows->get(), row, 2)});
  }
  return wanted;
}

Result<std::vector<RunJobs>> read_postgres_job_fetches(PgConnection& connection,
                                                       std::int64_t after_run_id,
                                                       std::size_t limit) {
  std::vector<RunJobs> fetches;
  if (limit == 0) return fetches;
  constexpr auto kMaxLimit = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  auto rows = connection.exec(
      "SELECT run_id, run_attempt, found FROM run_jobs WHERE run_id > $1 ORDER BY run_id "
      "LIMIT $2",
      PgParams().add(after_run_id).add(static_cast<std::int64_t>(std::min(limit, kMaxLimit))),
      doing(connection, "reading the job fetches of"));
  if (!rows) return rows.error();
  for (int row = 0; row < PQntuples(rows->get()); ++row) {
    fetches.push_back(RunJobs{pg_int(rows->get(), row, 0),
                              pg_int(rows->get(), row, 1),
                              pg_text(rows->get(), row, 2) == "t",
                              {}});
  }
  return fetches;
}

Result<std::int64_t> count_postgres_runs_wanting_jobs(PgConnection& connection,
                                                      std::string_view repository,
                                                      Timestamp since) {
  auto rows = connection.exec(
      fmt::format("SELECT count(*) {}", kWantedWhere), PgParams().add(repository).add(since),
      fmt::format("counting the runs wanting jobs of {} in {}", repository, connection.describe()));
  if (!rows) return rows.error();
  return pg_int(rows->get(), 0, 0);
}

}  // namespace cipette::storage
