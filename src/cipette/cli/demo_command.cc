// `cipette demo`: a realistic synthetic history in its own database, then the dashboard.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cipette/cli/command.h"
#include "cipette/cli/help_format.h"
#include "cipette/cli/serve_runner.h"
#include "cipette/cli/store_access.h"
#include "cipette/core/metrics.h"
#include "cipette/demo/demo_history.h"
#include "cipette/demo/demo_jobs.h"
#include "cipette/storage/sqlite_store.h"
#include "cipette/views/report_text.h"

namespace cipette::cli {

namespace {

inline constexpr const char* kDemoDatabase = "data/demo.db";

struct DemoOptions {
  std::string db = kDemoDatabase;
  std::string runs = "50000";
  std::string seed = "42";
  std::string end;
  bool no_serve = false;
  ServeFlags serve;
  CLI::Option* db_option = nullptr;
};

// The demo owns data/demo.db and rebuilds it every time; a path the user chose is written only
// when it does not exist yet, so that a typo cannot replace a real history.
Status prepare_target(const std::string& path, bool chosen_by_user) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) return {};
  if (chosen_by_user && path != kDemoDatabase) {
    return fail("--db: ", path, " already exists; the demo writes only a new file ",
                "(remove it, or choose another path)");
  }
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix, ec);
  if (fs::exists(path, ec)) return fail("cannot replace ", path, ": ", ec.message());
  return {};
}

Result<Timestamp> demo_end(const std::string& end) {
  if (end.empty()) return now_utc();
  auto parsed = parse_date_or_timestamp(end);
  if (!parsed) return fail("--end: ", parsed.error().message);
  return *parsed;
}

// Jobs of the runs of the last 30 days get their steps, older ones none: steps are ~7 rows a
// job, and writing all of them made the default demo more than twice as slow (docs/decisions.md,
// "Demo jobs").
constexpr int kDemoStepDays = 30;
Timestamp demo_steps_since(Timestamp end) { return end - kDemoStepDays * kSecondsPerDay; }

// Runs per job write: a transaction of ~6,000 jobs, and the generator's records stay small.
constexpr std::size_t kJobChunkRuns = 1000;

// Generates the history straight into the store, batch by batch: each batch's runs, then their
// jobs (a job whose run is not stored would be skipped as orphaned).
Status generate_into(const std::string& path, const demo::DemoOptions& options) {
  auto store = storage::SqliteStore::open(path);
  if (!store) return store.error();
  Status status;
  std::int64_t jobs = 0;
  demo::JobGenerator job_generator({options.seed, options.end, demo_steps_since(options.end)});
  auto started = std::chrono::steady_clock::now();
  demo::generate_history(options, [&](std::span<const RunRecord> batch) {
    if (!status) return;
    auto written = (*store)->upsert_runs(batch);
    if (!written) {
      status = written.error();
      return;
    }
    for (std::size_t at = 0; at < batch.size() && status; at += kJobChunkRuns) {
      auto chunk = batch.subspan(at, std::min(kJobChunkRuns, batch.size() - at));
      auto stored = (*store)->upsert_jobs(job_generator.jobs_of(chunk));
      if (!stored) status = stored.error();
      if (stored) jobs += stored->inserted;
    }
  });
  if (!status) return status;
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::fprintf(stderr, "demo: wrote %lld runs and %lld jobs to %s in %.1f s\n",
               static_cast<long long>(options.runs), static_cast<long long>(jobs), path.c_str(),
               seconds);
  return {};
}

// Without the dashboard, the demo shows what it made as the metrics table of the last 30 days.
int print_summary(const std::string& path) {
  auto table = load_existing_table(path);
  if (!table) return report_error(table.error(), kExitFailure);
  Scope scope;
  scope.period = Period::last_days(30);
  scope.now = now_utc();
  std::cout << views::metrics_table(compute_metrics(**table, scope), isatty(STDOUT_FILENO) != 0);
  return kExitOk;
}

int run_demo(const DemoOptions& options, const Environment& env) {
  auto runs = read_int(Setting{options.runs, "--runs"}, 1, 10'000'000);
  if (!runs) return report_error(runs.error(), kExitUsage);
  auto seed = read_int(Setting{options.seed, "--seed"}, 0, 2'000'000'000);
  if (!seed) return report_error(seed.error(), kExitUsage);
  auto end = demo_end(options.end);
  if (!end) return report_error(end.error(), kExitUsage);
  Result<ServeConfig> serve_config = ServeConfig{};
  if (!options.no_serve) {
    serve_config = resolve_serve_config(options.serve, env);
    if (!serve_config) return report_error(serve_config.error(), kExitUsage);
  }
  bool chosen = options.db_option->count() > 0;
  if (auto ready = prepare_target(options.db, chosen); !ready) {
    return report_error(ready.error(), chosen ? kExitUsage : kExitFailure);
  }
  demo::DemoOptions generate{static_cast<std::uint64_t>(*seed), *runs, *end};
  if (auto done = generate_into(options.db, generate); !done) {
    return report_error(done.error(), kExitFailure);
  }
  if (options.no_serve) return print_summary(options.db);
  serve_config->database_url = options.db;
  return run_server(*serve_config);
}

}  // namespace

void add_demo_command(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<DemoOptions>();
  CLI::App* cmd = app.add_subcommand(
      "demo", "Create a demo database with a realistic synthetic history and serve it");
  options->db_option =
      describe(*cmd, cmd->add_option("--db", options->db, "Demo database to create"),
               {"PATH", "", ""})
          ->capture_default_str();
  describe(*cmd, cmd->add_option("--runs", options->runs, "Number of runs to generate"),
           {"N", "", ""})
      ->capture_default_str();
  describe(
      *cmd,
      cmd->add_option("--seed", options->seed, "Random seed; the same seed gives the same history"),
      {"N", "", ""})
      ->capture_default_str();
  describe(*cmd, cmd->add_option("--end", options->end, "Time of the newest runs"),
           {"TIME", "now", ""});
  cmd->add_flag("--no-serve", options->no_serve,
                "Write the database and print its metrics table instead of serving it");
  add_serve_flags(*cmd, options->serve);
  cmd->callback([options, &context] { context.exit_code = run_demo(*options, *context.env); });
}

}  // namespace cipette::cli
