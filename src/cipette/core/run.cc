#include "cipette/core/run.h"

#include <fmt/format.h>

#include <algorithm>

namespace cipette {

Outcome classify_conclusion(std::string_view conclusion) {
  if (conclusion == "success") return Outcome::kSuccess;
  if (conclusion == "failure" || conclusion == "timed_out" || conclusion == "startup_failure") {
    return Outcome::kFailed;
  }
  return Outcome::kNeutral;
}

std::string_view outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::kSuccess:
      return "success";
    case Outcome::kFailed:
      return "failed";
    case Outcome::kNeutral:
      break;
  }
  return "neutral";
}

bool is_valid_repository_name(std::string_view name) {
  auto slash = name.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == name.size()) return false;
  if (name.size() > 200) return false;
  // "." and ".." are not names: they would turn an API path into another one (../../orgs/x).
  std::string_view owner = name.substr(0, slash);
  std::string_view repo = name.substr(slash + 1);
  for (std::string_view part : {owner, repo}) {
    if (part == "." || part == "..") return false;
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || (c == '/' && i == slash);
    if (!ok) return false;
  }
  return true;
}

Status validate_run(const RunRecord& run) {
  auto bad = [&](std::string_view field, std::string_view why) {
    return fail(fmt::format("run {}: field \"{}\" {}", run.id, field, why));
  };
  if (run.id <= 0) return bad("id", "must be a positive integer");
  if (!is_valid_repository_name(run.repository)) {
    return bad("repository",
               fmt::format("must be owner/name, got \"{}\"", run.repository.substr(0, 100)));
  }
  if (run.workflow_id <= 0) return bad("workflow_id", "must be a positive integer");
  if (run.status.empty()) return bad("status", "is missing");
  if (run.run_attempt < 1) return bad("run_attempt", "must be at least 1");
  if (run.run_attempt > kMaxRunAttempt) {
    return bad("run_attempt", fmt::format("must be at most {}", kMaxRunAttempt));
  }
  std::int64_t previous = 0;
  for (const AttemptRecord& attempt : run.earlier_attempts) {
    if (auto valid = validate_attempt(attempt); !valid) return valid;
    if (attempt.attempt <= previous) {
      return bad("earlier_attempts", "must be in increasing attempt order, each once");
    }
    previous = attempt.attempt;
    if (attempt.run_id != run.id) {
      return bad("earlier_attempts", fmt::format("holds an attempt of run {}", attempt.run_id));
    }
    if (attempt.attempt >= run.run_attempt) {
      return bad("earlier_attempts", fmt::format("holds attempt {}, not below run_attempt {}",
                                                 attempt.attempt, run.run_attempt));
    }
  }
  return {};
}

Status validate_attempt(const AttemptRecord& attempt) {
  auto bad = [&](std::string_view field, std::string_view why) {
    return fail(fmt::format("run {} attempt {}: field \"{}\" {}", attempt.run_id, attempt.attempt,
                            field, why));
  };
  if (attempt.run_id <= 0) return bad("id", "must be a positive integer");
  if (attempt.attempt < 1 || attempt.attempt > kMaxRunAttempt) {
    return bad("run_attempt", fmt::format("must be between 1 and {}", kMaxRunAttempt));
  }
  if (attempt.found && attempt.status.empty()) return bad("status", "is missing");
  return {};
}

Progress progress_of(std::string_view status) {
  if (status == "completed") return Progress::kCompleted;
  if (status == "in_progress") return Progress::kInProgress;
  return Progress::kWaiting;
}

std::int64_t forward_version(std::int64_t attempt, Progress progress, Timestamp time) {
  // attempt (17 bits with room) | progress (2 bits) | time (38 bits: 8,700 years). Schema 4
  // stored attempt << 40 | completed << 39 | updated_at, which this equals for completed and
  // waiting versions (docs/decisions.md, "Jobs in the store").
  constexpr std::int64_t kTimeBits = 38;
  constexpr Timestamp kMaxTime = (Timestamp{1} << kTimeBits) - 1;
  std::int64_t a = std::clamp<std::int64_t>(attempt, 0, kMaxRunAttempt);
  Timestamp t = std::clamp<Timestamp>(time, 0, kMaxTime);
  return (a << (kTimeBits + 2)) | (static_cast<std::int64_t>(progress) << kTimeBits) | t;
}

AttemptSummary summarize_attempts(const RunRecord& run) {
  AttemptSummary summary;
  bool failed_before = false;
  auto see = [&](bool completed, Outcome outcome) {
    if (!completed) return;
    if (outcome == Outcome::kSuccess && failed_before) summary.flaky = true;
    if (outcome == Outcome::kFailed) failed_before = true;
  };
  for (const AttemptRecord& attempt : run.earlier_attempts) {
    if (attempt.attempt >= run.run_attempt) continue;
    Outcome outcome = classify_conclusion(attempt.conclusion);
    if (attempt.attempt == 1 && attempt.completed()) summary.first = outcome;
    see(attempt.completed(), outcome);
    if (attempt.completed() && attempt.run_started_at &&
        attempt.updated_at >= *attempt.run_started_at) {
      summary.seconds_lost += attempt.updated_at - *attempt.run_started_at;
    }
  }
  Outcome latest = classify_conclusion(run.conclusion);
  if (run.run_attempt == 1 && run.completed()) summary.first = latest;
  see(run.completed(), latest);
  return summary;
}

}  // namespace cipette
