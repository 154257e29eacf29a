#include "fake_github/fake_state.h"

#include <algorithm>
#include <stdexcept>

#include "fake_github/job_generator.h"

namespace cipette::fake_github::detail {
namespace {

bool newest_first(const RunRecord& a, const RunRecord& b) {
  if (a.created_at != b.created_at) return a.created_at > b.created_at;
  return a.id > b.id;
}

// Attempt `attempt` of `run` in the run's shape: the run's fields with the attempt's own.
RunRecord attempt_snapshot(const RunRecord& run, const AttemptRecord& attempt) {
  RunRecord snapshot = run;
  snapshot.earlier_attempts.clear();
  snapshot.run_attempt = attempt.attempt;
  snapshot.status = attempt.status;
  snapshot.conclusion = attempt.conclusion;
  snapshot.run_started_at = attempt.run_started_at;
  snapshot.updated_at = attempt.updated_at;
  return snapshot;
}

bool unfinished_status(std::string_view status) {
  return status == "queued" || status == "in_progress";
}

}  // namespace

std::string lower(std::string_view text) {
  std::string result(text);
  std::transform(result.begin(), result.end(), result.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return result;
}

ServerState::ServerState(FakeGitHubOptions initial) : options(std::move(initial)) {
  rate = options.rate_limit;
  if (rate.reset == 0) rate.reset = now_utc() + rate.window_seconds;
}

Repository* ServerState::find_repository(std::string_view full_name) {
  const auto it = by_name_.find(lower(full_name));
  return it == by_name_.end() ? nullptr : it->second;
}

Repository& ServerState::add_repository(std::string_view full_name, bool is_private) {
  if (!is_valid_repository_name(full_name)) {
    throw std::invalid_argument("fake GitHub: invalid repository name \"" + std::string(full_name) +
                                "\"");
  }
  if (find_repository(full_name) != nullptr) {
    throw std::invalid_argument("fake GitHub: repository " + std::string(full_name) +
                                " already exists");
  }
  auto repository = std::make_unique<Repository>();
  repository->id = next_repository_id_++;
  repository->full_name = std::string(full_name);
  repository->is_private = is_private;
  // Later repositories look newer, so the organisation listing (newest first) is stable.
  repository->created_at = 1577836800 + (repository->id - 1000000) * kSecondsPerDay;
  by_name_[lower(full_name)] = repository.get();
  repositories_.push_back(std::move(repository));
  return *repositories_.back();
}

Repository& ServerState::ensure_repository(std::string_view full_name) {
  Repository* found = find_repository(full_name);
  return found != nullptr ? *found : add_repository(full_name, false);
}

Repository& ServerState::repository(std::string_view full_name) {
  Repository* found = find_repository(full_name);
  if (found == nullptr) {
    throw std::invalid_argument("fake GitHub: unknown repository " + std::string(full_name));
  }
  return *found;
}

RunRecord& ServerState::run(std::int64_t id) {
  const auto it = run_owner_.find(id);
  if (it != run_owner_.end()) {
    for (RunRecord& run : it->second->runs) {
      if (run.id == id) return run;
    }
  }
  throw std::invalid_argument("fake GitHub: unknown run " + std::to_string(id));
}

std::int64_t ServerState::reserve_run_ids(std::int64_t count) {
  const std::int64_t first = next_run_id_;
  next_run_id_ += count;
  return first;
}

void ServerState::insert_runs(Repository& repository, std::vector<RunRecord> runs) {
  for (const RunRecord& run : runs) {
    if (run_owner_.count(run.id) != 0) {
      throw std::invalid_argument("fake GitHub: run id " + std::to_string(run.id) + " is taken");
    }
  }
  for (RunRecord& run : runs) {
    run_owner_[run.id] = &repository;
    for (const AttemptRecord& attempt : run.earlier_attempts) {
      if (attempt.found) attempts_[run.id].earlier.push_back(attempt_snapshot(run, attempt));
    }
    run.earlier_attempts.clear();
    std::int64_t& number = repository.run_numbers[run.workflow_id];
    number = std::max(number, run.run_number);
    next_run_id_ = std::max(next_run_id_, run.id + 1);
    repository.runs.push_back(std::move(run));
  }
  std::sort(repository.runs.begin(), repository.runs.end(), newest_first);
}

void ServerState::resort(std::int64_t id) {
  std::vector<RunRecord>& runs = run_owner_.at(id)->runs;
  std::sort(runs.begin(), runs.end(), newest_first);
}

RunRecord ServerState::complete(std::int64_t id, std::string_view conclusion, Timestamp at) {
  RunRecord& record = run(id);
  record.status = "completed";
  record.conclusion = std::string(conclusion);
  record.updated_at = std::max(at, record.updated_at + 1);
  return record;
}

std::int64_t ServerState::complete_unfinished(Timestamp at) {
  std::int64_t completed = 0;
  for (const auto& repository : repositories_) {
    for (RunRecord& record : repository->runs) {
      if (record.completed()) continue;
      record.status = "completed";
      record.conclusion = "success";
      record.updated_at = std::max(at, record.updated_at + 1);
      ++completed;
    }
  }
  return completed;
}

RunRecord ServerState::rerun(std::int64_t id, std::string_view status, std::string_view conclusion,
                             Timestamp at) {
  RunRecord& record = run(id);
  if (!record.completed()) {
    throw std::invalid_argument("fake GitHub: run " + std::to_string(id) + " is " + record.status +
                                ", and only completed runs can be re-run");
  }
  const bool completed = status == "completed";
  if (completed ? conclusion.empty() : !unfinished_status(status) || !conclusion.empty()) {
    throw std::invalid_argument(
        "fake GitHub: a re-run is completed with a conclusion, or queued "
        "or in_progress without one; got status \"" +
        std::string(status) + "\", conclusion \"" + std::string(conclusion) + "\"");
  }
  attempts_[id].earlier.push_back(record);
  record.run_attempt += 1;
  record.status = std::string(status);
  record.conclusion = std::string(conclusion);
  record.run_started_at = at;
  record.updated_at = std::max(at, record.updated_at + 1);
  return record;
}

void ServerState::expire_attempts(std::int64_t id) {
  const std::int64_t latest = run(id).run_attempt;  // throws first for an unknown run
  attempts_[id].expired_below = latest;
}

std::optional<RunRecord> ServerState::attempt(const RunRecord& latest, std::int64_t n) const {
  if (n == latest.run_attempt) return latest;
  const auto it = attempts_.find(latest.id);
  if (n < 1 || n > latest.run_attempt || it == attempts_.end()) return std::nullopt;
  if (n < it->second.expired_below) return std::nullopt;
  for (const RunRecord& snapshot : it->second.earlier) {
    if (snapshot.run_attempt == n) return snapshot;
  }
  return std::nullopt;
}

std::vector<JobRecord> ServerState::jobs(const RunRecord& latest, bool all) const {
  std::vector<JobRecord> jobs;
  const auto history = attempts_.find(latest.id);
  for (std::int64_t n = all ? 1 : latest.run_attempt; n <= latest.run_attempt; ++n) {
    std::optional<RunRecord> attempt;
    if (n == latest.run_attempt) attempt = latest;
    for (std::size_t i = 0;
         !attempt && history != attempts_.end() && i < history->second.earlier.size(); ++i) {
      if (history->second.earlier[i].run_attempt == n) attempt = history->second.earlier[i];
    }
    if (!attempt) {
      attempt = latest;
      attempt->run_attempt = n;
      attempt->status = "completed";
      attempt->conclusion = "failure";
      attempt->run_started_at = latest.created_at;
    }
    std::vector<JobRecord> of_attempt = generate_attempt_jobs(*attempt);
    jobs.insert(jobs.end(), std::make_move_iterator(of_attempt.begin()),
                std::make_move_iterator(of_attempt.end()));
  }
  return jobs;
}

void ServerState::delete_run(std::int64_t id) {
  (void)run(id);  // throws for an unknown run
  std::vector<RunRecord>& runs = run_owner_.at(id)->runs;
  std::erase_if(runs, [id](const RunRecord& run) { return run.id == id; });
  run_owner_.erase(id);
  attempts_.erase(id);
}

std::vector<RunRecord> ServerState::earlier_attempts(std::int64_t id) const {
  const auto it = attempts_.find(id);
  return it == attempts_.end() ? std::vector<RunRecord>{} : it->second.earlier;
}

RunRecord ServerState::with_attempts(const RunRecord& latest) const {
  RunRecord result = latest;
  result.earlier_attempts.clear();
  for (std::int64_t n = 1; n < latest.run_attempt; ++n) {
    AttemptRecord record{latest.id, n, false, "", "", std::nullopt, 0};
    if (const auto served = attempt(latest, n)) {
      record.found = true;
      record.status = served->status;
      record.conclusion = served->conclusion;
      record.run_started_at = served->run_started_at;
      record.updated_at = served->updated_at;
    }
    result.earlier_attempts.push_back(std::move(record));
  }
  return result;
}

std::int64_t ServerState::save_replica() {
  replica_.clear();
  std::int64_t saved = 0;
  for (const auto& repository : repositories_) {
    replica_[repository.get()] = repository->runs;
    saved += static_cast<std::int64_t>(repository->runs.size());
  }
  return saved;
}

const std::vector<RunRecord>* ServerState::replica_runs(const Repository& repository) const {
  const auto it = replica_.find(&repository);
  return it == replica_.end() ? nullptr : &it->second;
}

void ServerState::refill(Timestamp now) {
  if (now < rate.reset) return;
  rate.remaining = rate.limit;
  rate.used = 0;
  rate.reset = now + std::max<std::int64_t>(rate.window_seconds, 1);
}

std::optional<Fault> ServerState::take_fault(std::string_view target) {
  for (auto it = faults.begin(); it != faults.end(); ++it) {
    if (it->times <= 0 || target.find(it->path_contains) == std::string_view::npos) continue;
    Fault fault = *it;
    if (--it->times == 0) faults.erase(it);
    return fault;
  }
  return std::nullopt;
}

LogSlot ServerState::record(RecordedRequest request) {
  log.push_back(std::move(request));
  return LogSlot{log.size() - 1, log_generation};
}

void ServerState::set_status(const LogSlot& slot, int status) {
  if (slot.generation == log_generation && slot.index < log.size()) {
    log[slot.index].status = status;
  }
}

void ServerState::sleep(std::chrono::milliseconds duration) {
  if (duration.count() <= 0) return;
  std::unique_lock lock(mutex);
  stop_signal.wait_for(lock, duration, [this] { return stopping; });
}

}  // namespace cipette::fake_github::detail
