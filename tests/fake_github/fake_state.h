#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cipette/core/job.h"
#include "cipette/core/run.h"
#include "fake_github/fake_github.h"
#include "fake_github/github_json.h"

// Private to the fake GitHub server: everything it holds, shared by the public class and the
// request handlers. Members marked "guarded" need `mutex` held.

namespace cipette::fake_github::detail {

struct Repository : RepositoryInfo {
  std::vector<RunRecord> runs;                       // newest created first (ties: higher id first)
  std::map<std::int64_t, std::int64_t> run_numbers;  // workflow id -> largest run_number
};

// The earlier attempts of one run.
struct AttemptHistory {
  // Each as GET .../attempts/{n} answers it (run_attempt = n), in increasing attempt order;
  // attempts the fake never held are missing.
  std::vector<RunRecord> earlier;
  std::int64_t expired_below = 0;  // attempts below this answer 404 (expire_attempts)
};

// Where a log entry is, so its status can be filled in after the answer is decided.
struct LogSlot {
  std::size_t index = 0;
  std::uint64_t generation = 0;
};

class ServerState {
 public:
  explicit ServerState(FakeGitHubOptions options);

  mutable std::mutex mutex;
  std::condition_variable stop_signal;  // notified when `stopping` becomes true

  // Guarded.
  FakeGitHubOptions options;
  int port = 0;
  bool stopping = false;
  RateLimit rate;
  std::int64_t counted = 0;
  std::vector<Fault> faults;
  std::vector<RecordedRequest> log;
  std::uint64_t log_generation = 0;  // advanced by clear_requests()

  // --- Repositories and runs (REQUIRES: mutex held) ---
  // nullptr when unknown; the name matches case-insensitively.
  Repository* find_repository(std::string_view full_name);
  const std::vector<std::unique_ptr<Repository>>& all_repositories() const { return repositories_; }
  // Throws std::invalid_argument when the name is malformed or taken.
  Repository& add_repository(std::string_view full_name, bool is_private);
  // The repository, added first if unknown.
  Repository& ensure_repository(std::string_view full_name);
  // Throws std::invalid_argument when unknown.
  Repository& repository(std::string_view full_name);
  // Throws std::invalid_argument when unknown.
  RunRecord& run(std::int64_t id);
  // Reserves `count` consecutive run ids and returns the first.
  std::int64_t reserve_run_ids(std::int64_t count);
  // Stores runs whose fields are complete; throws std::invalid_argument on a taken id. The
  // found earlier_attempts of each run become its attempt history, and are cleared.
  void insert_runs(Repository& repository, std::vector<RunRecord> runs);
  // Restores the listing order after a change to run `id`.
  void resort(std::int64_t id);
  // Completes run `id`: status "completed", `conclusion`, updated_at = max(at, updated_at + 1).
  RunRecord complete(std::int64_t id, std::string_view conclusion, Timestamp at);
  // Completes every unfinished run as "success" at `at`; returns how many.
  std::int64_t complete_unfinished(Timestamp at);

  // --- Attempts (REQUIRES: mutex held) ---
  // A new attempt of completed run `id` (see FakeGitHub::rerun): `status` "completed" with a
  // non-empty `conclusion`, or "queued" / "in_progress" with none. Throws std::invalid_argument.
  RunRecord rerun(std::int64_t id, std::string_view status, std::string_view conclusion,
                  Timestamp at);
  // Attempts of run `id` below its run_attempt answer 404 from now on.
  void expire_attempts(std::int64_t id);
  // Attempt `n` of `run` (the run itself, or a stale replica's copy of it) as GET
  // .../attempts/{n} answers it; nullopt for a 404.
  std::optional<RunRecord> attempt(const RunRecord& run, std::int64_t n) const;
  // The earlier attempts held for run `id`, expired ones included (empty when none).
  std::vector<RunRecord> earlier_attempts(std::int64_t id) const;
  // `run` with earlier_attempts filled as FakeGitHub::run_with_attempts describes.
  RunRecord with_attempts(const RunRecord& run) const;

  // --- Jobs (REQUIRES: mutex held) ---
  // The jobs GET .../runs/{id}/jobs lists for `latest` (the run, or a stale replica's copy):
  // every attempt's (`all`, filter=all) or the latest attempt's, as job_generator.h makes them.
  // An earlier attempt the fake does not hold (or no longer serves) has its jobs made as a
  // failed attempt started when the run was created.
  std::vector<JobRecord> jobs(const RunRecord& latest, bool all) const;
  // Deletes run `id` with its attempts, as deleting a run on GitHub does: every endpoint of it
  // answers 404 from then on. Throws std::invalid_argument when unknown.
  void delete_run(std::int64_t id);

  // --- Stale replica (REQUIRES: mutex held) ---
  // Copies every repository's runs as the replica's state; returns how many.
  std::int64_t save_replica();
  // The replica's runs of `repository` (newest first); nullptr when none were saved for it.
  const std::vector<RunRecord>* replica_runs(const Repository& repository) const;

  // --- Rate limit, faults, log (REQUIRES: mutex held) ---
  // Refills the budget if its reset time has passed.
  void refill(Timestamp now);
  // The first fault with firings left whose path_contains occurs in `target`, used once.
  std::optional<Fault> take_fault(std::string_view target);
  LogSlot record(RecordedRequest request);
  void set_status(const LogSlot& slot, int status);

  // Waits for `duration` or until stop; takes the mutex itself.
  void sleep(std::chrono::milliseconds duration);

 private:
  std::vector<std::unique_ptr<Repository>> repositories_;
  std::unordered_map<std::string, Repository*> by_name_;       // lower-cased full name
  std::unordered_map<std::int64_t, Repository*> run_owner_;    // run id -> repository
  std::unordered_map<std::int64_t, AttemptHistory> attempts_;  // run id -> earlier attempts
  std::unordered_map<const Repository*, std::vector<RunRecord>> replica_;
  std::int64_t next_repository_id_ = 1000001;
  std::int64_t next_run_id_ = 5000000001;
};

// Lower-cased copy (ASCII).
std::string lower(std::string_view text);

}  // namespace cipette::fake_github::detail
