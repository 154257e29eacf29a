#include "cipette/storage/postgres_run_writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cipette/storage/postgres_copy.h"

namespace cipette::storage {
namespace {

// Per session; ON COMMIT DELETE ROWS empties it after every batch (and a rollback discards
// what a failed batch staged). Column order: StagedRunsEncoder.
constexpr std::string_view kCreateStaging = R"sql(
CREATE TEMPORARY TABLE IF NOT EXISTS staged_runs (
  ord bigint NOT NULL, round bigint NOT NULL, id bigint NOT NULL, repository_id bigint NOT NULL,
  workflow_id bigint NOT NULL, run_number bigint NOT NULL, run_attempt bigint NOT NULL,
  created_at bigint NOT NULL, run_started_at bigint, updated_at bigint NOT NULL,
  status text NOT NULL, conclusion text, event text NOT NULL, head_branch text NOT NULL,
  head_sha text NOT NULL, actor text NOT NULL, workflow_name text NOT NULL, path text NOT NULL,
  html_url text NOT NULL, version bigint NOT NULL
) ON COMMIT DELETE ROWS)sql";

constexpr std::string_view kCopyStaging = "COPY pg_temp.staged_runs FROM STDIN (FORMAT binary)";

// The columns that make two versions of a run differ.
constexpr std::array<std::string_view, 16> kCompared = {
    "repository_id", "workflow_id",   "run_number", "run_attempt", "created_at",  "run_started_at",
    "updated_at",    "status",        "conclusion", "event",       "head_branch", "head_sha",
    "actor",         "workflow_name", "path",       "html_url"};

// SQL for "version `a` of a run replaces the stored version `b`" (core/run.h, run_version): a
// greater version, or an equal one with a difference somewhere (identical rows keep their
// change_seq).
std::string replaces(std::string_view a, std::string_view b) {
  std::vector<std::string> left, right;
  for (std::string_view column : kCompared) {
    left.push_back(fmt::format("{}.{}", a, column));
    right.push_back(fmt::format("{}.{}", b, column));
  }
  return fmt::format(
      "({a}.version > {b}.version OR ({a}.version = {b}.version AND ({l}) IS DISTINCT FROM "
      "({r})))",
      fmt::arg("a", a), fmt::arg("b", b), fmt::arg("l", fmt::join(left, ", ")),
      fmt::arg("r", fmt::join(right, ", ")));
}

// Round $2 of the staged runs: the new and the replacing ones get change_seq $1 + 1, $1 + 2,
// ... in batch order. The filter and the conflict clause apply the same rule; the filter
// decides the numbering (and which writes are re-runs: a later attempt than stored, or a
// first one above 1), the conflict clause guards the write. Returns (inserted, updated,
// reruns) of the rows written.
const std::string& upsert_round_sql() {
  static const std::string sql = fmt::format(
      "WITH candidates AS ("
      " SELECT $1::bigint + row_number() OVER (ORDER BY t.ord) AS change_seq, t.*,"
      "  t.run_attempt > coalesce(s.run_attempt, 1) AS rerun"
      " FROM pg_temp.staged_runs t LEFT JOIN runs s ON s.id = t.id"
      " WHERE t.round = $2 AND (s.id IS NULL OR {})),"
      " changed AS ("
      " INSERT INTO runs AS r (change_seq, id, repository_id, workflow_id, run_number,"
      "  run_attempt, created_at, run_started_at, updated_at, status, conclusion, event,"
      "  head_branch, head_sha, actor, workflow_name, path, html_url, version)"
      " SELECT c.change_seq, c.id, c.repository_id, c.workflow_id, c.run_number, c.run_attempt,"
      "  c.created_at, c.run_started_at, c.updated_at, c.status, c.conclusion, c.event,"
      "  c.head_branch, c.head_sha, c.actor, c.workflow_name, c.path, c.html_url, c.version"
      " FROM candidates c"
      " ON CONFLICT (id) DO UPDATE SET change_seq = excluded.change_seq,"
      "  repository_id = excluded.repository_id, workflow_id = excluded.workflow_id,"
      "  run_number = excluded.run_number, run_attempt = excluded.run_attempt,"
      "  created_at = excluded.created_at, run_started_at = excluded.run_started_at,"
      "  updated_at = excluded.updated_at, status = excluded.status,"
      "  conclusion = excluded.conclusion, event = excluded.event,"
      "  head_branch = excluded.head_branch, head_sha = excluded.head_sha,"
      "  actor = excluded.actor, workflow_name = excluded.workflow_name,"
      "  path = excluded.path, html_url = excluded.html_url, version = excluded.version"
      " WHERE {} RETURNING r.id, r.xmax = 0 AS inserted)"
      " SELECT count(*) FILTER (WHERE w.inserted), count(*) FILTER (WHERE NOT w.inserted),"
      "  count(*) FILTER (WHERE c.rerun)"
      " FROM changed w JOIN candidates c ON c.id = w.id",
      replaces("t", "s"), replaces("excluded", "r"));
  return sql;
}

// The runs of the given attempts (in order) that are not stored: the first one names the
// attempt a batch is refused for.
constexpr std::string_view kFindRunless = R"sql(
SELECT i.run_id, i.attempt
FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS i (run_id, attempt, ord)
WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = i.run_id) ORDER BY i.ord LIMIT 1)sql";

// Inserts or replaces attempts (each key once), under the runs' rule (core/run.h,
// attempt_version), and gives each run with an attempt written a new change_seq, $9 + 1,
// $9 + 2, ... in run id order, unless this batch already gave it one (above $10). Returns
// (inserted, updated, runs moved).
constexpr std::string_view kUpsertAttempts = R"sql(
WITH changed AS (
  INSERT INTO attempts AS a (run_id, attempt, version, found, run_started_at, updated_at,
    status, conclusion)
  SELECT i.run_id, i.attempt, i.version, i.found <> 0, i.run_started_at, i.updated_at,
    i.status, i.conclusion
  FROM unnest($1::bigint[], $2::integer[], $3::bigint[], $4::integer[], $5::bigint[],
    $6::bigint[], $7::text[], $8::text[])
    AS i (run_id, attempt, version, found, run_started_at, updated_at, status, conclusion)
  ON CONFLICT (run_id, attempt) DO UPDATE SET version = excluded.version,
    found = excluded.found, run_started_at = excluded.run_started_at,
    updated_at = excluded.updated_at, status = excluded.status, conclusion = excluded.conclusion
  WHERE excluded.version > a.version OR (excluded.version = a.version AND
    (a.found, a.run_started_at, a.updated_at, a.status, a.conclusion) IS DISTINCT FROM
    (excluded.found, excluded.run_started_at, excluded.updated_at, excluded.status,
     excluded.conclusion))
  RETURNING a.run_id, a.xmax = 0 AS inserted
), moved AS (
  UPDATE runs SET change_seq = $9::bigint + m.n
  FROM (SELECT r.id, row_number() OVER (ORDER BY r.id) AS n FROM runs r
        WHERE r.id IN (SELECT run_id FROM changed) AND r.change_seq <= $10::bigint) AS m
  WHERE runs.id = m.id
  RETURNING runs.id
)
SELECT (SELECT count(*) FILTER (WHERE inserted) FROM changed),
  (SELECT count(*) FILTER (WHERE NOT inserted) FROM changed), (SELECT count(*) FROM moved))sql";

// Each workflow of the batch with repository, name and path of its newest run, unless what is
// stored was seen more recently. A batch names few workflows: they travel as arrays.
constexpr std::string_view kUpsertWorkflows = R"sql(
INSERT INTO workflows AS w (id, repository_id, name, path, seen_at)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::bigint[])
ON CONFLICT (id) DO UPDATE SET repository_id = excluded.repository_id, name = excluded.name,
  path = excluded.path, seen_at = excluded.seen_at
WHERE excluded.seen_at >= w.seen_at AND (w.repository_id, w.name, w.path, w.seen_at)
  IS DISTINCT FROM (excluded.repository_id, excluded.name, excluded.path, excluded.seen_at))sql";

constexpr std::string_view kStoreRepository = R"sql(
INSERT INTO repositories (id, full_name, seen_at) VALUES ($1, $2, $3)
ON CONFLICT (id) DO UPDATE SET full_name = excluded.full_name, seen_at = excluded.seen_at)sql";

// Gives every run of a repository a new change_seq, in id order, after $1.
constexpr std::string_view kTouchRuns = R"sql(
UPDATE runs SET change_seq = $1::bigint + touched.n
FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM runs WHERE repository_id = $2)
  AS touched
WHERE runs.id = touched.id)sql";

std::int64_t affected_rows(const PgResult& result) {
  std::string_view text = PQcmdTuples(result.get());
  std::int64_t count = 0;
  std::from_chars(text.data(), text.data() + text.size(), count);
  return count;
}

}  // namespace

std::string PgRunWriter::doing(std::string_view what) const {
  return fmt::format("{} {}", what, connection_.describe());
}

Result<UpsertStats> PgRunWriter::upsert(std::span<const RunRecord> runs,
                                        const std::function<Status()>& also) {
  for (const RunRecord& run : runs) {
    if (auto valid = validate_run(run); !valid) return valid.error();
    if (auto storable = check_storable_in_postgres(run); !storable) return storable.error();
  }
  if (runs.empty() && !also) return UpsertStats{};
  if (!runs.empty()) {
    if (auto staging = ensure_staging_table(); !staging) return staging.error();
  }
  std::string writing = doing("writing runs to");
  PgTransaction transaction(connection_);
  if (auto begun = transaction.begin("BEGIN", writing); !begun) return begun.error();
  auto stats = runs.empty() ? Result<UpsertStats>(UpsertStats{}) : write_batch(runs);
  if (!stats) return stats.error();
  if (also) {
    if (auto done = also(); !done) return done.error();
  }
  if (auto committed = transaction.commit(writing); !committed) return committed.error();
  return stats;
}

// Outside any transaction, so that a rolled-back batch does not take the table with it.
Status PgRunWriter::ensure_staging_table() {
  if (staging_session_ == connection_.session()) return {};
  auto created = connection_.exec(kCreateStaging, doing("preparing to write runs to"));
  if (!created) return created.error();
  staging_session_ = connection_.session();
  return {};
}

Result<UpsertStats> PgRunWriter::upsert_attempts(std::span<const AttemptRecord> attempts) {
  for (const AttemptRecord& attempt : attempts) {
    if (auto valid = validate_attempt(attempt); !valid) return valid.error();
    if (auto storable = check_storable_in_postgres(attempt); !storable) return storable.error();
  }
  if (attempts.empty()) return UpsertStats{};
  std::string writing = doing("writing attempts to");
  PgTransaction transaction(connection_);
  if (auto begun = transaction.begin("BEGIN", writing); !begun) return begun.error();
  if (auto begun = begin_batch(); !begun) return begun.error();
  std::vector<const AttemptRecord*> all;
  all.reserve(attempts.size());
  for (const AttemptRecord& attempt : attempts) all.push_back(&attempt);
  auto stats = write_attempts(all);
  if (!stats) return stats.error();
  if (auto ended = end_batch(); !ended) return ended.error();
  if (auto committed = transaction.commit(writing); !committed) return committed.error();
  return stats;
}

// Locks the change log (writers queue here) and reads its head.
Status PgRunWriter::begin_batch() {
  std::string reading = doing("reading the change log of");
  auto head =
      connection_.exec("SELECT last_seq FROM change_log_head WHERE id = 1 FOR UPDATE", reading);
  if (!head) return head.error();
  if (PQntuples(head->get()) != 1) return fail(reading, ": change_log_head is empty");
  last_seq_ = pg_int(head->get(), 0, 0);
  first_seq_ = last_seq_;
  return {};
}

Status PgRunWriter::end_batch() {
  if (last_seq_ == first_seq_) return {};
  auto written = connection_.exec("UPDATE change_log_head SET last_seq = $1 WHERE id = 1",
                                  PgParams().add(last_seq_), doing("writing the change log of"));
  if (!written) return written.error();
  return {};
}

Result<UpsertStats> PgRunWriter::write_batch(std::span<const RunRecord> runs) {
  if (auto begun = begin_batch(); !begun) return begun.error();
  if (auto resolved = repositories_.resolve(runs); !resolved) return resolved.error();
  std::int64_t rounds = 0;
  if (auto staged = stage_runs(runs, rounds); !staged) return staged.error();
  if (auto workflows = upsert_workflows(runs); !workflows) return workflows.error();
  UpsertStats stats;
  for (std::int64_t round = 1; round <= rounds; ++round) {
    auto applied = upsert_round(round);
    if (!applied) return applied.error();
    stats.inserted += applied->inserted;
    stats.updated += applied->updated;
    stats.reruns += applied->reruns;
  }
  stats.unchanged = static_cast<std::int64_t>(runs.size()) - stats.inserted - stats.updated;
  // After the run rows, whether or not they were replaced: the attempts' runs are stored.
  std::vector<const AttemptRecord*> attempts;
  for (const RunRecord& run : runs) {
    for (const AttemptRecord& attempt : run.earlier_attempts) attempts.push_back(&attempt);
  }
  if (auto written = write_attempts(attempts); !written) return written.error();
  if (auto ended = end_batch(); !ended) return ended.error();
  return stats;
}

Result<UpsertStats> PgRunWriter::write_attempts(const std::vector<const AttemptRecord*>& attempts) {
  UpsertStats stats;
  if (attempts.empty()) return stats;
  if (auto stored = check_runs_stored(attempts); !stored) return stored.error();
  // Round k holds the k-th occurrence of each key, so that repeated keys apply in order.
  std::map<std::pair<std::int64_t, std::int64_t>, std::size_t> occurrences;
  std::vector<std::vector<const AttemptRecord*>> rounds;
  for (const AttemptRecord* attempt : attempts) {
    std::size_t round = occurrences[{attempt->run_id, attempt->attempt}]++;
    if (round == rounds.size()) rounds.emplace_back();
    rounds[round].push_back(attempt);
  }
  for (const auto& round : rounds) {
    auto applied = upsert_attempt_round(round);
    if (!applied) return applied.error();
    stats.inserted += applied->inserted;
    stats.updated += applied->updated;
  }
  stats.unchanged = static_cast<std::int64_t>(attempts.size()) - stats.inserted - stats.updated;
  return stats;
}

Status PgRunWriter::check_runs_stored(const std::vector<const AttemptRecord*>& attempts) {
  std::vector<std::int64_t> run_ids, numbers;
  for (const AttemptRecord* attempt : attempts) {
    run_ids.push_back(attempt->run_id);
    numbers.push_back(attempt->attempt);
  }
  auto runless = connection_.exec(kFindRunless,
                                  PgParams().add(pg_int_array(run_ids)).add(pg_int_array(numbers)),
                                  doing("writing attempts to"));
  if (!runless) return runless.error();
  if (PQntuples(runless->get()) == 0) return {};
  std::int64_t run_id = pg_int(runless->get(), 0, 0);
  return fail(fmt::format("writing attempt {} of run {} to {}: run {} is not stored",
                          pg_int(runless->get(), 0, 1), run_id, connection_.describe(), run_id));
}

Result<UpsertStats> PgRunWriter::upsert_attempt_round(
    const std::vector<const AttemptRecord*>& attempts) {
  std::vector<std::int64_t> run_ids, numbers, versions, found, updated_at;
  std::vector<std::string> started;  // decimal, "" for NULL
  std::vector<std::string_view> statuses, conclusions;
  for (const AttemptRecord* attempt : attempts) {
    run_ids.push_back(attempt->run_id);
    numbers.push_back(attempt->attempt);
    versions.push_back(attempt_version(*attempt));
    found.push_back(attempt->found ? 1 : 0);
    started.push_back(attempt->run_started_at ? std::to_string(*attempt->run_started_at) : "");
    updated_at.push_back(attempt->updated_at);
    statuses.push_back(attempt->status);
    conclusions.push_back(attempt->conclusion);
  }
  std::vector<std::string_view> started_views(started.begin(), started.end());
  auto counted = connection_.exec(kUpsertAttempts,
                                  PgParams()
                                      .add(pg_int_array(run_ids))
                                      .add(pg_int_array(numbers))
                                      .add(pg_int_array(versions))
                                      .add(pg_int_array(found))
                                      .add(pg_text_array(started_views, true))
                                      .add(pg_int_array(updated_at))
                                      .add(pg_text_array(statuses, false))
                                      .add(pg_text_array(conclusions, true))
                                      .add(last_seq_)
                                      .add(first_seq_),
                                  doing("writing attempts to"));
  if (!counted) return counted.error();
  UpsertStats stats;
  stats.inserted = pg_int(counted->get(), 0, 0);
  stats.updated = pg_int(counted->get(), 0, 1);
  last_seq_ += pg_int(counted->get(), 0, 2);
  return stats;
}

Status PgRunWriter::stage_runs(std::span<const RunRecord> runs, std::int64_t& rounds) {
  StagedRunsEncoder encoder;
  std::unordered_map<std::int64_t, std::int64_t> occurrences;
  std::int64_t ord = 0;
  for (const RunRecord& run : runs) {
    std::int64_t round = ++occurrences[run.id];
    rounds = std::max(rounds, round);
    encoder.add(run, ++ord, round, repositories_.id_of(run));
  }
  return connection_.copy_in(kCopyStaging, encoder.finish(), doing("sending runs to"));
}

Status PgRunWriter::upsert_workflows(std::span<const RunRecord> runs) {
  std::vector<std::int64_t> ids, repository_ids, seen_at;
  std::vector<std::string_view> names, paths;
  for (const RunRecord* latest : newest_run_per(runs, &RunRecord::workflow_id)) {
    ids.push_back(latest->workflow_id);
    repository_ids.push_back(repositories_.id_of(*latest));
    names.push_back(latest->workflow_name);
    paths.push_back(latest->path);
    seen_at.push_back(latest->updated_at);
  }
  auto written = connection_.exec(kUpsertWorkflows,
                                  PgParams()
                                      .add(pg_int_array(ids))
                                      .add(pg_int_array(repository_ids))
                                      .add(pg_text_array(names, false))
                                      .add(pg_text_array(paths, false))
                                      .add(pg_int_array(seen_at)),
                                  doing("writing workflows to"));
  if (!written) return written.error();
  return {};
}

Result<UpsertStats> PgRunWriter::upsert_round(std::int64_t round) {
  auto counted = connection_.exec(upsert_round_sql(), PgParams().add(last_seq_).add(round),
                                  doing("writing runs to"));
  if (!counted) return counted.error();
  UpsertStats stats;
  stats.inserted = pg_int(counted->get(), 0, 0);
  stats.updated = pg_int(counted->get(), 0, 1);
  stats.reruns = pg_int(counted->get(), 0, 2);
  last_seq_ += stats.inserted + stats.updated;
  return stats;
}

// ---------------------------------------------------------------------------------------------
// RepositoryTable: the statements RepositoryResolver builds on.

Result<std::optional<StoredRepository>> PgRunWriter::read_repository_row(std::string_view sql,
                                                                         const PgParams& params,
                                                                         std::string_view doing) {
  auto found = connection_.exec(sql, params, doing);
  if (!found) return found.error();
  if (PQntuples(found->get()) == 0) return std::optional<StoredRepository>();
  return std::optional<StoredRepository>(StoredRepository{pg_int(found->get(), 0, 0),
                                                          std::string(pg_text(found->get(), 0, 1)),
                                                          pg_int(found->get(), 0, 2)});
}

Result<std::optional<StoredRepository>> PgRunWriter::find_repository(const std::string& full_name) {
  return read_repository_row(
      "SELECT id, full_name, seen_at FROM repositories WHERE lower(full_name) = lower($1)",
      PgParams().add(full_name), doing("reading repository " + full_name + " from"));
}

Result<std::optional<StoredRepository>> PgRunWriter::read_repository(std::int64_t id) {
  return read_repository_row("SELECT id, full_name, seen_at FROM repositories WHERE id = $1",
                             PgParams().add(id),
                             doing(fmt::format("reading repository {} from", id)));
}

Status PgRunWriter::store_repository(std::int64_t id, const std::string& full_name,
                                     std::int64_t seen_at) {
  auto stored = connection_.exec(kStoreRepository, PgParams().add(id).add(full_name).add(seen_at),
                                 doing("writing repository " + full_name + " to"));
  if (!stored) return stored.error();
  return {};
}

Result<std::int64_t> PgRunWriter::insert_synthetic_repository(const std::string& full_name,
                                                              std::int64_t seen_at) {
  std::string adding = doing("adding repository " + full_name + " to");
  auto lowest = connection_.exec("SELECT least(0, coalesce(min(id), 0)) FROM repositories", adding);
  if (!lowest) return lowest.error();
  std::int64_t id = pg_int(lowest->get(), 0, 0) - 1;
  auto stored =
      connection_.exec(kStoreRepository, PgParams().add(id).add(full_name).add(seen_at), adding);
  if (!stored) return stored.error();
  return id;
}

Status PgRunWriter::merge_synthetic_repository(std::int64_t synthetic_id, std::int64_t id,
                                               bool id_stored) {
  std::string merging = doing(fmt::format("merging repository {} into {} in", synthetic_id, id));
  // Workflows follow a re-keyed repository by ON UPDATE CASCADE; runs have no foreign keys
  // (postgres_migrations.cc) and are moved here.
  constexpr std::string_view kRekey[] = {
      "UPDATE repositories SET id = $2 WHERE id = $1",
      "UPDATE runs SET repository_id = $2 WHERE repository_id = $1",
  };
  constexpr std::string_view kMove[] = {
      "UPDATE workflows SET repository_id = $2 WHERE repository_id = $1",
      "UPDATE runs SET repository_id = $2 WHERE repository_id = $1",
  };
  PgParams both = PgParams().add(synthetic_id).add(id);
  for (std::string_view sql : id_stored ? std::span(kMove) : std::span(kRekey)) {
    if (auto done = connection_.exec(sql, both, merging); !done) return done.error();
  }
  if (!id_stored) return {};
  auto deleted = connection_.exec("DELETE FROM repositories WHERE id = $1",
                                  PgParams().add(synthetic_id), merging);
  if (!deleted) return deleted.error();
  return {};
}

Status PgRunWriter::touch_runs_of_repository(std::int64_t id) {
  auto touched =
      connection_.exec(kTouchRuns, PgParams().add(last_seq_).add(id),
                       doing(fmt::format("marking runs of repository {} changed in", id)));
  if (!touched) return touched.error();
  last_seq_ += affected_rows(*touched);
  return {};
}

}  // namespace cipette::storage
