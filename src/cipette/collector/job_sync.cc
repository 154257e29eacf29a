// The job phase of a repository's sync (job_sync.h). The backlog is the store's: completed runs
// whose current attempt's jobs were not recorded. So there is nothing to save between syncs,
// and a run fetched once is never asked for again until a new attempt of it is stored.
#include "cipette/collector/job_sync.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_set>

#include "cipette/github/endpoints.h"
#include "cipette/github/listing_pages.h"

namespace cipette::collector {
namespace {

// The most pages one run's jobs are followed for: GitHub lists at most 256 jobs of an attempt
// (3 pages), so 20 pages hold seven attempts of the largest matrix; a listing that claims more
// is not followed further (and the run is reported).
constexpr std::int64_t kMaxJobPages = 20;
// Requests for one run that fail in a row (after the client's retries) before the phase stops:
// the API is down, and asking for every run would only spend the budget.
constexpr int kMaxFailuresInARow = 3;

// The outcome of fetching one run's jobs.
enum class Fetched { kDone, kBadAnswer, kFailed, kRateLimited };

class JobSync {
 public:
  JobSync(github::Client& client, JobStore& store, const std::string& repository,
          const JobOptions& options, ProgressSink& progress, RepositoryReport& report,
          const std::function<void(std::string, std::optional<std::int64_t>)>& show)
      : client_(client),
        store_(store),
        repository_(repository),
        options_(options),
        progress_(progress),
        report_(report),
        show_(show) {}

  Status run();

 private:
  bool budget_left();
  Fetched fetch(const JobsWanted& wanted, RunJobs& out);
  void warn(std::string message);

  github::Client& client_;
  JobStore& store_;
  const std::string& repository_;
  const JobOptions& options_;
  ProgressSink& progress_;
  RepositoryReport& report_;
  const std::function<void(std::string, std::optional<std::int64_t>)>& show_;
  std::unordered_set<std::int64_t> skipped_;  // runs left for the next sync
  std::unordered_set<std::int64_t> done_;     // runs recorded in this sync
  std::optional<std::int64_t> left_;
};

Status JobSync::run() {
  auto counted = store_.count_runs_wanting_jobs(repository_, options_.since);
  if (!counted) return counted.error();
  left_ = *counted;
  int failures_in_a_row = 0;
  for (;;) {
    // Runs skipped in this sync are newest among what is left, so ask past them.
    auto wanted =
        store_.runs_wanting_jobs(repository_, options_.since, options_.batch + skipped_.size());
    if (!wanted) return wanted.error();
    // A run recorded in this sync and still wanted (its run was re-run meanwhile) waits for the
    // next sync too, so that the loop always ends.
    std::erase_if(*wanted, [&](const JobsWanted& run) {
      return skipped_.contains(run.run_id) || done_.contains(run.run_id);
    });
    if (wanted->empty()) break;
    for (const JobsWanted& run : *wanted) {
      if (!budget_left()) return {};
      show_(fmt::format("fetching the jobs of run {}", run.run_id), left_);
      RunJobs fetched;
      Fetched outcome = fetch(run, fetched);
      if (outcome == Fetched::kRateLimited) return {};
      if (outcome != Fetched::kDone) {
        skipped_.insert(run.run_id);
        ++report_.job_failures;
        failures_in_a_row = outcome == Fetched::kFailed ? failures_in_a_row + 1 : 0;
        if (failures_in_a_row >= kMaxFailuresInARow) {
          report_.jobs_paused =
              fmt::format("{} requests for jobs failed in a row", failures_in_a_row);
          return {};
        }
        continue;
      }
      failures_in_a_row = 0;
      done_.insert(run.run_id);
      auto stored = store_.commit_run_jobs({&fetched, 1});
      if (!stored) return stored.error();
      report_.jobs_stored += stored->inserted + stored->updated;
      ++report_.job_runs;
      if (!fetched.found) ++report_.job_gaps;
      left_ = *left_ - 1;
    }
  }
  return {};
}

// Whether the budget allows another run's jobs: more requests left than the reserve (or no
// budget reported, as on GitHub Enterprise Server with rate limits off).
bool JobSync::budget_left() {
  const github::RateLimit& rate = client_.stats().rate;
  if (!rate.known) return true;
  std::int64_t reserve = jobs_reserve(options_, rate.limit);
  if (rate.remaining > reserve) return true;
  report_.jobs_paused = fmt::format(
      "{} of {} requests left, the {} kept for listing runs; the rest after the reset at {}",
      rate.remaining, rate.limit, reserve, format_timestamp(rate.reset));
  progress_.note(repository_, "jobs paused: " + report_.jobs_paused);
  return false;
}

// Every page of one run's jobs, into `out` (found = false on a 404).
Fetched JobSync::fetch(const JobsWanted& wanted, RunJobs& out) {
  out.run_id = wanted.run_id;
  out.run_attempt = wanted.run_attempt;
  github::ListingPages pages(github::kMaxPerPage, std::nullopt);
  std::string target = github::run_jobs_path(repository_, wanted.run_id, github::kMaxPerPage);
  for (std::int64_t number = 1;; ++number) {
    auto page = client_.get(target, {}, /*not_found_ok=*/true, /*rate_limit_ok=*/true);
    ++report_.job_requests;
    if (!page) {
      warn(fmt::format("the jobs of run {} (page {}): {}", wanted.run_id, number,
                       page.error().message));
      return Fetched::kFailed;
    }
    if (page->status == 403 || page->status == 429) {
      report_.jobs_paused =
          fmt::format("GitHub answered HTTP {} (rate limit) for the jobs of run {}", page->status,
                      wanted.run_id);
      progress_.note(repository_, "jobs paused: " + report_.jobs_paused);
      return Fetched::kRateLimited;
    }
    if (page->status == 404) {
      if (number > 1) {
        warn(fmt::format("the jobs of run {} (page {}): {}: 404 after page 1", wanted.run_id,
                         number, page->url));
        return Fetched::kBadAnswer;
      }
      progress_.note(repository_, fmt::format("run {} no longer exists: its jobs are recorded "
                                              "as unavailable",
                                              wanted.run_id));
      out.found = false;
      out.jobs.clear();
      return Fetched::kDone;
    }
    auto parsed = github::parse_jobs_page(page->body, page->url);
    if (!parsed) {
      warn(fmt::format("the jobs of run {} (page {}): {}", wanted.run_id, number,
                       parsed.error().message));
      return Fetched::kBadAnswer;
    }
    for (const JobRecord& job : parsed->jobs) {
      if (job.run_id != wanted.run_id) {
        warn(fmt::format("the jobs of run {} (page {}): {}: job {} belongs to run {}",
                         wanted.run_id, number, page->url, job.id, job.run_id));
        return Fetched::kBadAnswer;
      }
    }
    out.jobs.insert(out.jobs.end(), std::make_move_iterator(parsed->jobs.begin()),
                    std::make_move_iterator(parsed->jobs.end()));
    pages.add(page->url, parsed->total_count);
    if (page->next_url.empty()) return Fetched::kDone;
    if (number >= kMaxJobPages) {
      warn(fmt::format("the jobs of run {} (page {}): {}: more than {} pages", wanted.run_id,
                       number, page->url, kMaxJobPages));
      return Fetched::kBadAnswer;
    }
    if (auto follow = pages.follow(page->next_url); !follow) {
      warn(fmt::format("the jobs of run {} (page {}): {}: {}", wanted.run_id, number, page->url,
                       follow.error().message));
      return Fetched::kBadAnswer;
    }
    target = page->next_url;
  }
}

void JobSync::warn(std::string message) {
  progress_.note(repository_, message + "; left for the next sync");
  report_.warnings.push_back(std::move(message));
}

}  // namespace

std::int64_t default_jobs_reserve(std::int64_t limit) {
  return std::max(kMinJobsReserve, limit / 10);
}

std::int64_t jobs_reserve(const JobOptions& options, std::int64_t limit) {
  return options.reserve.value_or(default_jobs_reserve(limit));
}

Status sync_jobs(github::Client& client, JobStore& store, const std::string& repository,
                 const JobOptions& options, ProgressSink& progress, RepositoryReport& report,
                 const std::function<void(std::string, std::optional<std::int64_t>)>& show) {
  JobSync sync(client, store, repository, options, progress, report, show);
  Status status = sync.run();
  if (!status) return status;
  auto left = store.count_runs_wanting_jobs(repository, options.since);
  if (!left) return left.error();
  report.jobs_wanted = *left;
  return {};
}

}  // namespace cipette::collector
