// `cipette import FILE...`: runs and jobs saved from the GitHub API into the database.
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <unordered_map>

#include "cipette/cli/command.h"
#include "cipette/cli/help_format.h"
#include "cipette/github/job_json.h"
#include "cipette/github/run_json.h"
#include "cipette/storage/store_factory.h"

namespace cipette::cli {

namespace {

struct ImportOptions {
  std::vector<std::string> files;
  std::string db;
  CLI::Option* db_option = nullptr;
};

Result<std::string> read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("cannot read ", path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return fail("reading ", path);
  return text.str();
}

// One earlier attempt of a run, from the object GitHub answers for it (the run's shape).
AttemptRecord attempt_of(const RunRecord& object) {
  AttemptRecord attempt;
  attempt.run_id = object.id;
  attempt.attempt = object.run_attempt;
  attempt.status = object.status;
  attempt.conclusion = object.conclusion;
  attempt.run_started_at = object.run_started_at;
  attempt.updated_at = object.updated_at;
  return attempt;
}

// The objects of one run id, in file order: the one with the highest run_attempt is the run
// and the others its earlier attempts; of two with the same attempt, the greater run_version
// (RunRecord::version()) is kept, and of equal versions the later one.
RunRecord fold_attempts(std::vector<RunRecord> objects) {
  std::map<std::int64_t, RunRecord> by_attempt;
  for (RunRecord& object : objects) {
    auto kept = by_attempt.find(object.run_attempt);
    if (kept == by_attempt.end()) {
      by_attempt.emplace(object.run_attempt, std::move(object));
    } else if (object.version() >= kept->second.version()) {
      kept->second = std::move(object);
    }
  }
  RunRecord run = std::move(std::prev(by_attempt.end())->second);
  by_attempt.erase(std::prev(by_attempt.end()));
  run.earlier_attempts.clear();
  for (const auto& [number, object] : by_attempt)
    run.earlier_attempts.push_back(attempt_of(object));
  return run;
}

// Attempt objects (GET .../runs/{id}/attempts/{k}) have the shape of runs: groups the objects
// by run id, in the order each id first appears, into one run with its earlier attempts.
std::vector<RunRecord> group_attempts(std::vector<RunRecord> objects) {
  std::vector<std::int64_t> order;
  std::unordered_map<std::int64_t, std::vector<RunRecord>> by_id;
  for (RunRecord& object : objects) {
    auto& group = by_id[object.id];
    if (group.empty()) order.push_back(object.id);
    group.push_back(std::move(object));
  }
  std::vector<RunRecord> runs;
  runs.reserve(order.size());
  for (std::int64_t id : order) runs.push_back(fold_attempts(std::move(by_id[id])));
  return runs;
}

std::size_t count_attempts(const std::vector<RunRecord>& runs) {
  std::size_t count = 0;
  for (const RunRecord& run : runs) count += run.earlier_attempts.size();
  return count;
}

struct Parsed {
  std::vector<RunRecord> runs;
  std::vector<JobRecord> jobs;
};

// Parses every file before writing anything, so that one bad file leaves the database as it
// was. A file holds runs or jobs (github::looks_like_jobs), not both.
Result<Parsed> parse_files(const std::vector<std::string>& files) {
  Parsed parsed;
  for (const std::string& file : files) {
    auto text = read_whole_file(file);
    if (!text) return text.error();
    if (github::looks_like_jobs(*text)) {
      auto jobs = github::parse_jobs_document(*text, file);
      if (!jobs) return jobs.error();
      std::fprintf(stderr, "read %s: %zu jobs\n", file.c_str(), jobs->size());
      parsed.jobs.insert(parsed.jobs.end(), std::make_move_iterator(jobs->begin()),
                         std::make_move_iterator(jobs->end()));
      continue;
    }
    auto runs = github::parse_runs_document(*text, file);
    if (!runs) return runs.error();
    std::fprintf(stderr, "read %s: %zu runs\n", file.c_str(), runs->size());
    parsed.runs.insert(parsed.runs.end(), std::make_move_iterator(runs->begin()),
                       std::make_move_iterator(runs->end()));
  }
  parsed.runs = group_attempts(std::move(parsed.runs));
  return parsed;
}

void report_runs(const std::vector<RunRecord>& runs, const UpsertStats& stats,
                 const RunStore& store) {
  std::size_t attempts = count_attempts(runs);
  std::string with_attempts =
      attempts == 0 ? "" : fmt::format(" with {} earlier attempts", attempts);
  std::fprintf(stderr, "imported %zu runs%s into %s: %lld new, %lld updated, %lld unchanged\n",
               runs.size(), with_attempts.c_str(), store.describe().c_str(),
               static_cast<long long>(stats.inserted), static_cast<long long>(stats.updated),
               static_cast<long long>(stats.unchanged));
}

void report_jobs(std::size_t jobs, const JobUpsertStats& stats, const RunStore& store) {
  std::string orphaned =
      stats.orphaned == 0
          ? ""
          : fmt::format(
                ", {} skipped (their run is not stored: import the runs too, in this "
                "command or before)",
                stats.orphaned);
  std::fprintf(stderr, "imported %zu jobs into %s: %lld new, %lld updated, %lld unchanged%s\n",
               jobs, store.describe().c_str(), static_cast<long long>(stats.inserted),
               static_cast<long long>(stats.updated), static_cast<long long>(stats.unchanged),
               orphaned.c_str());
}

int run_import(const ImportOptions& options, const Environment& env) {
  auto parsed = parse_files(options.files);
  if (!parsed) {
    return report_error(fail(parsed.error().message, " (nothing imported)"), kExitFailure);
  }
  Setting database = resolve_database(flag_of(options.db_option, options.db), env);
  auto store = storage::open_store(database.value);
  if (!store) return report_error(store.error(), kExitFailure);
  // Runs first, so that the jobs of runs imported together find their run.
  if (!parsed->runs.empty() || parsed->jobs.empty()) {
    auto stats = (*store)->upsert_runs(parsed->runs);
    if (!stats) {
      return report_error(fail(stats.error().message, " (nothing imported)"), kExitFailure);
    }
    report_runs(parsed->runs, *stats, **store);
  }
  if (!parsed->jobs.empty()) {
    auto stats = (*store)->upsert_jobs(parsed->jobs);
    if (!stats) {
      std::string_view what = parsed->runs.empty() ? " (nothing imported)" : " (no jobs imported)";
      return report_error(fail(stats.error().message, what), kExitFailure);
    }
    report_jobs(parsed->jobs.size(), *stats, **store);
  }
  return kExitOk;
}

}  // namespace

void add_import_command(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<ImportOptions>();
  CLI::App* cmd = app.add_subcommand(
      "import",
      "Load runs and jobs from GitHub API JSON saved by hand (gh api --paginate ...). Objects of "
      "one run id are one run: the one with the highest run_attempt is the run, the others (e.g. "
      "saved from .../runs/{id}/attempts/{k}) its earlier attempts; of two with the same "
      "attempt, the later version (completed over in progress over queued, then the later "
      "updated_at) is kept. Jobs (gh api --paginate repos/O/R/actions/runs/ID/jobs) are stored "
      "for the runs the database holds");
  describe(*cmd,
           cmd->add_option("files", options->files,
                           "JSON files: list-workflow-runs pages, run arrays, run or attempt "
                           "objects, list-jobs pages, job objects"),
           {"FILE", "", ""})
      ->required();
  options->db_option = add_database_option(*cmd, options->db);
  cmd->callback([options, &context] { context.exit_code = run_import(*options, *context.env); });
}

}  // namespace cipette::cli
