// `cipette import FILE...`: runs saved from the GitHub API into the database.
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <sstream>

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
  return runs;
}

int run_import(const ImportOptions& options, const Environment& env) {
  auto runs = parse_files(options.files);
  if (!runs) return report_error(fail(runs.error().message, " (nothing imported)"), kExitFailure);
  Setting database = resolve_database(flag_of(options.db_option, options.db), env);
  auto store = storage::open_store(database.value);
  if (!store) return report_error(store.error(), kExitFailure);
  auto stats = (*store)->upsert_runs(*runs);
  if (!stats) return report_error(fail(stats.error().message, " (nothing imported)"), kExitFailure);
  std::fprintf(stderr, "imported %zu runs into %s: %lld new, %lld updated, %lld unchanged\n",
               runs->size(), (*store)->describe().c_str(), static_cast<long long>(stats->inserted),
               static_cast<long long>(stats->updated), static_cast<long long>(stats->unchanged));
  return kExitOk;
}

}  // namespace

void add_import_command(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<ImportOptions>();
  CLI::App* cmd = app.add_subcommand(
      "import", "Load runs from GitHub API JSON saved by hand (gh api --paginate ...)");
  cmd->add_option("files", options->files, "JSON files: list-workflow-runs pages, run arrays")
      ->required();
  options->db_option =
      cmd->add_option("--db,--database-url", options->db, "Database (default: DATABASE_URL)");
  cmd->callback([options, &context] { context.exit_code = run_import(*options, *context.env); });
}

}  // namespace cipette::cli
