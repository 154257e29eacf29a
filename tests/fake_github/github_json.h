#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "cipette/core/run.h"
#include "cipette/core/time.h"
#include "fake_github/fake_github.h"

// Private to the fake GitHub server: GitHub's response bodies, built in the key order of
// GitHub's own examples (tests/fixtures/github/*.json). `api_base` is the server's
// "http://127.0.0.1:PORT[/api/v3]"; html URLs point at https://github.com like GitHub's.

namespace cipette::fake_github {

using Json = nlohmann::ordered_json;

// What the bodies need to know of a repository.
struct RepositoryInfo {
  std::int64_t id = 0;
  std::string full_name;  // "owner/name"
  bool is_private = false;
  Timestamp created_at = 0;
};

// A simple-user object for `login`.
Json user_json(std::string_view login, std::string_view api_base);

// A minimal-repository object (the shape of a run's `repository` and of /orgs/{org}/repos
// entries); `listing` adds the fields the repository listing carries (dates, visibility, ...).
Json repository_json(const RepositoryInfo& repository, std::string_view api_base,
                     bool listing = false);

// Appends a workflow-run object, serialised, to `out`. Empty conclusion, head_branch and actor
// become null; previous_attempt_url names attempt run_attempt - 1 (null on attempt 1). The user and
// repository objects inside are serialised once per server and reused, since they make up most of a
// run's ~10 KB (pages of 100 runs are about 1 MB).
void append_run_json(std::string& out, const RunRecord& run, const RepositoryInfo& repository,
                     std::string_view api_base);

// The body of GET /rate_limit with `core` (and `rate`) holding the live numbers.
Json rate_limit_json(const RateLimit& core);

// {"message": ..., "documentation_url": ...}.
Json error_json(std::string_view message, std::string_view documentation_url);

}  // namespace cipette::fake_github
