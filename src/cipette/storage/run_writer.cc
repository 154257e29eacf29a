#include "cipette/storage/run_writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace cipette::storage {
namespace {

// Parameters ?1..?18 are shared by the insert and the update of a run (see bind_run).
constexpr std::string_view kInsertRun = R"sql(
INSERT INTO runs (id, change_seq, repository_id, workflow_id, run_number, run_attempt,
  created_at, run_started_at, updated_at, status, conclusion, event, head_branch, head_sha,
  actor, workflow_name, path, html_url)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
ON CONFLICT (id) DO NOTHING)sql";

// Replaces a stored run when the incoming one is newer, or equally new with an attempt at
// least as large and a difference somewhere (so identical rows keep their change_seq).
constexpr std::string_view kUpdateRun = R"sql(
UPDATE runs SET change_seq = ?2, repository_id = ?3, workflow_id = ?4, run_number = ?5,
  run_attempt = ?6, created_at = ?7, run_started_at = ?8, updated_at = ?9, status = ?10,
  conclusion = ?11, event = ?12, head_branch = ?13, head_sha = ?14, actor = ?15,
  workflow_name = ?16, path = ?17, html_url = ?18
WHERE id = ?1 AND (?9 > updated_at OR (?9 = updated_at AND ?6 >= run_attempt AND (
  repository_id IS NOT ?3 OR workflow_id IS NOT ?4 OR run_number IS NOT ?5
  OR run_attempt IS NOT ?6 OR created_at IS NOT ?7 OR run_started_at IS NOT ?8
  OR status IS NOT ?10 OR conclusion IS NOT ?11 OR event IS NOT ?12 OR head_branch IS NOT ?13
  OR head_sha IS NOT ?14 OR actor IS NOT ?15 OR workflow_name IS NOT ?16 OR path IS NOT ?17
  OR html_url IS NOT ?18))))sql";

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
}

// Repository names are ASCII (validate_run), so ASCII folding matches COLLATE NOCASE.
std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool newer_or_same(const RunRecord& candidate, const RunRecord* current) {
  return current == nullptr || candidate.updated_at >= current->updated_at;
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
      {&find_repository_, "SELECT id, seen_at FROM repositories WHERE full_name = ?1"},
      {&read_repository_, "SELECT full_name, seen_at FROM repositories WHERE id = ?1"},
      {&store_repository_, kStoreRepository},
      {&insert_run_, kInsertRun},  // last: its presence marks the set as prepared
  };
  for (const Entry& entry : entries) {
    auto stmt = prepare(db_, entry.sql, doing);
    if (!stmt) return stmt.error();
    *entry.stmt = std::move(*stmt);
  }
  return {};
}

Result<UpsertStats> RunWriter::write_batch(std::span<const RunRecord> runs) {
  std::string doing = fmt::format("writing runs to {}", path_);
  {
    StatementReset reset(read_seq_.get());
    if (sqlite3_step(read_seq_.get()) != SQLITE_ROW) return sqlite_error(db_, doing);
    last_seq_ = column_int(read_seq_.get(), 0);
  }
  const std::int64_t first_seq = last_seq_;
  if (auto resolved = resolve_repositories(runs); !resolved) return resolved.error();
  if (auto workflows = upsert_workflows(runs); !workflows) return workflows.error();
  UpsertStats stats;
  for (const RunRecord& run : runs) {
    auto change = upsert_run(run, repository_id_of(run));
    if (!change) return change.error();
    if (*change == RunChange::kInserted) ++stats.inserted;
    if (*change == RunChange::kUpdated) ++stats.updated;
    if (*change == RunChange::kUnchanged) ++stats.unchanged;
  }
  if (last_seq_ != first_seq) {
    StatementReset reset(write_seq_.get());
    bind_int(write_seq_.get(), 1, last_seq_);
    if (auto written = step_done(write_seq_.get(), doing); !written) return written.error();
  }
  return stats;
}

std::int64_t RunWriter::repository_id_of(const RunRecord& run) const {
  if (run.repository_id > 0) return repository_by_id_.at(run.repository_id);
  return repository_by_name_.at(lower(run.repository));
}

Status RunWriter::step_done(sqlite3_stmt* stmt, std::string_view doing) {
  if (sqlite3_step(stmt) == SQLITE_DONE) return {};
  return sqlite_error(db_, doing);
}

Result<RunWriter::RunChange> RunWriter::upsert_run(const RunRecord& run,
                                                   std::int64_t repository_id) {
  const std::int64_t seq = last_seq_ + 1;
  {
    StatementReset reset(insert_run_.get());
    bind_run(insert_run_.get(), run, repository_id, seq);
    if (sqlite3_step(insert_run_.get()) != SQLITE_DONE) {
      return sqlite_error(db_, fmt::format("writing run {} to {}", run.id, path_));
    }
  }
  if (sqlite3_changes(db_) == 1) {
    last_seq_ = seq;
    return RunChange::kInserted;
  }
  StatementReset reset(update_run_.get());
  bind_run(update_run_.get(), run, repository_id, seq);
  if (sqlite3_step(update_run_.get()) != SQLITE_DONE) {
    return sqlite_error(db_, fmt::format("writing run {} to {}", run.id, path_));
  }
  if (sqlite3_changes(db_) == 0) return RunChange::kUnchanged;
  last_seq_ = seq;
  return RunChange::kUpdated;
}

Status RunWriter::upsert_workflows(std::span<const RunRecord> runs) {
  std::unordered_map<std::int64_t, const RunRecord*> newest;
  for (const RunRecord& run : runs) {
    const RunRecord*& current = newest[run.workflow_id];
    if (newer_or_same(run, current)) current = &run;
  }
  std::string doing = fmt::format("writing workflows to {}", path_);
  sqlite3_stmt* stmt = upsert_workflow_.get();
  for (const RunRecord& run : runs) {
    auto found = newest.find(run.workflow_id);
    if (found == newest.end()) continue;  // already written
    const RunRecord& latest = *found->second;
    StatementReset reset(stmt);
    bind_int(stmt, 1, latest.workflow_id);
    bind_int(stmt, 2, repository_id_of(latest));
    bind_text(stmt, 3, latest.workflow_name);
    bind_text(stmt, 4, latest.path);
    bind_int(stmt, 5, latest.updated_at);
    if (auto written = step_done(stmt, doing); !written) return written;
    newest.erase(found);
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// Repositories. A run names its repository by GitHub id and full name; the id may be unknown
// (<= 0). Known ids are authoritative; unknown ones resolve by name, else to a new synthetic
// negative id. A synthetic repository is merged into the real one once its id becomes known.

Status RunWriter::resolve_repositories(std::span<const RunRecord> runs) {
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
    repository_by_name_[lower(latest.repository)] = *id;
  }
  for (const RunRecord& run : runs) {
    if (run.repository_id > 0) continue;
    std::string key = lower(run.repository);
    if (repository_by_name_.count(key)) continue;
    auto id = find_repository_id(run.repository);
    if (id && *id == 0) id = insert_synthetic_repository(run);
    if (!id) return id.error();
    repository_by_name_[key] = *id;
  }
  return {};
}

Result<std::int64_t> RunWriter::resolve_repository(std::int64_t id, const RunRecord& newest) {
  std::string name = newest.repository;
  if (auto claimed = claim_repository_name(id, newest, name); !claimed) return claimed.error();
  if (auto stored = store_repository(id, name, newest.updated_at); !stored) {
    return stored.error();
  }
  return id;
}

// The stored id of the repository named `full_name` (any case), or 0 when there is none.
Result<std::int64_t> RunWriter::find_repository_id(const std::string& full_name) {
  sqlite3_stmt* stmt = find_repository_.get();
  StatementReset reset(stmt);
  bind_text(stmt, 1, full_name);
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) return column_int(stmt, 0);
  if (rc == SQLITE_DONE) return std::int64_t{0};
  return sqlite_error(db_, fmt::format("reading repository {} from {}", full_name, path_));
}

Result<std::int64_t> RunWriter::insert_synthetic_repository(const RunRecord& newest) {
  std::string doing = fmt::format("adding repository {} to {}", newest.repository, path_);
  auto lowest = query_int(db_, "SELECT min(0, coalesce(min(id), 0)) FROM repositories", doing);
  if (!lowest) return lowest.error();
  std::int64_t id = *lowest - 1;
  StatementReset reset(store_repository_.get());
  bind_int(store_repository_.get(), 1, id);
  bind_text(store_repository_.get(), 2, newest.repository);
  bind_int(store_repository_.get(), 3, newest.updated_at);
  if (auto stored = step_done(store_repository_.get(), doing); !stored) return stored.error();
  return id;
}

// Makes `name` free for repository `id`: a synthetic repository of that name is merged into
// `id`; another real repository keeps it only if it was seen more recently (GitHub names move
// when repositories are renamed), and whichever loses gets "name#id".
Status RunWriter::claim_repository_name(std::int64_t id, const RunRecord& newest,
                                        std::string& name) {
  std::int64_t holder = 0;
  std::int64_t holder_seen_at = 0;
  {
    sqlite3_stmt* stmt = find_repository_.get();
    StatementReset reset(stmt);
    bind_text(stmt, 1, name);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) return {};
    if (rc != SQLITE_ROW) {
      return sqlite_error(db_, fmt::format("reading repository {} from {}", name, path_));
    }
    holder = column_int(stmt, 0);
    holder_seen_at = column_int(stmt, 1);
  }
  if (holder == id) return {};
  if (holder < 0) return merge_synthetic_repository(holder, id);
  if (newest.updated_at < holder_seen_at) {
    name = fmt::format("{}#{}", name, id);
    return {};
  }
  return store_repository(holder, fmt::format("{}#{}", name, holder), holder_seen_at);
}

// Reads repository `id` into `name` and `seen_at`; false when there is none.
Result<bool> RunWriter::read_repository(std::int64_t id, std::string& name, std::int64_t& seen_at) {
  sqlite3_stmt* stmt = read_repository_.get();
  StatementReset reset(stmt);
  bind_int(stmt, 1, id);
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_DONE) return false;
  if (rc != SQLITE_ROW) {
    return sqlite_error(db_, fmt::format("reading repository {} from {}", id, path_));
  }
  column_text(stmt, 0, name);
  seen_at = column_int(stmt, 1);
  return true;
}

// Writes name and seen_at of repository `id` unless what is stored was seen more recently.
// A changed name changes every run of the repository as scan_runs reports it, so their
// change_seq moves too.
Status RunWriter::store_repository(std::int64_t id, const std::string& name, std::int64_t seen_at) {
  std::string stored_name;
  std::int64_t stored_seen_at = 0;
  auto exists = read_repository(id, stored_name, stored_seen_at);
  if (!exists) return exists.error();
  bool rename = *exists && name != stored_name;
  if (*exists && (seen_at < stored_seen_at || (!rename && seen_at == stored_seen_at))) return {};
  sqlite3_stmt* stmt = store_repository_.get();
  StatementReset reset(stmt);
  bind_int(stmt, 1, id);
  bind_text(stmt, 2, name);
  bind_int(stmt, 3, seen_at);
  std::string doing = fmt::format("writing repository {} to {}", name, path_);
  if (auto stored = step_done(stmt, doing); !stored) return stored;
  return rename ? touch_runs_of_repository(id) : Status{};
}

Status RunWriter::merge_synthetic_repository(std::int64_t synthetic_id, std::int64_t id) {
  std::string doing = fmt::format("merging repository {} into {} in {}", synthetic_id, id, path_);
  std::string stored_name;
  std::int64_t stored_seen_at = 0;
  auto exists = read_repository(id, stored_name, stored_seen_at);
  if (!exists) return exists.error();
  // ON UPDATE CASCADE moves the workflows and runs along with a re-keyed repository.
  constexpr std::string_view kRekey = "UPDATE repositories SET id = ?2 WHERE id = ?1";
  constexpr std::string_view kMerge[] = {
      "UPDATE workflows SET repository_id = ?2 WHERE repository_id = ?1",
      "UPDATE runs SET repository_id = ?2 WHERE repository_id = ?1",
      "DELETE FROM repositories WHERE id = ?1",
  };
  std::span<const std::string_view> steps = *exists ? std::span(kMerge) : std::span(&kRekey, 1);
  for (std::string_view sql : steps) {
    auto stmt = prepare(db_, sql, doing);
    if (!stmt) return stmt.error();
    bind_int(stmt->get(), 1, synthetic_id);
    bind_int(stmt->get(), 2, id);
    if (auto done = step_done(stmt->get(), doing); !done) return done;
  }
  return touch_runs_of_repository(id);
}

Status RunWriter::touch_runs_of_repository(std::int64_t repository_id) {
  std::string doing =
      fmt::format("marking runs of repository {} changed in {}", repository_id, path_);
  auto stmt = prepare(db_, kTouchRuns, doing);
  if (!stmt) return stmt.error();
  bind_int(stmt->get(), 1, last_seq_);
  bind_int(stmt->get(), 2, repository_id);
  if (auto touched = step_done(stmt->get(), doing); !touched) return touched;
  last_seq_ += sqlite3_changes(db_);
  return {};
}

}  // namespace cipette::storage
