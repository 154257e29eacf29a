#include "fake_github/fake_github.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "fake_github/fake_control.h"
#include "fake_github/fake_http.h"
#include "fake_github/fake_state.h"
#include "fake_github/run_generator.h"

namespace cipette::fake_github {

std::optional<std::string> RecordedRequest::header(std::string_view name) const {
  const std::string wanted = detail::lower(name);
  for (const auto& [key, value] : headers) {
    if (detail::lower(key) == wanted) return value;
  }
  return std::nullopt;
}

FakeGitHub::FakeGitHub(FakeGitHubOptions options)
    : state_(std::make_shared<detail::ServerState>(std::move(options))),
      server_(std::make_unique<detail::HttpServer>(state_)) {}

FakeGitHub::~FakeGitHub() { stop(); }

Result<int> FakeGitHub::start() { return server_->start(); }

void FakeGitHub::stop() { server_->stop(); }

int FakeGitHub::port() const {
  std::lock_guard lock(state_->mutex);
  return state_->port;
}

std::string FakeGitHub::base_url() const {
  std::lock_guard lock(state_->mutex);
  return fmt::format("http://127.0.0.1:{}{}", state_->port, state_->options.path_prefix);
}

std::int64_t FakeGitHub::add_repository(std::string_view full_name, bool is_private) {
  std::lock_guard lock(state_->mutex);
  return state_->add_repository(full_name, is_private).id;
}

std::vector<RunRecord> FakeGitHub::add_generated_runs(std::string_view full_name,
                                                      const RunGeneration& generation) {
  if (generation.count < 0 || generation.span_seconds < 1 || !(generation.rerun_share >= 0) ||
      generation.rerun_share > 1) {
    throw std::invalid_argument(
        "fake GitHub: count must be >= 0, span_seconds >= 1 and rerun_share in 0..1");
  }
  RunGeneration resolved = generation;
  if (resolved.end == 0) resolved.end = now_utc();
  std::lock_guard lock(state_->mutex);
  detail::Repository& repository = state_->ensure_repository(full_name);
  const GenerationTarget target{repository.full_name, repository.id,
                                state_->reserve_run_ids(generation.count), &repository.run_numbers};
  std::vector<RunRecord> runs = generate_runs(resolved, target);
  state_->insert_runs(repository, runs);
  for (RunRecord& run : runs) run.earlier_attempts.clear();  // as listed
  return runs;
}

std::vector<RunRecord> FakeGitHub::add_runs_on_one_day(std::string_view full_name,
                                                       std::int64_t count, Timestamp day,
                                                       std::uint64_t seed) {
  const Timestamp midnight = day - ((day % kSecondsPerDay) + kSecondsPerDay) % kSecondsPerDay;
  return add_generated_runs(
      full_name, RunGeneration{count, midnight + kSecondsPerDay, kSecondsPerDay, 0, seed});
}

RunRecord FakeGitHub::add_run(RunRecord run) {
  std::lock_guard lock(state_->mutex);
  detail::Repository& repository = state_->repository(run.repository);
  run.repository = repository.full_name;
  run.repository_id = repository.id;
  if (run.id == 0) {
    run.id = state_->reserve_run_ids(1);
    for (AttemptRecord& attempt : run.earlier_attempts) {
      if (attempt.run_id == 0) attempt.run_id = run.id;
    }
  }
  if (run.html_url.empty()) {
    run.html_url = fmt::format("https://github.com/{}/actions/runs/{}", run.repository, run.id);
  }
  if (run.updated_at == 0) run.updated_at = run.created_at;
  if (run.run_number == 0) run.run_number = repository.run_numbers[run.workflow_id] + 1;
  if (const Status valid = validate_run(run); !valid) {
    throw std::invalid_argument("fake GitHub: " + valid.error().message);
  }
  state_->insert_runs(repository, {run});
  run.earlier_attempts.clear();  // as listed
  return run;
}

RunRecord FakeGitHub::update_run(std::int64_t id, const std::function<void(RunRecord&)>& change) {
  std::lock_guard lock(state_->mutex);
  RunRecord& stored = state_->run(id);
  RunRecord changed = stored;
  change(changed);
  changed.id = stored.id;
  changed.repository = stored.repository;
  changed.repository_id = stored.repository_id;
  changed.run_attempt = stored.run_attempt;
  changed.earlier_attempts.clear();
  if (changed.updated_at == stored.updated_at) ++changed.updated_at;
  stored = changed;
  state_->resort(id);
  return changed;
}

RunRecord FakeGitHub::complete_run(std::int64_t id, std::string_view conclusion, Timestamp at) {
  std::lock_guard lock(state_->mutex);
  return state_->complete(id, conclusion, at);
}

std::int64_t FakeGitHub::complete_in_progress_runs(Timestamp at) {
  std::lock_guard lock(state_->mutex);
  return state_->complete_unfinished(at);
}

RunRecord FakeGitHub::rerun(std::int64_t id, std::string_view conclusion, Timestamp at) {
  std::lock_guard lock(state_->mutex);
  return state_->rerun(id, "completed", conclusion, at);
}

RunRecord FakeGitHub::start_rerun(std::int64_t id, Timestamp at, std::string_view status) {
  std::lock_guard lock(state_->mutex);
  if (status == "completed") {
    throw std::invalid_argument("fake GitHub: start_rerun leaves a run queued or in_progress");
  }
  return state_->rerun(id, status, "", at);
}

void FakeGitHub::expire_attempts(std::int64_t id) {
  std::lock_guard lock(state_->mutex);
  state_->expire_attempts(id);
}

std::vector<RunRecord> FakeGitHub::attempts(std::int64_t id) const {
  std::lock_guard lock(state_->mutex);
  std::vector<RunRecord> attempts = state_->earlier_attempts(id);
  attempts.push_back(state_->run(id));
  return attempts;
}

RunRecord FakeGitHub::run_with_attempts(std::int64_t id) const {
  std::lock_guard lock(state_->mutex);
  return state_->with_attempts(state_->run(id));
}

std::vector<RunRecord> FakeGitHub::runs_with_attempts(std::string_view full_name) const {
  std::lock_guard lock(state_->mutex);
  std::vector<RunRecord> runs;
  for (const RunRecord& run : state_->repository(full_name).runs) {
    runs.push_back(state_->with_attempts(run));
  }
  return runs;
}

std::vector<JobRecord> FakeGitHub::jobs(std::int64_t id, bool all) const {
  std::lock_guard lock(state_->mutex);
  return state_->jobs(state_->run(id), all);
}

void FakeGitHub::delete_run(std::int64_t id) {
  std::lock_guard lock(state_->mutex);
  state_->delete_run(id);
}

std::int64_t FakeGitHub::save_replica() {
  std::lock_guard lock(state_->mutex);
  return state_->save_replica();
}

std::vector<RunRecord> FakeGitHub::runs(std::string_view full_name) const {
  std::lock_guard lock(state_->mutex);
  return state_->repository(full_name).runs;
}

std::vector<RunRecord> FakeGitHub::all_runs() const {
  std::lock_guard lock(state_->mutex);
  std::vector<RunRecord> runs;
  for (const auto& repository : state_->all_repositories()) {
    runs.insert(runs.end(), repository->runs.begin(), repository->runs.end());
  }
  return runs;
}

std::optional<RunRecord> FakeGitHub::find_run(std::int64_t id) const {
  std::lock_guard lock(state_->mutex);
  try {
    return state_->run(id);
  } catch (const std::invalid_argument&) {
    return std::nullopt;
  }
}

std::vector<std::string> FakeGitHub::repositories() const {
  std::lock_guard lock(state_->mutex);
  std::vector<std::string> names;
  for (const auto& repository : state_->all_repositories()) {
    names.push_back(repository->full_name);
  }
  return names;
}

std::string FakeGitHub::runs_document() const { return detail::runs_document(*state_, base_url()); }

void FakeGitHub::set_token(std::string token) {
  std::lock_guard lock(state_->mutex);
  state_->options.token = std::move(token);
}

void FakeGitHub::set_latency(std::chrono::milliseconds latency) {
  std::lock_guard lock(state_->mutex);
  state_->options.latency = latency;
}

void FakeGitHub::set_rate_limit(const RateLimit& rate_limit) {
  std::lock_guard lock(state_->mutex);
  state_->rate = rate_limit;
  if (state_->rate.reset == 0) state_->rate.reset = now_utc() + rate_limit.window_seconds;
}

RateLimit FakeGitHub::rate_limit() const {
  std::lock_guard lock(state_->mutex);
  state_->refill(now_utc());
  return state_->rate;
}

void FakeGitHub::add_fault(Fault fault) {
  std::lock_guard lock(state_->mutex);
  state_->faults.push_back(std::move(fault));
}

int FakeGitHub::pending_faults() const {
  std::lock_guard lock(state_->mutex);
  return std::accumulate(
      state_->faults.begin(), state_->faults.end(), 0,
      [](int sum, const Fault& fault) { return sum + std::max(fault.times, 0); });
}

void FakeGitHub::clear_faults() {
  std::lock_guard lock(state_->mutex);
  state_->faults.clear();
}

std::vector<RecordedRequest> FakeGitHub::requests() const {
  std::lock_guard lock(state_->mutex);
  return state_->log;
}

void FakeGitHub::clear_requests() {
  std::lock_guard lock(state_->mutex);
  state_->log.clear();
  ++state_->log_generation;
}

std::int64_t FakeGitHub::counted_requests() const {
  std::lock_guard lock(state_->mutex);
  return state_->counted;
}

}  // namespace cipette::fake_github
