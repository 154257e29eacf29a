// `cipette db copy --from A --to B`: every run, job (with its steps), job fetch record and
// sync state of one database into another, SQLite or PostgreSQL either way, idempotently.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <unordered_map>
#include <vector>

#include "cipette/cli/command.h"
#include "cipette/cli/help_format.h"
#include "cipette/storage/database_url.h"
#include "cipette/storage/store_factory.h"

namespace cipette::cli {

namespace {

// Runs written per transaction: big enough that a batch costs one round trip per few thousand
// runs, small enough that memory stays flat and an interrupted copy loses little.
constexpr std::size_t kCopyBatch = 5000;

struct CopyOptions {
  std::string from;
  std::string to;
};

// One side of the copy: the flag's value, parsed, and how messages name it.
struct Endpoint {
  std::string flag;  // "--from"
  std::string value;
  storage::DatabaseUrl url;
  std::string shown;  // without a password
};

struct CopyTotals {
  std::int64_t runs = 0;  // runs read from the source and written
  UpsertStats stats;
  std::int64_t jobs = 0;  // jobs read from the source and written (orphans included)
  std::int64_t job_fetches = 0;
  std::int64_t sync_states = 0;
};

Result<Endpoint> parse_endpoint(std::string flag, const std::string& value) {
  auto url = storage::parse_database_url(value);
  if (!url) {
    std::string message = url.error().message;
    constexpr std::string_view kPrefix = "DATABASE_URL";
    if (message.starts_with(kPrefix)) message.replace(0, kPrefix.size(), flag);
    return fail(message);
  }
  std::string shown = url->kind == storage::DatabaseUrl::Kind::kSqlite
                          ? url->target
                          : storage::redact_database_url(url->target);
  return Endpoint{std::move(flag), value, std::move(*url), std::move(shown)};
}

// Two spellings of one SQLite file ("a.db", "./a.db", "sqlite:a.db", a link) or one PostgreSQL
// URL with or without its password are the same database.
bool same_database(const Endpoint& from, const Endpoint& to) {
  if (from.url.kind != to.url.kind) return false;
  if (from.url.kind == storage::DatabaseUrl::Kind::kPostgres) return from.shown == to.shown;
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::equivalent(from.url.target, to.url.target, ec)) return true;
  return fs::weakly_canonical(from.url.target, ec) == fs::weakly_canonical(to.url.target, ec);
}

// Opens the source without creating it: a SQLite file that is missing (or zero bytes long, as
// opening a mistyped path with the sqlite3 shell leaves it) is an error naming it.
Result<std::unique_ptr<RunStore>> open_source(const Endpoint& from) {
  if (from.url.kind == storage::DatabaseUrl::Kind::kSqlite) {
    std::error_code ec;
    if (!std::filesystem::exists(from.url.target, ec)) {
      return fail("--from: no database at ", from.shown);
    }
    if (std::filesystem::is_regular_file(from.url.target, ec) &&
        std::filesystem::file_size(from.url.target, ec) == 0) {
      return fail("--from: ", from.shown, " is empty: there is nothing to copy");
    }
  }
  return storage::open_store(from.value);
}

// Shows "runs copied / total, rate" on a terminal, redrawn after each batch; silent otherwise.
class CopyProgress {
 public:
  CopyProgress(std::int64_t total, bool terminal) : total_(total), terminal_(terminal) {}

  void update(std::int64_t copied) {
    if (!terminal_) return;
    double percent = total_ > 0 ? 100.0 * static_cast<double>(copied) / total_ : 100.0;
    std::fprintf(stderr, "\rcopying runs: %lld / %lld (%.0f%%), %.0f runs/s   ",
                 static_cast<long long>(copied), static_cast<long long>(total_), percent,
                 rate(copied));
    std::fflush(stderr);
    drawn_ = true;
  }
  void finish() {
    if (drawn_) std::fputc('\n', stderr);
    drawn_ = false;
  }
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  double rate(std::int64_t copied) const {
    double elapsed = seconds();
    return elapsed > 0 ? static_cast<double>(copied) / elapsed : 0.0;
  }

 private:
  std::int64_t total_;
  bool terminal_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

void add_stats(UpsertStats& sum, const UpsertStats& more) {
  sum.inserted += more.inserted;
  sum.updated += more.updated;
  sum.unchanged += more.unchanged;
}

// Streams the source's runs in change order into the destination, kCopyBatch per transaction;
// the first failure to write stops the scan.
Status copy_runs(RunReader& from, RunWriter& to, CopyProgress& progress, CopyTotals& totals) {
  std::vector<RunRecord> batch;
  batch.reserve(kCopyBatch);
  auto flush = [&]() -> Status {
    auto written = to.upsert_runs(batch);
    if (!written) return written.error();
    add_stats(totals.stats, *written);
    totals.runs += static_cast<std::int64_t>(batch.size());
    batch.clear();
    progress.update(totals.runs);
    return {};
  };
  Status flushed;
  auto scanned = from.scan_runs(0, [&](const RunRecord& run) {
    batch.push_back(run);  // a copy: the scan reuses `run`
    if (batch.size() == kCopyBatch) flushed = flush();
    return flushed ? ScanStep::kContinue : ScanStep::kStop;
  });
  if (!scanned) return scanned.error();
  if (!flushed || batch.empty()) return flushed;
  return flush();
}

// Streams the source's jobs in their change order into the destination, kCopyBatch per
// transaction: a page of jobs is scanned (the scan stops after it), its steps read by one
// scan_steps, and the page written; the next page starts after the page's last sequence. The
// runs are copied first, so no job is orphaned unless the source held it orphaned.
Status copy_jobs(JobStore& from, JobWriter& to, CopyTotals& totals) {
  std::vector<JobRecord> page;
  page.reserve(kCopyBatch);
  ChangeSeq since = 0;
  for (;;) {
    page.clear();
    auto last = from.scan_jobs(since, [&](const JobRecord& job) {
      page.push_back(job);  // a copy: the scan reuses `job`
      return page.size() == kCopyBatch ? ScanStep::kStop : ScanStep::kContinue;
    });
    if (!last) return last.error();
    if (page.empty()) return {};
    std::vector<std::int64_t> ids;
    ids.reserve(page.size());
    std::unordered_map<std::int64_t, std::size_t> index;
    for (std::size_t i = 0; i < page.size(); ++i) {
      ids.push_back(page[i].id);
      index[page[i].id] = i;
    }
    auto stepped = from.scan_steps(ids, [&](std::int64_t job_id, const StepRecord& step) {
      page[index[job_id]].steps.push_back(step);
    });
    if (!stepped) return stepped;
    auto written = to.upsert_jobs(page);
    if (!written) return written.error();
    totals.jobs += static_cast<std::int64_t>(page.size());
    since = *last;
    if (page.size() < kCopyBatch) return {};
  }
}

// The source's job fetch records (found or not), after the jobs, a page per transaction.
Status copy_job_fetches(RunStore& from, JobWriter& to, CopyTotals& totals) {
  std::int64_t after = 0;
  for (;;) {
    auto fetches = storage::read_job_fetches(from, after, kCopyBatch);
    if (!fetches) return fetches.error();
    if (fetches->empty()) return {};
    auto written = to.commit_run_jobs(*fetches);
    if (!written) return written.error();
    totals.job_fetches += static_cast<std::int64_t>(fetches->size());
    after = fetches->back().run_id;
  }
}

// Every saved sync state, written with no runs (commit_sync replaces the state).
Status copy_sync_states(SyncStateStore& from, SyncStateStore& to, CopyTotals& totals) {
  auto repositories = from.sync_repositories();
  if (!repositories) return repositories.error();
  for (const std::string& repository : *repositories) {
    auto state = from.load_sync_state(repository);
    if (!state) return state.error();
    if (!state->has_value()) continue;  // deleted since the listing
    auto written = to.commit_sync(repository, {}, **state);
    if (!written) return written.error();
    ++totals.sync_states;
  }
  return {};
}

// Fails when the source holds neither runs nor sync states; returns the number of runs.
Result<std::int64_t> count_source(RunStore& from, const Endpoint& endpoint) {
  auto runs = from.count_runs();
  if (!runs) return runs.error();
  if (*runs > 0) return runs;
  auto states = from.sync_repositories();
  if (!states) return states.error();
  if (states->empty()) {
    return fail("--from: ", endpoint.shown, " holds no runs: there is nothing to copy");
  }
  return runs;
}

int copy_between(RunStore& from, RunStore& to, std::int64_t total) {
  CopyProgress progress(total, isatty(STDERR_FILENO) != 0);
  CopyTotals totals;
  Status copied = copy_runs(from, to, progress, totals);
  progress.finish();
  if (copied) copied = copy_jobs(from, to, totals);
  if (copied) copied = copy_job_fetches(from, to, totals);
  if (copied) copied = copy_sync_states(from, to, totals);
  if (!copied) {
    return report_error(fail(copied.error().message, " (", std::to_string(totals.runs),
                             " runs copied before the failure; run the copy again to finish)"),
                        kExitFailure);
  }
  std::fprintf(
      stderr,
      "copied %lld runs and %lld sync states from %s to %s: %lld runs new, %lld "
      "updated, %lld unchanged (%.1f s, %.0f runs/s); %lld jobs with their steps, %lld job "
      "fetch records\n",
      static_cast<long long>(totals.runs), static_cast<long long>(totals.sync_states),
      from.describe().c_str(), to.describe().c_str(), static_cast<long long>(totals.stats.inserted),
      static_cast<long long>(totals.stats.updated), static_cast<long long>(totals.stats.unchanged),
      progress.seconds(), progress.rate(totals.runs), static_cast<long long>(totals.jobs),
      static_cast<long long>(totals.job_fetches));
  return kExitOk;
}

int run_copy(const CopyOptions& options) {
  auto from = parse_endpoint("--from", options.from);
  if (!from) return report_error(from.error(), kExitUsage);
  auto to = parse_endpoint("--to", options.to);
  if (!to) return report_error(to.error(), kExitUsage);
  if (same_database(*from, *to)) {
    return report_error(fail("--from and --to name the same database (", from->shown, ")"),
                        kExitUsage);
  }
  auto source = open_source(*from);
  if (!source) return report_error(source.error(), kExitFailure);
  auto total = count_source(**source, *from);
  if (!total) return report_error(total.error(), kExitFailure);
  auto destination = storage::open_store(to->value);
  if (!destination) return report_error(destination.error(), kExitFailure);
  return copy_between(**source, **destination, *total);
}

}  // namespace

void add_db_command(CLI::App& app, CommandContext& context) {
  CLI::App* db = app.add_subcommand("db", "Database maintenance");
  db->require_subcommand(1);
  auto options = std::make_shared<CopyOptions>();
  CLI::App* copy = db->add_subcommand(
      "copy",
      "Copy every run and sync state from one database to another (SQLite or PostgreSQL), "
      "adding to what the destination holds; running it again changes nothing");
  describe(
      *copy,
      copy->add_option("--from", options->from, "Source: a SQLite path or a postgresql:// URL"),
      {"PATH|URL", "", ""})
      ->required();
  describe(
      *copy,
      copy->add_option("--to", options->to, "Destination: a SQLite path or a postgresql:// URL"),
      {"PATH|URL", "", ""})
      ->required();
  copy->callback([options, &context] { context.exit_code = run_copy(*options); });
}

}  // namespace cipette::cli
