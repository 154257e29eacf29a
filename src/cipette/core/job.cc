#include "cipette/core/job.h"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

namespace cipette {

std::int64_t JobRecord::version() const {
  Timestamp latest = 0;
  for (const std::optional<Timestamp>& t : {created_at, started_at, completed_at}) {
    if (t) latest = std::max(latest, *t);
  }
  return forward_version(run_attempt, progress_of(status), latest);
}

namespace {

// Every field but waited and steps (compared apart): a copy-free equality.
auto job_fields(const JobRecord& j) {
  return std::tie(j.id, j.run_id, j.run_attempt, j.name, j.status, j.conclusion, j.created_at,
                  j.started_at, j.completed_at, j.labels, j.runner_name, j.runner_group_name,
                  j.html_url);
}

// `stored` holds its steps sorted by number; `incoming` holds them in GitHub's order.
bool same_steps(const std::vector<StepRecord>& stored, const std::vector<StepRecord>& incoming) {
  if (stored.size() != incoming.size()) return false;
  if (std::ranges::is_sorted(incoming, {}, &StepRecord::number)) return stored == incoming;
  std::vector<const StepRecord*> sorted;
  sorted.reserve(incoming.size());
  for (const StepRecord& step : incoming) sorted.push_back(&step);
  std::ranges::sort(sorted, {}, &StepRecord::number);
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (!(stored[i] == *sorted[i])) return false;
  }
  return true;
}

}  // namespace

JobWriteDecision decide_job_write(const StoredJob* stored, const JobRecord& incoming) {
  if (stored == nullptr) return {JobWrite::kReplace, incoming.waited};
  bool waited = incoming.waited || stored->waited;
  bool marks = incoming.waited && !stored->waited;
  std::int64_t version = incoming.version();
  if (version > stored->version) return {JobWrite::kReplace, waited};
  if (version < stored->version)
    return {marks ? JobWrite::kMarkWaited : JobWrite::kUnchanged, waited};
  const JobRecord* contents = stored->contents;
  if (contents == nullptr || job_fields(*contents) != job_fields(incoming) ||
      !same_steps(contents->steps, incoming.steps)) {
    return {JobWrite::kReplace, waited};
  }
  return {marks ? JobWrite::kMarkWaited : JobWrite::kUnchanged, waited};
}

Status validate_job(const JobRecord& job) {
  auto bad = [&](std::string_view field, std::string_view why) {
    return fail(fmt::format("job {}: field \"{}\" {}", job.id, field, why));
  };
  if (job.id <= 0) return bad("id", "must be a positive integer");
  if (job.run_id <= 0) return bad("run_id", "must be a positive integer");
  if (job.run_attempt < 1 || job.run_attempt > kMaxRunAttempt) {
    return bad("run_attempt", fmt::format("must be between 1 and {}", kMaxRunAttempt));
  }
  if (job.status.empty()) return bad("status", "is missing");
  if (job.name.empty()) return bad("name", "is missing");
  if (job.name.size() > kMaxNameBytes) {
    return bad("name", fmt::format("is longer than {} bytes", kMaxNameBytes));
  }
  if (job.labels.size() > kMaxJobLabels) {
    return bad("labels", fmt::format("has more than {} labels", kMaxJobLabels));
  }
  for (const std::string& label : job.labels) {
    if (label.size() > kMaxNameBytes) {
      return bad("labels", fmt::format("holds a label longer than {} bytes", kMaxNameBytes));
    }
  }
  if (job.steps.size() > kMaxJobSteps) {
    return bad("steps", fmt::format("has more than {} steps", kMaxJobSteps));
  }
  // Steps usually come in number order: then distinct means increasing, checked without
  // allocating (this runs for every job parsed and stored).
  bool increasing = true;
  for (std::size_t i = 0; i < job.steps.size(); ++i) {
    const StepRecord& step = job.steps[i];
    if (step.number <= 0) return bad("steps", "holds a step number that is not positive");
    if (step.name.size() > kMaxNameBytes) {
      return bad("steps", fmt::format("holds a step name longer than {} bytes", kMaxNameBytes));
    }
    if (i > 0 && step.number <= job.steps[i - 1].number) increasing = false;
  }
  if (increasing) return {};
  std::vector<std::int64_t> numbers;
  numbers.reserve(job.steps.size());
  for (const StepRecord& step : job.steps) numbers.push_back(step.number);
  std::ranges::sort(numbers);
  auto twice = std::ranges::adjacent_find(numbers);
  if (twice != numbers.end()) {
    return bad("steps", fmt::format("holds step number {} twice", *twice));
  }
  return {};
}

std::string_view job_group_name(std::string_view name) {
  if (!name.ends_with(')')) return name;
  std::size_t open = name.rfind(" (");
  if (open == std::string_view::npos || open == 0) return name;
  return name.substr(0, open);
}

std::string label_set_key(std::vector<std::string> labels) {
  std::sort(labels.begin(), labels.end());
  labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
  return fmt::format("{}", fmt::join(labels, ", "));
}

std::optional<std::int64_t> queue_seconds(const JobRecord& job) {
  if (job.waited || !job.created_at || !job.started_at) return std::nullopt;
  if (*job.started_at < *job.created_at) return std::nullopt;
  return *job.started_at - *job.created_at;
}

std::optional<std::int64_t> job_duration_seconds(const JobRecord& job) {
  if (!job.completed() || !job.started_at || !job.completed_at) return std::nullopt;
  if (*job.completed_at < *job.started_at) return std::nullopt;
  return *job.completed_at - *job.started_at;
}

}  // namespace cipette
