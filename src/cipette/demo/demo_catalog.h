#pragma once

#include <cstdint>
#include <span>
#include <string_view>

// The fixed cast of the demo organisation: repositories, the workflows each one runs, the people
// who push, the names of their branches, and a few scripted "stories" (an outage, a slowdown, a
// flaky suite that gets fixed) that make the dashboard worth looking at. Pure data; the random
// parts of the history are drawn in demo_history.cc.
namespace cipette::demo {

// How a workflow is started.
enum class Trigger : std::uint8_t {
  kPushAndPullRequest,  // `on: [push, pull_request]`, about half of each
  kMostlyPullRequest,   // linters, docs checks: mostly pull requests
  kDeploy,              // pushes to main, sometimes workflow_dispatch
  kRelease,             // `on: release`, head_branch is the tag
  kScheduleOnly,        // only its cron schedule
};

enum class Schedule : std::uint8_t { kNone, kDaily, kWeekly };

struct WorkflowTemplate {
  char code;  // used by RepositorySpec::workflow_codes
  std::string_view name;
  std::string_view file;  // under .github/workflows/
  double median_seconds;  // of a successful run
  double failure_rate;    // long-run share of failed runs among decided ones
  double volume;          // relative number of push/pull-request runs
  Trigger trigger;
  Schedule schedule;
  int schedule_hour;  // UTC hour of the cron schedule
};

struct RepositorySpec {
  std::string_view name;   // "owner/name"
  double volume;           // relative activity
  double duration_factor;  // scales every workflow's median duration
  bool accepts_forks;      // open source: pull requests from forks need approval
  std::string_view workflow_codes;
};

// A scripted change of one workflow's behaviour during [from_days_ago, until_days_ago) before
// the end of the history.
struct Story {
  std::string_view repository;
  std::string_view workflow;
  int from_days_ago;
  int until_days_ago;
  double failure_rate;     // replaces the template's rate; < 0 keeps it
  double duration_factor;  // multiplies the median duration
};

// All repositories, the one outside the "acme" organisation last. 20 entries, 99 workflows.
std::span<const RepositorySpec> repository_specs();

// REQUIRES: `code` appears in some RepositorySpec::workflow_codes.
const WorkflowTemplate& workflow_template(char code);

std::span<const Story> stories();

// How many repositories a history of `runs` runs spreads over: runs / 50,000 clamped to
// [3, 20], so a million runs cover every repository.
int repository_count_for(std::int64_t runs);

// Whether the repository at `index` of repository_specs() takes part in a history over `count`
// repositories: the first count - 1 and the last (the other organisation's) one.
bool repository_selected(std::size_t index, int count);

// People and bots.
std::span<const std::string_view> team_logins();
std::span<const std::string_view> fork_logins();
inline constexpr std::string_view kDependabot = "dependabot[bot]";
inline constexpr std::string_view kActionsBot = "github-actions[bot]";

// Words for branch names.
std::span<const std::string_view> feature_topics();
std::span<const std::string_view> fix_topics();
std::span<const std::string_view> dependency_packages();

}  // namespace cipette::demo
