#include "cipette/demo/demo_history.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <string>
#include <string_view>
#include <vector>

#include "cipette/demo/demo_attempts.h"
#include "cipette/demo/demo_catalog.h"
#include "cipette/demo/demo_random.h"
#include "cipette/demo/demo_volume.h"

// Shape of the generator: the history is a sequence of one-hour slots (VolumePlan decides how
// many runs each gets, exactly options.runs in all). Slot by slot, runs are placed at random
// seconds, sorted, and generated in time order, so run ids and run numbers grow with created_at.
// The only state carried between slots is per repository (its open feature branches, release
// version) and per workflow (run number, whether each branch's stream is failing): memory does
// not grow with the number of runs, apart from the batch handed to the sink.
namespace cipette::demo {
namespace {

constexpr std::size_t kBatchSize = 10000;
constexpr std::size_t kBranchSlots = 6;  // feature branches open at once per repository
constexpr std::size_t kTeamSize = 5;
constexpr int kMainBranch = -1;
constexpr int kTagBranch = -2;

struct FeatureBranch {
  std::string name;
  std::string_view actor;
  Timestamp expires = 0;  // after this, the branch is merged and a new one takes its place
  bool from_fork = false;
};

struct Repository {
  const RepositorySpec* spec = nullptr;
  std::size_t index = 0;  // in repository_specs()
  std::int64_t id = 0;
  std::string url_prefix;  // "https://github.com/owner/name/actions/runs/"
  std::array<std::string_view, kTeamSize> team;
  std::array<FeatureBranch, kBranchSlots> branches;
  std::size_t first_workflow = 0;
  std::size_t workflow_count = 0;
  int release_minor = 0;
  int release_patch = 0;
};

struct ActiveStory {
  Timestamp from = 0;
  Timestamp until = 0;
  double failure_rate = -1;
  double duration_factor = 1;
};

struct Workflow {
  const WorkflowTemplate* tmpl = nullptr;
  std::size_t repository = 0;
  std::int64_t id = 0;
  std::string path;
  double median_seconds = 0;
  std::int64_t next_run_number = 1;
  bool main_failing = false;
  std::array<bool, kBranchSlots> branch_failing{};
  std::vector<ActiveStory> stories;
};

// Where and by whom a run was triggered.
struct RunContext {
  std::size_t workflow = 0;
  std::string_view event;
  int branch = kMainBranch;  // kMainBranch, kTagBranch or a slot of Repository::branches
  std::string_view actor;
  Timestamp created = 0;
};

// A run waiting in the current slot: its second within the hour, a tie-breaker, and the
// workflow when it is a scheduled run (otherwise drawn when the run is generated).
struct PendingRun {
  std::uint32_t offset;
  std::uint32_t sequence;
  std::int32_t scheduled_workflow;  // -1: drawn by volume
};

class HistoryGenerator {
 public:
  HistoryGenerator(const DemoOptions& options,
                   const std::function<void(std::span<const RunRecord>)>& sink);
  void generate();

 private:
  void set_up_repositories();
  void add_workflows(Repository& repo);
  void attach_stories(Workflow& wf, std::string_view repository);
  void generate_slot(int slot);
  void schedule_runs(int slot, std::int64_t budget);
  std::size_t draw_workflow();
  RunContext draw_context(std::size_t workflow, Timestamp created);
  int draw_feature_branch(Repository& repo, Timestamp created);
  void renew_branch(Repository& repo, std::size_t slot, Timestamp created);
  std::string_view draw_team_member(const Repository& repo);
  void generate_run(const RunContext& ctx);
  double failure_rate_at(const Workflow& wf, Timestamp t) const;
  double duration_factor_at(const Workflow& wf, Timestamp t) const;
  void fill_record(RunRecord& run, const RunContext& ctx, const PlayedAttempts& played);
  void set_head_branch(RunRecord& run, const RunContext& ctx);
  static void set_earlier_attempts(RunRecord& run, const PlayedAttempts& played);
  RunRecord& next_record();
  void flush();

  DemoOptions options_;
  const std::function<void(std::span<const RunRecord>)>& sink_;
  DemoRandom random_;
  VolumePlan plan_;
  std::vector<Repository> repositories_;
  std::vector<Workflow> workflows_;
  std::vector<double> cumulative_volume_;  // over workflows_, for draw_workflow
  std::vector<PendingRun> pending_;
  std::vector<RunRecord> batch_;
  PlayedAttempts played_;  // the attempts of the run being generated
  std::size_t batch_used_ = 0;
  std::int64_t next_run_id_ = 0;
  std::uint32_t sequence_ = 0;
};

HistoryGenerator::HistoryGenerator(const DemoOptions& options,
                                   const std::function<void(std::span<const RunRecord>)>& sink)
    : options_(options), sink_(sink), random_(options.seed), plan_(options.runs, options.end) {
  // GitHub run ids are large and grow with time, with gaps left by other repositories' runs.
  next_run_id_ = 5'000'000'000 + random_.between(0, 999'999'999);
  set_up_repositories();
  batch_.resize(static_cast<std::size_t>(std::min<std::int64_t>(options.runs, kBatchSize)));
}

void HistoryGenerator::set_up_repositories() {
  const auto specs = repository_specs();
  const int count = repository_count_for(options_.runs);
  const auto team = team_logins();
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (!repository_selected(i, count)) continue;
    Repository repo;
    repo.spec = &specs[i];
    repo.index = i;
    repo.id = 310'000'000 + 7'919 * static_cast<std::int64_t>(i + 1);
    repo.url_prefix = "https://github.com/" + std::string(specs[i].name) + "/actions/runs/";
    for (std::size_t k = 0; k < kTeamSize; ++k) repo.team[k] = team[(4 * i + k) % team.size()];
    repo.release_minor = static_cast<int>(random_.between(1, 30));
    add_workflows(repo);
    repositories_.push_back(std::move(repo));
  }
}

void HistoryGenerator::add_workflows(Repository& repo) {
  repo.first_workflow = workflows_.size();
  for (char code : repo.spec->workflow_codes) {
    Workflow wf;
    wf.tmpl = &workflow_template(code);
    wf.repository = repositories_.size();
    // Template codes are distinct capital letters, so ids are unique per repository.
    wf.id = 60'000'000 + 100 * static_cast<std::int64_t>(repo.index) + (code - 'A');
    wf.path = ".github/workflows/" + std::string(wf.tmpl->file);
    // Each repository's suites differ a little from the template (+-20%).
    wf.median_seconds =
        wf.tmpl->median_seconds * repo.spec->duration_factor * (0.8 + 0.4 * random_.uniform());
    wf.next_run_number = random_.between(1, 2000);  // history before the window
    attach_stories(wf, repo.spec->name);
    const double volume = wf.tmpl->volume * repo.spec->volume * (0.7 + 0.6 * random_.uniform());
    const double before = cumulative_volume_.empty() ? 0 : cumulative_volume_.back();
    cumulative_volume_.push_back(before + volume);
    workflows_.push_back(std::move(wf));
  }
  repo.workflow_count = workflows_.size() - repo.first_workflow;
}

void HistoryGenerator::attach_stories(Workflow& wf, std::string_view repository) {
  for (const Story& story : stories()) {
    if (story.repository != repository || story.workflow != wf.tmpl->name) continue;
    wf.stories.push_back(ActiveStory{options_.end - story.from_days_ago * kSecondsPerDay,
                                     options_.end - story.until_days_ago * kSecondsPerDay,
                                     story.failure_rate, story.duration_factor});
  }
}

void HistoryGenerator::generate() {
  for (int slot = 0; slot < plan_.slot_count(); ++slot) generate_slot(slot);
  flush();
}

void HistoryGenerator::generate_slot(int slot) {
  const std::int64_t budget = plan_.runs_in_slot(slot);
  if (budget == 0) return;
  pending_.clear();
  sequence_ = 0;
  schedule_runs(slot, budget);
  while (static_cast<std::int64_t>(pending_.size()) < budget) {
    pending_.push_back({static_cast<std::uint32_t>(random_.below(3600)), sequence_++, -1});
  }
  std::sort(pending_.begin(), pending_.end(), [](const PendingRun& a, const PendingRun& b) {
    return a.offset != b.offset ? a.offset < b.offset : a.sequence < b.sequence;
  });
  const Timestamp start = plan_.slot_start(slot);
  for (const PendingRun& p : pending_) {
    const Timestamp created = start + p.offset;
    const RunContext ctx = p.scheduled_workflow >= 0
                               ? RunContext{static_cast<std::size_t>(p.scheduled_workflow),
                                            "schedule", kMainBranch, kActionsBot, created}
                               : draw_context(draw_workflow(), created);
    generate_run(ctx);
  }
}

// Cron-scheduled workflows due in this hour take their runs out of the slot's budget first
// (GitHub starts them up to a quarter of an hour late).
void HistoryGenerator::schedule_runs(int slot, std::int64_t budget) {
  const Timestamp start = plan_.slot_start(slot);
  for (std::size_t w = 0; w < workflows_.size(); ++w) {
    const WorkflowTemplate& t = *workflows_[w].tmpl;
    if (static_cast<std::int64_t>(pending_.size()) == budget) return;
    if (t.schedule == Schedule::kNone || hour_of(start) != t.schedule_hour) continue;
    if (t.schedule == Schedule::kWeekly && weekday_of(start) != 1) continue;
    pending_.push_back({static_cast<std::uint32_t>(random_.below(900)), sequence_++,
                        static_cast<std::int32_t>(w)});
  }
}

std::size_t HistoryGenerator::draw_workflow() {
  const double target = random_.uniform() * cumulative_volume_.back();
  const auto it = std::upper_bound(cumulative_volume_.begin(), cumulative_volume_.end(), target);
  const auto index = static_cast<std::size_t>(it - cumulative_volume_.begin());
  return std::min(index, workflows_.size() - 1);
}

std::string_view HistoryGenerator::draw_team_member(const Repository& repo) {
  // The first member of each team (its lead) pushes most: min of two uniforms skews low.
  return repo.team[std::min(random_.below(kTeamSize), random_.below(kTeamSize))];
}

RunContext HistoryGenerator::draw_context(std::size_t workflow, Timestamp created) {
  Workflow& wf = workflows_[workflow];
  Repository& repo = repositories_[wf.repository];
  RunContext ctx{workflow, "push", kMainBranch, {}, created};
  const double u = random_.uniform();
  switch (wf.tmpl->trigger) {
    case Trigger::kPushAndPullRequest:
      ctx.event = u < 0.5 ? "pull_request" : (u < 0.94 ? "push" : "workflow_dispatch");
      break;
    case Trigger::kMostlyPullRequest:
      ctx.event = u < 0.85 ? "pull_request" : "push";
      break;
    case Trigger::kDeploy:
      ctx.event = u < 0.85 ? "push" : "workflow_dispatch";
      break;
    case Trigger::kRelease:
    case Trigger::kScheduleOnly:  // never drawn by volume; only scheduled
      ctx.event = "release";
      ctx.branch = kTagBranch;
      break;
  }
  const bool feature =
      ctx.event == "pull_request" ||
      (ctx.event == "push" && wf.tmpl->trigger != Trigger::kDeploy && random_.chance(0.15));
  if (feature) ctx.branch = draw_feature_branch(repo, created);
  if (ctx.branch >= 0 && ctx.event == "push" &&
      repo.branches[static_cast<std::size_t>(ctx.branch)].from_fork) {
    ctx.branch = kMainBranch;  // forks cannot push to the repository
  }
  ctx.actor = ctx.branch >= 0 ? repo.branches[static_cast<std::size_t>(ctx.branch)].actor
                              : draw_team_member(repo);
  return ctx;
}

int HistoryGenerator::draw_feature_branch(Repository& repo, Timestamp created) {
  const auto slot = static_cast<std::size_t>(random_.below(kBranchSlots));
  if (created >= repo.branches[slot].expires) renew_branch(repo, slot, created);
  return static_cast<int>(slot);
}

// A branch is merged and a new one opened: a feature or fix by a team member, a Dependabot
// update, or (in open-source repositories) a contribution from a fork.
void HistoryGenerator::renew_branch(Repository& repo, std::size_t slot, Timestamp created) {
  FeatureBranch& b = repo.branches[slot];
  const double kind = random_.uniform();
  b.from_fork = kind >= 0.9 && repo.spec->accepts_forks;
  b.actor = draw_team_member(repo);
  double lifetime_days = random_.log_normal(2, 0.8);
  if (b.from_fork) {
    b.name = "patch-" + std::to_string(random_.between(1, 9));
    b.actor = fork_logins()[random_.below(fork_logins().size())];
  } else if (kind >= 0.75 && kind < 0.9) {
    const auto packages = dependency_packages();
    b.name = "dependabot/npm_and_yarn/" + std::string(packages[random_.below(packages.size())]) +
             "-" + std::to_string(random_.between(1, 18)) + "." +
             std::to_string(random_.between(0, 30)) + "." + std::to_string(random_.between(0, 9));
    b.actor = kDependabot;
    lifetime_days = random_.log_normal(1, 0.8);
  } else if (kind >= 0.5 && kind < 0.75) {
    b.name = "fix/" + std::string(fix_topics()[random_.below(fix_topics().size())]);
  } else {
    b.name = "feature/" + std::string(feature_topics()[random_.below(feature_topics().size())]);
  }
  b.expires = created + static_cast<Timestamp>(std::min(lifetime_days, 14.0) * kSecondsPerDay);
  for (std::size_t w = 0; w < repo.workflow_count; ++w) {
    workflows_[repo.first_workflow + w].branch_failing[slot] = false;
  }
}

// The failure rate in force at `t`: the first story overriding it, else the template's.
double HistoryGenerator::failure_rate_at(const Workflow& wf, Timestamp t) const {
  for (const ActiveStory& s : wf.stories) {
    if (t >= s.from && t < s.until && s.failure_rate >= 0) return s.failure_rate;
  }
  return wf.tmpl->failure_rate;
}

// The product of the duration factors of the stories running at `t`.
double HistoryGenerator::duration_factor_at(const Workflow& wf, Timestamp t) const {
  double factor = 1;
  for (const ActiveStory& s : wf.stories) {
    if (t >= s.from && t < s.until) factor *= s.duration_factor;
  }
  return factor;
}

void HistoryGenerator::generate_run(const RunContext& ctx) {
  Workflow& wf = workflows_[ctx.workflow];
  const Repository& repo = repositories_[wf.repository];
  const bool on_branch = ctx.branch >= 0;
  bool& failing =
      on_branch ? wf.branch_failing[static_cast<std::size_t>(ctx.branch)] : wf.main_failing;
  double rate = failure_rate_at(wf, ctx.created);
  if (on_branch && rate < kStayFailing) rate = std::min(0.5, rate * 1.5);  // work in progress
  OutcomeInputs outcome{rate, failing, ctx.event == "pull_request",
                        on_branch && repo.branches[static_cast<std::size_t>(ctx.branch)].from_fork};
  AttemptInputs attempts;
  attempts.created = ctx.created;
  attempts.end = options_.end;
  attempts.first_conclusion = draw_first_conclusion(random_, outcome);
  attempts.median_seconds = wf.median_seconds * duration_factor_at(wf, ctx.created);
  attempts.broken = failing || rate >= kStayFailing;
  play_attempts(random_, attempts, played_);
  const PlayedAttempt& latest = played_.latest();
  // Neutral and unfinished runs neither open nor close an incident (docs/metrics.md, "MTTR").
  const Outcome result =
      latest.status == "completed" ? classify_conclusion(latest.conclusion) : Outcome::kNeutral;
  if (result != Outcome::kNeutral) failing = result == Outcome::kFailed;
  fill_record(next_record(), ctx, played_);
  if (batch_used_ == batch_.size()) flush();
}

void HistoryGenerator::fill_record(RunRecord& run, const RunContext& ctx,
                                   const PlayedAttempts& played) {
  const PlayedAttempt& latest = played.latest();
  Workflow& wf = workflows_[ctx.workflow];
  const Repository& repo = repositories_[wf.repository];
  next_run_id_ += random_.between(1, 64);
  run.id = next_run_id_;
  run.repository_id = repo.id;
  run.repository = repo.spec->name;
  run.workflow_id = wf.id;
  run.workflow_name = wf.tmpl->name;
  run.path = wf.path;
  run.run_number = wf.next_run_number++;
  run.run_attempt = latest.attempt;
  run.event = ctx.event;
  run.status = latest.status;
  run.conclusion = latest.conclusion;
  set_head_branch(run, ctx);
  static constexpr char kHex[] = "0123456789abcdef";
  run.head_sha.resize(40);
  for (std::size_t i = 0; i < 40; i += 16) {
    std::uint64_t bits = random_.next();
    for (std::size_t k = i; k < std::min<std::size_t>(i + 16, 40); ++k, bits >>= 4) {
      run.head_sha[k] = kHex[bits & 15];
    }
  }
  run.actor = ctx.actor;
  run.created_at = ctx.created;
  run.run_started_at = latest.started;
  run.updated_at = latest.updated;
  run.html_url = repo.url_prefix;
  char digits[24];
  const auto written = std::to_chars(digits, digits + sizeof digits, run.id);
  run.html_url.append(digits, written.ptr);
  if (played.count > 1 || !run.earlier_attempts.empty()) set_earlier_attempts(run, played);
}

// The attempts before the latest, as GitHub answers them. Batch records are reused: the vector
// keeps its capacity, and fill_record skips this for a run never re-run in a record that held
// no attempts (nearly every run).
void HistoryGenerator::set_earlier_attempts(RunRecord& run, const PlayedAttempts& played) {
  run.earlier_attempts.resize(played.count - 1);
  for (std::size_t i = 0; i + 1 < played.count; ++i) {
    const PlayedAttempt& attempt = played.attempts[i];
    AttemptRecord& record = run.earlier_attempts[i];
    record.run_id = run.id;
    record.attempt = attempt.attempt;
    record.found = true;
    record.status = attempt.status;
    record.conclusion = attempt.conclusion;
    record.run_started_at = attempt.started;
    record.updated_at = attempt.updated;
  }
}

void HistoryGenerator::set_head_branch(RunRecord& run, const RunContext& ctx) {
  Repository& repo = repositories_[workflows_[ctx.workflow].repository];
  if (ctx.branch >= 0) {
    run.head_branch = repo.branches[static_cast<std::size_t>(ctx.branch)].name;
  } else if (ctx.branch == kTagBranch) {
    // Mostly minor releases, some patch releases.
    if (random_.chance(0.3)) {
      ++repo.release_patch;
    } else {
      ++repo.release_minor;
      repo.release_patch = 0;
    }
    run.head_branch =
        "v1." + std::to_string(repo.release_minor) + "." + std::to_string(repo.release_patch);
  } else {
    run.head_branch = "main";
  }
}

RunRecord& HistoryGenerator::next_record() { return batch_[batch_used_++]; }

void HistoryGenerator::flush() {
  if (batch_used_ == 0) return;
  sink_(std::span<const RunRecord>(batch_.data(), batch_used_));
  batch_used_ = 0;
}

}  // namespace

void generate_history(const DemoOptions& options,
                      const std::function<void(std::span<const RunRecord>)>& sink) {
  if (options.runs <= 0) return;
  HistoryGenerator generator(options, sink);
  generator.generate();
}

}  // namespace cipette::demo
