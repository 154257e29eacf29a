// fake-github: the fake GitHub API server as a program, for end-to-end tests that run the real
// `cipette` binary. Prints "port N" as the first line on standard output once it is listening,
// then serves until SIGTERM or SIGINT. See fake_github.h for what it serves and --help for flags.

#include <pthread.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "cipette/core/time.h"
#include "fake_github/fake_github.h"
#include "fake_github/fault_spec.h"

namespace {

using cipette::fake_github::FakeGitHub;
using cipette::fake_github::FakeGitHubOptions;
using cipette::fake_github::Fault;

struct Flags {
  std::string token = "test-token";
  std::vector<std::string> repos;    // "owner/name:N" (or "name:N" under --org)
  std::vector<std::string> one_day;  // "owner/name:N", all created on the day before --end
  std::vector<std::string> faults;   // "KIND[:TIMES[:PATH]]"
  std::string org;
  std::string end;
  std::string path_prefix;
  std::string dump;
  int latency_ms = 0;
  std::uint64_t seed = 42;
  std::int64_t rate_limit = 5000;
  std::int64_t rate_limit_window = 3600;
  std::int64_t in_progress = 1;
  double rerun_share = 0.08;
  int retry_after = -1;
  int fault_delay_ms = 30000;
};

void add_options(CLI::App& app, Flags& flags) {
  app.add_option("--token", flags.token, "Token clients must send");
  app.add_option("--repos", flags.repos, "Repositories with generated runs: owner/name:N,...")
      ->delimiter(',');
  app.add_option("--one-day", flags.one_day, "Repositories whose N runs share one day")
      ->delimiter(',');
  app.add_option("--org", flags.org,
                 "Owner of repositories named without one; listed at "
                 "/orgs/NAME/repos");
  app.add_option("--latency-ms", flags.latency_ms, "Delay before each API answer");
  app.add_option("--seed", flags.seed, "Seed of the generated histories");
  app.add_option("--end", flags.end, "Newest run created before this date or time (default now)");
  app.add_option("--in-progress", flags.in_progress, "Unfinished newest runs per repository");
  app.add_option("--rerun-share", flags.rerun_share,
                 "Share of completed generated runs that were re-run (0..1)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--rate-limit", flags.rate_limit, "Requests per rate-limit window");
  app.add_option("--rate-limit-window", flags.rate_limit_window, "Window length in seconds");
  app.add_option("--path-prefix", flags.path_prefix, "API path prefix, e.g. /api/v3 (GHES)");
  app.add_option("--fault", flags.faults,
                 "Injected fault KIND[:TIMES[:PATH]]; KIND: 500 502 503 secondary-403 "
                 "secondary-429 delay truncated half-json invalid-json wrong-shape foreign-link "
                 "redirect redirect-301 self-link endless-link total-count (10^15) stale-replica "
                 "(answers from the state POST /_fake/replica saved)");
  app.add_option("--retry-after", flags.retry_after,
                 "retry-after seconds of secondary and 50x faults");
  app.add_option("--fault-delay-ms", flags.fault_delay_ms, "Delay of the `delay` fault");
  app.add_option("--dump", flags.dump, "Write every run (GitHub JSON array) to this file");
}

// "owner/name:N" -> ("owner/name", N); a name without owner gets --org (or "octo-org").
std::pair<std::string, std::int64_t> parse_repo_spec(const std::string& spec, const Flags& flags) {
  const std::size_t colon = spec.rfind(':');
  if (colon == std::string::npos) throw CLI::ValidationError("--repos", "expected NAME:COUNT");
  std::string name = spec.substr(0, colon);
  if (name.find('/') == std::string::npos) {
    name = (flags.org.empty() ? "octo-org" : flags.org) + "/" + name;
  }
  return {name, std::stoll(spec.substr(colon + 1))};
}

Fault parse_fault(const std::string& spec, const Flags& flags) {
  auto parsed = cipette::fake_github::parse_fault_spec(spec);
  if (!parsed) throw CLI::ValidationError("--fault", parsed.error().message);
  Fault fault = std::move(*parsed);
  if (flags.retry_after >= 0) fault.retry_after = flags.retry_after;
  fault.delay = std::chrono::milliseconds(flags.fault_delay_ms);
  return fault;
}

cipette::Timestamp end_time(const Flags& flags) {
  if (flags.end.empty()) return cipette::now_utc();
  auto parsed = cipette::parse_date_or_timestamp(flags.end);
  if (!parsed) throw CLI::ValidationError("--end", parsed.error().message);
  return *parsed;
}

void populate(FakeGitHub& fake, const Flags& flags) {
  const cipette::Timestamp end = end_time(flags);
  for (const std::string& spec : flags.repos) {
    const auto [name, count] = parse_repo_spec(spec, flags);
    fake.add_generated_runs(name, {count, end, 90 * cipette::kSecondsPerDay, flags.in_progress,
                                   flags.seed, flags.rerun_share});
  }
  for (const std::string& spec : flags.one_day) {
    const auto [name, count] = parse_repo_spec(spec, flags);
    fake.add_runs_on_one_day(name, count, end - cipette::kSecondsPerDay, flags.seed);
  }
  for (const std::string& spec : flags.faults) fake.add_fault(parse_fault(spec, flags));
}

void write_dump(const FakeGitHub& fake, const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << fake.runs_document();
  if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

int run(int argc, char** argv) {
  CLI::App app("Fake GitHub REST API server for tests");
  Flags flags;
  add_options(app, flags);
  CLI11_PARSE(app, argc, argv);

  // Block the stop signals before any thread starts, so that only sigwait below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  FakeGitHubOptions options;
  options.token = flags.token;
  options.path_prefix = flags.path_prefix;
  options.latency = std::chrono::milliseconds(flags.latency_ms);
  options.rate_limit = {flags.rate_limit, flags.rate_limit, 0, 0, flags.rate_limit_window};
  FakeGitHub fake(options);
  try {
    populate(fake, flags);
  } catch (const std::exception& error) {
    std::cerr << "fake-github: " << error.what() << "\n";
    return 2;
  }
  auto port = fake.start();
  if (!port) {
    std::cerr << "fake-github: " << port.error().message << "\n";
    return 1;
  }
  try {
    if (!flags.dump.empty()) write_dump(fake, flags.dump);
  } catch (const std::exception& error) {
    std::cerr << "fake-github: " << error.what() << "\n";
    return 1;
  }
  std::cout << "port " << *port << std::endl;
  std::cerr << "fake-github: serving " << fake.base_url() << " (" << fake.all_runs().size()
            << " runs)\n";
  int received = 0;
  sigwait(&stop_signals, &received);
  fake.stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& error) {
    std::cerr << "fake-github: " << error.what() << "\n";
  } catch (...) {
    std::cerr << "fake-github: unknown error\n";
  }
  return 1;
}
