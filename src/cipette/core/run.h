#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cipette/core/time.h"

namespace cipette {

// How a completed run's conclusion counts in the metrics (docs/metrics.md, "Terms").
enum class Outcome : std::uint8_t {
  kSuccess,  // success
  kFailed,   // failure, timed_out, startup_failure
  kNeutral,  // cancelled, skipped, neutral, action_required, stale, missing or unknown
};

// Classifies a GitHub conclusion string ("" stands for null).
Outcome classify_conclusion(std::string_view conclusion);

// "success", "failed" or "neutral".
std::string_view outcome_name(Outcome outcome);

// One GitHub workflow run as stored: the fields of its latest attempt. Strings hold GitHub's
// values verbatim (they are untrusted: escape them wherever they are rendered).
struct RunRecord {
  std::int64_t id = 0;
  std::int64_t repository_id = 0;
  std::string repository;  // "owner/name"
  std::int64_t workflow_id = 0;
  std::string workflow_name;
  std::string path;  // ".github/workflows/ci.yml" (GitHub may append "@ref")
  std::int64_t run_number = 0;
  std::int64_t run_attempt = 1;
  std::string event;
  std::string status;      // "completed", "in_progress", "queued", ...
  std::string conclusion;  // "" when GitHub sent null
  std::string head_branch;
  std::string head_sha;
  std::string actor;  // login; "" when absent
  Timestamp created_at = 0;
  std::optional<Timestamp> run_started_at;
  Timestamp updated_at = 0;
  std::string html_url;

  bool completed() const { return status == "completed"; }
  // run_started_at, or created_at where that is missing.
  Timestamp started() const { return run_started_at.value_or(created_at); }

  friend bool operator==(const RunRecord&, const RunRecord&) = default;
};

// Checks what the store and the metrics rely on: positive ids, a repository "owner/name",
// non-empty status. Fails naming the run id and the field.
Status validate_run(const RunRecord& run);

// True for "owner/name" where both parts are non-empty and consist of GitHub's allowed
// characters (letters, digits, '-', '_', '.'), and neither is "." or "..".
bool is_valid_repository_name(std::string_view name);

}  // namespace cipette
