// `cipette metrics`: the dashboard's numbers as a terminal table, JSON or CSV.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cipette/cli/command.h"
#include "cipette/cli/help_format.h"
#include "cipette/cli/store_access.h"
#include "cipette/cli/suggest.h"
#include "cipette/core/engine/scope.h"
#include "cipette/core/job_metrics.h"
#include "cipette/core/metrics.h"
#include "cipette/core/period_parse.h"
#include "cipette/core/run.h"
#include "cipette/views/job_report_json.h"
#include "cipette/views/job_report_text.h"
#include "cipette/views/report_json.h"
#include "cipette/views/report_text.h"

namespace cipette::cli {

namespace {

constexpr int kDefaultPeriodDays = 30;

struct MetricsOptions {
  std::string db, period, from, to, repository, workflow, branch, event, format = "table";
  std::string by = "workflow";
  std::string runner_rates;
  CLI::Option* db_option = nullptr;
  CLI::Option* rates_option = nullptr;
  CLI::Option* period_option = nullptr;
  CLI::Option* from_option = nullptr;
  CLI::Option* to_option = nullptr;
};

// Builds the query scope from the flags; fails naming the flag.
Result<Scope> scope_from(const MetricsOptions& options, Timestamp now) {
  PeriodError error{};
  auto period = parse_period({options.period, options.from, options.to}, now,
                             Period::last_days(kDefaultPeriodDays), &error);
  if (!period) {
    const CLI::Option* flag = error.field == PeriodField::kPeriod ? options.period_option
                              : error.field == PeriodField::kFrom ? options.from_option
                                                                  : options.to_option;
    return fail(fmt::format("{}: {}", flag->get_name(), error.message));
  }
  if (!options.repository.empty() && !is_valid_repository_name(options.repository)) {
    return fail(fmt::format("--repo: expected owner/name, got \"{}\"", options.repository));
  }
  Scope scope{*period, now, options.repository, options.workflow, options.branch, options.event};
  if (auto valid = validate_scope(scope); !valid) return valid.error();
  return scope;
}

// A filter flag, the field of Scope it sets and what its values are.
struct Filter {
  const char* flag;
  std::string Scope::*field;
  const char* values;
};
constexpr Filter kFilters[] = {{"--repo", &Scope::repository, "repositories"},
                               {"--workflow", &Scope::workflow, "workflows"},
                               {"--branch", &Scope::branch, "branches"},
                               {"--event", &Scope::event, "events"}};

// The values stored for a filter's field, offered when it matches nothing: the repositories,
// the names of the workflows (of the scope's repository, if any), the branches or the events.
std::vector<std::string> stored_values(const RunTable& table, const Scope& scope,
                                       std::string Scope::*field) {
  std::vector<std::string> values;
  if (field == &Scope::repository) return table.repositories();
  if (field == &Scope::workflow) {
    Scope of_repository = scope;
    of_repository.workflow = of_repository.branch = of_repository.event = "";
    for (NameId w : matching_workflows(table, of_repository))
      values.push_back(table.workflows()[w].name);
  } else {
    values = field == &Scope::branch ? table.branches() : table.events();
  }
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  std::erase(values, "");  // index 0 of branches and events: none recorded
  return values;
}

// Fails when the filters name nothing stored, by the rule every query resolves its scope with
// (engine::resolve_scope finds no workflow; the dashboard's 404 for an unknown workflow is the
// same rule): names the first filter that matches nothing on its own, with the stored values
// nearest to it, or the repository and workflow together when only both do.
Status check_filters_match(const RunTable& table, const Scope& scope) {
  bool filtered = std::any_of(std::begin(kFilters), std::end(kFilters),
                              [&](const Filter& f) { return !(scope.*f.field).empty(); });
  if (!filtered || !engine::resolve_scope(table, scope).workflows.empty()) return {};
  constexpr std::size_t kShown = 5;
  for (const Filter& filter : kFilters) {
    const std::string& value = scope.*filter.field;
    if (value.empty()) continue;
    Scope alone = scope;
    for (const Filter& other : kFilters) {
      if (other.field != filter.field) (alone.*other.field).clear();
    }
    if (!engine::resolve_scope(table, alone).workflows.empty()) continue;
    return fail(
        fmt::format("no runs match {} {}; stored {}: {}", filter.flag, value, filter.values,
                    nearest_names(value, stored_values(table, alone, filter.field), kShown)));
  }
  // Each names something stored, but the workflow is not one of the repository's.
  return fail(fmt::format(
      "no runs match --repo {} with --workflow {}; workflows of {}: {}", scope.repository,
      scope.workflow, scope.repository,
      nearest_names(scope.workflow, stored_values(table, scope, &Scope::workflow), kShown)));
}

bool colour_wanted() { return isatty(STDOUT_FILENO) != 0 && std::getenv("NO_COLOR") == nullptr; }

// Writes `text` to standard output; fails when it cannot.
int print(const std::string& text) {
  std::cout << text;
  std::cout.flush();
  return std::cout ? kExitOk : report_error(fail("writing to standard output"), kExitFailure);
}

int print_workflows(const MetricsOptions& options, const std::string& database,
                    const Scope& scope) {
  auto table = load_existing_table(database);
  if (!table) return report_error(table.error(), kExitFailure);
  if (auto match = check_filters_match(**table, scope); !match) {
    return report_error(match.error(), kExitFailure);
  }
  MetricsReport report = compute_metrics(**table, scope);
  if (options.format == "json")
    return print(views::json_text(views::metrics_json(report), 2) + '\n');
  if (options.format == "csv") return print(views::metrics_csv(report));
  return print(views::metrics_table(report, colour_wanted()));
}

// --by job and --by runner: the job table beside the run table (docs/metrics.md, "Jobs, queue
// time and runners").
int print_jobs(const MetricsOptions& options, const std::string& database, const Scope& scope,
               const RunnerRates& rates) {
  auto tables = load_existing_tables(database);
  if (!tables) return report_error(tables.error(), kExitFailure);
  const RunTable& runs = *tables->runs;
  const JobTable& jobs = *tables->jobs;
  if (auto match = check_filters_match(runs, scope); !match) {
    return report_error(match.error(), kExitFailure);
  }
  if (options.by == "job") {
    std::vector<JobRow> rows = compute_job_metrics(runs, jobs, scope);
    if (options.format == "json")
      return print(views::json_text(views::jobs_json(scope, rows), 2) + '\n');
    if (options.format == "csv") return print(views::jobs_csv(rows));
    return print(views::jobs_table(scope, rows));
  }
  std::vector<RunnerRow> rows = compute_runner_metrics(runs, jobs, scope);
  if (options.format == "json") {
    auto days = compute_daily_queue(runs, jobs, scope);
    return print(views::json_text(views::runners_json(scope, rows, days, rates), 2) + '\n');
  }
  if (options.format == "csv") return print(views::runners_csv(rows, rates));
  return print(views::runners_table(scope, rows, rates));
}

int run_metrics(const MetricsOptions& options, const Environment& env) {
  if (options.format != "table" && options.format != "json" && options.format != "csv") {
    return report_error(
        fail(fmt::format("--format: expected table, json or csv, got \"{}\"", options.format)),
        kExitUsage);
  }
  if (options.by != "workflow" && options.by != "job" && options.by != "runner") {
    return report_error(
        fail(fmt::format("--by: expected workflow, job or runner, got \"{}\"", options.by)),
        kExitUsage);
  }
  auto scope = scope_from(options, now_utc());
  if (!scope) return report_error(scope.error(), kExitUsage);
  // Read whatever --by is, so that a malformed value is found before it matters.
  auto rates = resolve_runner_rates(flag_of(options.rates_option, options.runner_rates), env);
  if (!rates) return report_error(rates.error(), kExitUsage);
  Setting database = resolve_database(flag_of(options.db_option, options.db), env);
  if (options.by == "workflow") return print_workflows(options, database.value, *scope);
  return print_jobs(options, database.value, *scope, *rates);
}

}  // namespace

void add_metrics_command(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<MetricsOptions>();
  CLI::App* cmd = app.add_subcommand(
      "metrics",
      "Print duration, success rate, re-runs and flakiness, throughput and MTTR per workflow");
  options->db_option = add_database_option(*cmd, options->db);
  options->period_option =
      describe(*cmd, cmd->add_option("--period", options->period, "Last N days (1-3650) or all"),
               {"DAYS|all", std::to_string(kDefaultPeriodDays), ""});
  options->from_option = describe(
      *cmd, cmd->add_option("--from", options->from, "Start of a range instead of --period"),
      {"DATE|TIME", "", ""});
  options->to_option = describe(
      *cmd, cmd->add_option("--to", options->to, "End of the range (a date includes that day)"),
      {"DATE|TIME", "now", ""});
  describe(*cmd,
           cmd->add_option("--repo,--repository", options->repository, "Only this repository"),
           {"OWNER/NAME", "", ""});
  describe(*cmd,
           cmd->add_option("--workflow", options->workflow,
                           "Only this workflow, by name, file name (ci.yml) or id"),
           {"WORKFLOW", "", ""});
  describe(*cmd, cmd->add_option("--branch", options->branch, "Only runs on this branch"),
           {"BRANCH", "", ""});
  describe(*cmd,
           cmd->add_option("--event", options->event,
                           "Only runs triggered by this event (push, pull_request, ...)"),
           {"EVENT", "", ""});
  describe(*cmd, cmd->add_option("--format", options->format, "Output format"),
           {"table|json|csv", "", ""})
      ->capture_default_str();
  describe(*cmd,
           cmd->add_option("--by", options->by,
                           "One row per workflow, per job (matrix legs grouped) or per runner "
                           "label set and group"),
           {"workflow|job|runner", "", ""})
      ->capture_default_str();
  options->rates_option =
      describe(*cmd,
               cmd->add_option("--runner-rates", options->runner_rates,
                               "Per-minute rates for --by runner's estimated cost, e.g. "
                               "ubuntu-latest=0.008,windows-latest=0.016"),
               {"LABEL=RATE,...", "none", "CIPETTE_RUNNER_RATES"});
  cmd->callback([options, &context] { context.exit_code = run_metrics(*options, *context.env); });
}

}  // namespace cipette::cli
