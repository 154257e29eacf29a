// `cipette collect`: workflow runs from the GitHub API into the database, incrementally.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "cipette/cli/command.h"
#include "cipette/cli/help_format.h"
#include "cipette/collector/collect.h"
#include "cipette/github/endpoints.h"
#include "cipette/storage/store_factory.h"

namespace cipette::cli {

namespace {

// Defaults of the settings that have no constant of their own in collector/.
constexpr const char* kDefaultConcurrency = "4";
constexpr const char* kDefaultLeaseTtl = "60";
constexpr const char* kDefaultMaxWait = "600";

struct CollectFlags {
  std::vector<std::string> repos, orgs;
  std::string db, api_url, since, concurrency, lease_ttl, max_wait, rescan_days, jobs_since,
      jobs_reserve;
  bool no_jobs = false;
  CLI::Option* repo_option = nullptr;
  CLI::Option* db_option = nullptr;
  CLI::Option* api_url_option = nullptr;
  CLI::Option* concurrency_option = nullptr;
  CLI::Option* lease_ttl_option = nullptr;
  CLI::Option* max_wait_option = nullptr;
  CLI::Option* rescan_days_option = nullptr;
  CLI::Option* jobs_since_option = nullptr;
  CLI::Option* jobs_reserve_option = nullptr;
};

// --repo may be repeated and each may be a comma list; together they replace
// TARGET_REPOSITORIES.
Result<std::vector<std::string>> resolve_repositories(const CollectFlags& flags,
                                                      const Environment& env) {
  std::string joined;
  for (const std::string& repo : flags.repos) joined += (joined.empty() ? "" : ",") + repo;
  Setting setting = resolve(flag_of(flags.repo_option, joined), env, {"TARGET_REPOSITORIES"}, "");
  auto repositories = read_repositories(setting);
  if (!repositories) return repositories.error();
  for (const std::string& name : *repositories) {
    if (!github::is_api_repository_name(name)) {
      return fail(fmt::format("{}: \"{}\" is not a repository in the form owner/name",
                              setting.origin, name));
    }
  }
  return repositories;
}

Result<std::vector<std::string>> resolve_organisations(const CollectFlags& flags) {
  for (const std::string& org : flags.orgs) {
    if (!github::is_valid_organisation_name(org)) {
      return fail(fmt::format("--org: expected an organisation name, got \"{}\"", org));
    }
  }
  return flags.orgs;
}

Status resolve_sync(const CollectFlags& flags, const Environment& env,
                    collector::CollectOptions& options) {
  if (!flags.since.empty()) {
    auto since = parse_date_or_timestamp(flags.since);
    if (!since) return fail("--since: ", since.error().message);
    options.sync.since = *since;
  }
  Setting concurrency_setting =
      resolve(flag_of(flags.concurrency_option, flags.concurrency), env, {}, kDefaultConcurrency);
  auto concurrency = read_int(concurrency_setting, 1, collector::kMaxConcurrency);
  if (!concurrency) return concurrency.error();
  options.concurrency = *concurrency;
  auto lease_ttl = read_int(resolve(flag_of(flags.lease_ttl_option, flags.lease_ttl), env,
                                    {"CIPETTE_LEASE_TTL"}, kDefaultLeaseTtl),
                            1, 86400);
  if (!lease_ttl) return lease_ttl.error();
  options.lease.ttl = std::chrono::seconds(*lease_ttl);
  auto rescan_days =
      read_int(resolve(flag_of(flags.rescan_days_option, flags.rescan_days), env,
                       {"CIPETTE_RESCAN_DAYS"}, std::to_string(collector::kDefaultRescanDays)),
               0, collector::kMaxRescanDays);
  if (!rescan_days) return rescan_days.error();
  options.sync.rescan_days = *rescan_days;
  return {};
}

// --max-wait / CIPETTE_MAX_WAIT: the longest wait of any kind before a repository fails.
Status resolve_max_wait(const CollectFlags& flags, const Environment& env,
                        collector::CollectOptions& options) {
  auto max_wait = read_int(resolve(flag_of(flags.max_wait_option, flags.max_wait), env,
                                   {"CIPETTE_MAX_WAIT"}, kDefaultMaxWait),
                           0, 86400);
  if (!max_wait) return max_wait.error();
  options.client.retry.max_wait = std::chrono::seconds(*max_wait);
  return {};
}

// The job phase (README.md, "Collecting jobs"): --no-jobs, --jobs-since / CIPETTE_JOBS_SINCE
// (default: kDefaultJobsDays before now), --jobs-reserve / CIPETTE_JOBS_RESERVE (default:
// max(500, a tenth of the hourly limit)). Both are checked even with --no-jobs.
Status resolve_jobs(const CollectFlags& flags, const Environment& env,
                    collector::CollectOptions& options) {
  collector::JobOptions& jobs = options.sync.jobs;
  Setting since =
      resolve(flag_of(flags.jobs_since_option, flags.jobs_since), env, {"CIPETTE_JOBS_SINCE"}, "");
  if (since.origin == "default") {
    jobs.since = now_utc() - Timestamp{collector::kDefaultJobsDays} * kSecondsPerDay;
  } else {
    auto date = read_date(since);
    if (!date) return date.error();
    jobs.since = *date;
  }
  Setting reserve = resolve(flag_of(flags.jobs_reserve_option, flags.jobs_reserve), env,
                            {"CIPETTE_JOBS_RESERVE"}, "");
  if (reserve.origin != "default") {
    auto requests = read_int(reserve, 0, 1'000'000);
    if (!requests) return requests.error();
    jobs.reserve = *requests;
  }
  jobs.enabled = !flags.no_jobs;
  return {};
}

// Everything `collect` needs from flags, environment and .env; fails on the first bad value.
Result<collector::CollectOptions> resolve_options(const CollectFlags& flags,
                                                  const Environment& env) {
  collector::CollectOptions options;
  auto token = env.lookup({"GITHUB_TOKEN"});
  if (!token) {
    return fail(
        "GITHUB_TOKEN is not set: set it (in the environment or .env) to a token that "
        "can read the repositories' Actions");
  }
  options.client.token = token->value;
  auto api_url = read_url(resolve(flag_of(flags.api_url_option, flags.api_url), env,
                                  {"GITHUB_API_URL"}, std::string(github::kDefaultApiUrl)));
  if (!api_url) return api_url.error();
  options.client.api_url = *api_url;
  auto repositories = resolve_repositories(flags, env);
  if (!repositories) return repositories.error();
  options.repositories = std::move(*repositories);
  auto organisations = resolve_organisations(flags);
  if (!organisations) return organisations.error();
  options.organisations = std::move(*organisations);
  if (options.repositories.empty() && options.organisations.empty()) {
    return fail("no repositories to collect: set TARGET_REPOSITORIES or pass --repo or --org");
  }
  if (auto sync = resolve_sync(flags, env, options); !sync) return sync.error();
  if (auto waits = resolve_max_wait(flags, env, options); !waits) return waits.error();
  if (auto jobs = resolve_jobs(flags, env, options); !jobs) return jobs.error();
  return options;
}

std::unique_ptr<collector::ProgressSink> make_progress(const std::string& token) {
  if (isatty(STDERR_FILENO) != 0) {
    return std::make_unique<collector::TerminalProgress>(stderr, token);
  }
  return std::make_unique<collector::LogProgress>(stderr, token);
}

int run_collect(const CollectFlags& flags, const Environment& env) {
  auto options = resolve_options(flags, env);
  if (!options) return report_error(options.error(), kExitUsage);
  Setting database = resolve_database(flag_of(flags.db_option, flags.db), env);
  // Opened once here so that a bad database stops everything before the first request (and
  // migrations run once, not in every worker).
  auto first = storage::open_store(database.value);
  if (!first) return report_error(first.error(), kExitFailure);
  collector::StoreOpener open_store = [url = database.value] { return storage::open_store(url); };
  collector::TransportFactory make_transport =
      []() -> Result<std::unique_ptr<github::HttpTransport>> {
    auto transport = github::CurlTransport::create();
    if (!transport) return transport.error();
    return std::unique_ptr<github::HttpTransport>(std::move(*transport));
  };
  collector::CollectReport report;
  {
    auto progress = make_progress(options->client.token);
    report = collector::collect(*options, open_store, make_transport, *progress);
  }
  std::string summary =
      collector::redact(collector::describe_summary(report), options->client.token);
  std::fputs(summary.c_str(), stderr);
  return report.ok() ? kExitOk : kExitFailure;
}

}  // namespace

void add_collect_command(CLI::App& app, CommandContext& context) {
  auto flags = std::make_shared<CollectFlags>();
  CLI::App* cmd = app.add_subcommand(
      "collect", "Fetch workflow runs from the GitHub API into the database, incrementally");
  cmd->footer(
      app.get_footer() +
      "\nThe GitHub token is read from GITHUB_TOKEN (environment or .env); it is never printed.");
  flags->repo_option =
      describe(*cmd,
               cmd->add_option("--repo", flags->repos,
                               "Repositories to collect (repeatable, or a comma list)"),
               {"OWNER/NAME", "", "TARGET_REPOSITORIES"});
  describe(*cmd,
           cmd->add_option("--org", flags->orgs,
                           "Also every repository of this organisation (repeatable)"),
           {"ORG", "", ""});
  flags->concurrency_option = describe(
      *cmd,
      cmd->add_option("--concurrency", flags->concurrency,
                      fmt::format("Repositories synced at once, 1-{}", collector::kMaxConcurrency)),
      {"N", kDefaultConcurrency, ""});
  flags->lease_ttl_option = describe(
      *cmd,
      cmd->add_option("--lease-ttl", flags->lease_ttl,
                      "Seconds a crashed collector keeps its repositories from others, 1-86400"),
      {"SECONDS", kDefaultLeaseTtl, "CIPETTE_LEASE_TTL"});
  flags->max_wait_option =
      describe(*cmd,
               cmd->add_option("--max-wait", flags->max_wait,
                               "Longest wait (rate limit, Retry-After, backoff), 0-86400, before a "
                               "repository fails instead"),
               {"SECONDS", kDefaultMaxWait, "CIPETTE_MAX_WAIT"});
  flags->rescan_days_option = describe(
      *cmd,
      cmd->add_option("--rescan-days", flags->rescan_days,
                      fmt::format("Days of recent history listed again on every sync to catch "
                                  "re-runs, 0-{} (unchanged days cost a free 304)",
                                  collector::kMaxRescanDays)),
      {"DAYS", std::to_string(collector::kDefaultRescanDays), "CIPETTE_RESCAN_DAYS"});
  cmd->add_flag("--no-jobs", flags->no_jobs, "Do not fetch jobs and steps (runs only)");
  flags->jobs_since_option = describe(
      *cmd,
      cmd->add_option("--jobs-since", flags->jobs_since, "Oldest runs whose jobs are fetched"),
      {"DATE|TIME", fmt::format("{} days ago", collector::kDefaultJobsDays), "CIPETTE_JOBS_SINCE"});
  flags->jobs_reserve_option = describe(
      *cmd,
      cmd->add_option("--jobs-reserve", flags->jobs_reserve,
                      "Requests of the hourly budget that fetching jobs leaves to listing runs"),
      {"N", "max(500, a tenth of the limit)", "CIPETTE_JOBS_RESERVE"});
  describe(*cmd, cmd->add_option("--since", flags->since, "Oldest runs wanted"),
           {"DATE|TIME", "the whole history", ""});
  flags->db_option = add_database_option(*cmd, flags->db);
  flags->api_url_option =
      describe(*cmd, cmd->add_option("--api-url", flags->api_url, "GitHub API base URL"),
               {"URL", std::string(github::kDefaultApiUrl), "GITHUB_API_URL"});
  cmd->callback([flags, &context] { context.exit_code = run_collect(*flags, *context.env); });
}

}  // namespace cipette::cli
