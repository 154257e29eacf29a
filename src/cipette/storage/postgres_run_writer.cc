#include "cipette/storage/postgres_run_writer.h"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <string>
#include <vector>

#include "cipette/core/text.h"
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
  html_url text NOT NULL
) ON COMMIT DELETE ROWS)sql";

constexpr std::string_view kCopyStaging = "COPY pg_temp.staged_runs FROM STDIN (FORMAT binary)";

// The columns that make two versions of a run differ (updated_at aside).
constexpr std::array<std::string_view, 15> kCompared = {
    "repository_id",  "workflow_id", "run_number",    "run_attempt", "created_at",
    "run_started_at", "status",      "conclusion",    "event",       "head_branch",
    "head_sha",       "actor",       "workflow_name", "path",        "html_url"};

// SQL for "version `a` of a run replaces the stored version `b`": newer, or equally new with
// an attempt at least as large and a difference somewhere (identical rows keep their
// change_seq).
std::string replaces(std::string_view a, std::string_view b) {
  std::vector<std::string> left, right;
  for (std::string_view column : kCompared) {
    left.push_back(fmt::format("{}.{}", a, column));
    right.push_back(fmt::format("{}.{}", b, column));
  }
  return fmt::format(
      "({a}.updated_at > {b}.updated_at OR ({a}.updated_at = {b}.updated_at AND "
      "{a}.run_attempt >= {b}.run_attempt AND ({l}) IS DISTINCT FROM ({r})))",
      fmt::arg("a", a), fmt::arg("b", b), fmt::arg("l", fmt::join(left, ", ")),
      fmt::arg("r", fmt::join(right, ", ")));
}

// Round $2 of the staged runs: the new and the replacing ones get change_seq $1 + 1, $1 + 2,
// ... in batch order. The filter and the conflict clause apply the same rule; the filter
// decides the numbering, the conflict clause guards the write. Returns (inserted, updated).
const std::string& upsert_round_sql() {
  static const std::string sql = fmt::format(
      "WITH changed AS ("
      " INSERT INTO runs AS r (change_seq, id, repository_id, workflow_id, run_number,"
      "  run_attempt, created_at, run_started_at, updated_at, status, conclusion, event,"
      "  head_branch, head_sha, actor, workflow_name, path, html_url)"
      " SELECT $1::bigint + row_number() OVER (ORDER BY t.ord), t.id, t.repository_id,"
      "  t.workflow_id, t.run_number, t.run_attempt, t.created_at, t.run_started_at,"
      "  t.updated_at, t.status, t.conclusion, t.event, t.head_branch, t.head_sha, t.actor,"
      "  t.workflow_name, t.path, t.html_url"
      " FROM pg_temp.staged_runs t LEFT JOIN runs s ON s.id = t.id"
      " WHERE t.round = $2 AND (s.id IS NULL OR {})"
      " ON CONFLICT (id) DO UPDATE SET change_seq = excluded.change_seq,"
      "  repository_id = excluded.repository_id, workflow_id = excluded.workflow_id,"
      "  run_number = excluded.run_number, run_attempt = excluded.run_attempt,"
      "  created_at = excluded.created_at, run_started_at = excluded.run_started_at,"
      "  updated_at = excluded.updated_at, status = excluded.status,"
      "  conclusion = excluded.conclusion, event = excluded.event,"
      "  head_branch = excluded.head_branch, head_sha = excluded.head_sha,"
      "  actor = excluded.actor, workflow_name = excluded.workflow_name,"
      "  path = excluded.path, html_url = excluded.html_url"
      " WHERE {} RETURNING r.xmax = 0 AS inserted)"
      " SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)"
      " FROM changed",
      replaces("t", "s"), replaces("excluded", "r"));
  return sql;
}

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

bool newer_or_same(const RunRecord& candidate, const RunRecord* current) {
  return current == nullptr || candidate.updated_at >= current->updated_at;
}

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

Result<UpsertStats> PgRunWriter::write_batch(std::span<const RunRecord> runs) {
  std::string writing = doing("writing runs to");
  auto head =
      connection_.exec("SELECT last_seq FROM change_log_head WHERE id = 1 FOR UPDATE", writing);
  if (!head) return head.error();
  if (PQntuples(head->get()) != 1) return fail(writing, ": change_log_head is empty");
  last_seq_ = pg_int(head->get(), 0, 0);
  const std::int64_t first_seq = last_seq_;
  if (auto resolved = resolve_repositories(runs); !resolved) return resolved.error();
  std::int64_t rounds = 0;
  if (auto staged = stage_runs(runs, rounds); !staged) return staged.error();
  if (auto workflows = upsert_workflows(runs); !workflows) return workflows.error();
  UpsertStats stats;
  for (std::int64_t round = 1; round <= rounds; ++round) {
    auto applied = upsert_round(round);
    if (!applied) return applied.error();
    stats.inserted += applied->inserted;
    stats.updated += applied->updated;
  }
  stats.unchanged = static_cast<std::int64_t>(runs.size()) - stats.inserted - stats.updated;
  if (last_seq_ != first_seq) {
    auto written = connection_.exec("UPDATE change_log_head SET last_seq = $1 WHERE id = 1",
                                    PgParams().add(last_seq_), writing);
    if (!written) return written.error();
  }
  return stats;
}

Status PgRunWriter::stage_runs(std::span<const RunRecord> runs, std::int64_t& rounds) {
  StagedRunsEncoder encoder;
  std::unordered_map<std::int64_t, std::int64_t> occurrences;
  std::int64_t ord = 0;
  for (const RunRecord& run : runs) {
    std::int64_t round = ++occurrences[run.id];
    rounds = std::max(rounds, round);
    encoder.add(run, ++ord, round, repository_id_of(run));
  }
  return connection_.copy_in(kCopyStaging, encoder.finish(), doing("sending runs to"));
}

Status PgRunWriter::upsert_workflows(std::span<const RunRecord> runs) {
  std::unordered_map<std::int64_t, const RunRecord*> newest;
  std::vector<std::int64_t> ids;  // in order of first appearance
  for (const RunRecord& run : runs) {
    const RunRecord*& current = newest[run.workflow_id];
    if (current == nullptr) ids.push_back(run.workflow_id);
    if (newer_or_same(run, current)) current = &run;  // a tie goes to the later run
  }
  std::vector<std::int64_t> repository_ids, seen_at;
  std::vector<std::string_view> names, paths;
  for (std::int64_t id : ids) {
    const RunRecord& latest = *newest.at(id);
    repository_ids.push_back(repository_id_of(latest));
    names.push_back(latest.workflow_name);
    paths.push_back(latest.path);
    seen_at.push_back(latest.updated_at);
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
  last_seq_ += stats.inserted + stats.updated;
  return stats;
}

std::int64_t PgRunWriter::repository_id_of(const RunRecord& run) const {
  if (run.repository_id > 0) return repository_by_id_.at(run.repository_id);
  return repository_by_name_.at(ascii_lower(run.repository));
}

// ---------------------------------------------------------------------------------------------
// Repositories: the same steps as RunWriter's (run_writer.cc), one statement at a time. Known
// ids are authoritative; unknown ones resolve by name, else to a new synthetic negative id. A
// synthetic repository is merged into the real one once its id becomes known.

Status PgRunWriter::resolve_repositories(std::span<const RunRecord> runs) {
  repository_by_id_.clear();
  repository_by_name_.clear();
  std::unordered_map<std::int64_t, const RunRecord*> newest;
  for (const RunRecord& run : runs) {
    if (run.repository_id <= 0) continue;
    const RunRecord*& current = newest[run.repository_id];
    if (newer_or_same(run, current)) current = &run;
  }
  // Known ids first, in batch order (deterministic), so that runs of the same batch that lack
  // the id map to it by name.
  for (const RunRecord& run : runs) {
    if (run.repository_id <= 0 || repository_by_id_.count(run.repository_id)) continue;
    const RunRecord& latest = *newest.at(run.repository_id);
    auto id = resolve_repository(run.repository_id, latest);
    if (!id) return id.error();
    repository_by_id_[run.repository_id] = *id;
    repository_by_name_[ascii_lower(latest.repository)] = *id;
  }
  for (const RunRecord& run : runs) {
    if (run.repository_id > 0) continue;
    std::string key = ascii_lower(run.repository);
    if (repository_by_name_.count(key)) continue;
    auto id = find_repository_id(run.repository);
    if (id && *id == 0) id = insert_synthetic_repository(run);
    if (!id) return id.error();
    repository_by_name_[key] = *id;
  }
  return {};
}

Result<std::int64_t> PgRunWriter::resolve_repository(std::int64_t id, const RunRecord& newest) {
  std::string name = newest.repository;
  if (auto claimed = claim_repository_name(id, newest, name); !claimed) return claimed.error();
  if (auto stored = store_repository(id, name, newest.updated_at); !stored) {
    return stored.error();
  }
  return id;
}

// The stored id of the repository named `full_name` (any case), or 0 when there is none.
Result<std::int64_t> PgRunWriter::find_repository_id(const std::string& full_name) {
  auto found = connection_.exec("SELECT id FROM repositories WHERE lower(full_name) = lower($1)",
                                PgParams().add(full_name),
                                doing("reading repository " + full_name + " from"));
  if (!found) return found.error();
  if (PQntuples(found->get()) == 0) return std::int64_t{0};
  return pg_int(found->get(), 0, 0);
}

Result<std::int64_t> PgRunWriter::insert_synthetic_repository(const RunRecord& newest) {
  std::string adding = doing("adding repository " + newest.repository + " to");
  auto lowest = connection_.exec("SELECT least(0, coalesce(min(id), 0)) FROM repositories", adding);
  if (!lowest) return lowest.error();
  std::int64_t id = pg_int(lowest->get(), 0, 0) - 1;
  auto stored = connection_.exec(
      kStoreRepository, PgParams().add(id).add(newest.repository).add(newest.updated_at), adding);
  if (!stored) return stored.error();
  return id;
}

// Makes `name` free for repository `id`: a synthetic repository of that name is merged into
// `id`; another real repository keeps it only if it was seen more recently (GitHub names move
// when repositories are renamed), and whichever loses gets "name#id".
Status PgRunWriter::claim_repository_name(std::int64_t id, const RunRecord& newest,
                                          std::string& name) {
  auto found =
      connection_.exec("SELECT id, seen_at FROM repositories WHERE lower(full_name) = lower($1)",
                       PgParams().add(name), doing("reading repository " + name + " from"));
  if (!found) return found.error();
  if (PQntuples(found->get()) == 0) return {};
  std::int64_t holder = pg_int(found->get(), 0, 0);
  std::int64_t holder_seen_at = pg_int(found->get(), 0, 1);
  if (holder == id) return {};
  if (holder < 0) return merge_synthetic_repository(holder, id);
  if (newest.updated_at < holder_seen_at) {
    name = fmt::format("{}#{}", name, id);
    return {};
  }
  return store_repository(holder, fmt::format("{}#{}", name, holder), holder_seen_at);
}

// Reads repository `id` into `name` and `seen_at`; false when there is none.
Result<bool> PgRunWriter::read_repository(std::int64_t id, std::string& name,
                                          std::int64_t& seen_at) {
  auto found =
      connection_.exec("SELECT full_name, seen_at FROM repositories WHERE id = $1",
                       PgParams().add(id), doing(fmt::format("reading repository {} from", id)));
  if (!found) return found.error();
  if (PQntuples(found->get()) == 0) return false;
  name = pg_text(found->get(), 0, 0);
  seen_at = pg_int(found->get(), 0, 1);
  return true;
}

// Writes name and seen_at of repository `id` unless what is stored was seen more recently.
// A changed name changes every run of the repository as scan_runs reports it, so their
// change_seq moves too.
Status PgRunWriter::store_repository(std::int64_t id, const std::string& name,
                                     std::int64_t seen_at) {
  std::string stored_name;
  std::int64_t stored_seen_at = 0;
  auto exists = read_repository(id, stored_name, stored_seen_at);
  if (!exists) return exists.error();
  bool rename = *exists && name != stored_name;
  if (*exists && (seen_at < stored_seen_at || (!rename && seen_at == stored_seen_at))) return {};
  auto stored = connection_.exec(kStoreRepository, PgParams().add(id).add(name).add(seen_at),
                                 doing("writing repository " + name + " to"));
  if (!stored) return stored.error();
  return rename ? touch_runs_of_repository(id) : Status{};
}

Status PgRunWriter::merge_synthetic_repository(std::int64_t synthetic_id, std::int64_t id) {
  std::string merging = doing(fmt::format("merging repository {} into {} in", synthetic_id, id));
  std::string stored_name;
  std::int64_t stored_seen_at = 0;
  auto exists = read_repository(id, stored_name, stored_seen_at);
  if (!exists) return exists.error();
  PgParams both = PgParams().add(synthetic_id).add(id);
  // Workflows follow a re-keyed repository by ON UPDATE CASCADE; runs have no foreign keys
  // (postgres_migrations.cc) and are moved here.
  if (!*exists) {
    auto rekeyed = connection_.exec("UPDATE repositories SET id = $2 WHERE id = $1", both, merging);
    if (!rekeyed) return rekeyed.error();
  } else {
    auto moved = connection_.exec(
        "UPDATE workflows SET repository_id = $2 WHERE repository_id = $1", both, merging);
    if (!moved) return moved.error();
  }
  auto moved = connection_.exec("UPDATE runs SET repository_id = $2 WHERE repository_id = $1", both,
                                merging);
  if (!moved) return moved.error();
  if (!*exists) return touch_runs_of_repository(id);
  auto deleted = connection_.exec("DELETE FROM repositories WHERE id = $1",
                                  PgParams().add(synthetic_id), merging);
  if (!deleted) return deleted.error();
  return touch_runs_of_repository(id);
}

Status PgRunWriter::touch_runs_of_repository(std::int64_t repository_id) {
  auto touched = connection_.exec(
      kTouchRuns, PgParams().add(last_seq_).add(repository_id),
      doing(fmt::format("marking runs of repository {} changed in", repository_id)));
  if (!touched) return touched.error();
  last_seq_ += affected_rows(*touched);
  return {};
}

}  // namespace cipette::storage
