// `cipette import FILE...`: runs saved from the GitHub API into the database.
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <unordered_map>

#include "cipette/cli/command.h"
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

// Parses every file before writing anything, so that one bad file leaves the database as it was.
Result<std::vector<RunRecord>> parse_files(const std::vector<std::string>& files) {
  std::vector<RunRecord> runs;
  for (const std::string& file : files) {
    auto text = read_whole_file(file);
    if (!text) return text.error();
    auto parsed = github::parse_runs_document(*text, file);
    if (!parsed) return parsed.error();
    std::fprintf(stderr, "read %s: %zu runs\n", file.c_str(), parsed->size());
    runs.insert(runs.end(), std::make_move_iterator(parsed->begin()),
                std::make_move_iterator(parsed->end()));
  }
  return group_attempts(std::move(runs));
}

int run_import(const ImportOptions& options, const Environment& env) {
  auto runs = parse_files(options.files);
  if (!runs) return report_error(fail(runs.error().message, " (nothing imported)"), kExitFailure);
  Setting database = resolve_database(flag_of(options.db_option, options.db), env);
  auto store = storage::open_store(database.value);
  if (!store) return report_error(store.error(), kExitFailure);
  auto stats = (*store)->upsert_runs(*runs);
  if (!stats) return report_error(fail(stats.error().message, " (nothing imported)"), kExitFailure);
  std::size_t attempts = count_attempts(*runs);
  std::string with_attempts =
      attempts == 0 ? "" : fmt::format(" with {} earlier attempts", attempts);
  std::fprintf(stderr, "imported %zu runs%s into %s: %lld new, %lld updated, %lld unchanged\n",
               runs->size(), with_attempts.c_str(), (*store)->describe().c_str(),
               static_cast<long long>(stats->inserted), static_cast<long long>(stats->updated),
               static_cast<long long>(stats->unchanged));
  return kExitOk;
}

}  // namespace

void add_import_command(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<ImportOptions>();
  CLI::App* cmd = app.add_subcommand(
      "import",
      "Load runs from GitHub API JSON saved by hand (gh api --paginate ...). Objects of one run "
      "id are one run: the one with the highest run_attempt is the run, the others (e.g. saved "
      "from .../runs/{id}/attempts/{k}) its earlier attempts; of two with the same attempt, the "
      "later version (completed over unfinished, then the later updated_at) is kept");
  cmd->add_option("files", options->files,
                  "JSON files: list-workflow-runs pages, run arrays, run or attempt objects")
      ->required();
  options->db_option =
      cmd->add_option("--db,--database-url", options->db, "Database (default: DATABASE_URL)");
  cmd->callback([options, &context] { context.exit_code = run_import(*options, *context.env); });
}

}  // namespace cipette::cli
