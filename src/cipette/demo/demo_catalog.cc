#include "cipette/demo/demo_catalog.h"

#include <algorithm>
#include <array>
#include <cstdlib>

namespace cipette::demo {
namespace {

using enum Trigger;
using enum Schedule;

// Medians and failure rates follow what busy GitHub organisations report: linters in a minute,
// CI in a few minutes, end-to-end suites in tens of minutes, nightlies up to an hour.
constexpr std::array kTemplates = {
    WorkflowTemplate{'C', "CI", "ci.yml", 360, 0.10, 10, kPushAndPullRequest, kNone, 0},
    WorkflowTemplate{'B', "Build", "build.yml", 240, 0.06, 6, kPushAndPullRequest, kNone, 0},
    WorkflowTemplate{'L', "Lint", "lint.yml", 60, 0.06, 6, kMostlyPullRequest, kNone, 0},
    WorkflowTemplate{'U', "Unit tests", "unit-tests.yml", 300, 0.09, 6, kPushAndPullRequest, kNone,
                     0},
    WorkflowTemplate{'I', "Integration tests", "integration-tests.yml", 900, 0.12, 3,
                     kPushAndPullRequest, kNone, 0},
    WorkflowTemplate{'E', "E2E tests", "e2e.yml", 1200, 0.14, 3, kPushAndPullRequest, kNone, 0},
    WorkflowTemplate{'D', "Deploy", "deploy.yml", 480, 0.05, 1.5, kDeploy, kNone, 0},
    WorkflowTemplate{'R', "Release", "release.yml", 720, 0.05, 0.15, kRelease, kNone, 0},
    WorkflowTemplate{'Q', "CodeQL", "codeql.yml", 420, 0.02, 2, kPushAndPullRequest, kWeekly, 5},
    WorkflowTemplate{'O', "Docs", "docs.yml", 150, 0.03, 1.5, kMostlyPullRequest, kNone, 0},
    WorkflowTemplate{'T', "Terraform plan", "terraform.yml", 180, 0.08, 5, kPushAndPullRequest,
                     kNone, 0},
    WorkflowTemplate{'K', "Docker image", "docker.yml", 600, 0.06, 2, kPushAndPullRequest, kNone,
                     0},
    WorkflowTemplate{'N', "Nightly", "nightly.yml", 2700, 0.15, 0, kScheduleOnly, kDaily, 3},
};

constexpr std::array kRepositories = {
    RepositorySpec{"acme/api-gateway", 1.5, 1.0, false, "CBLUIDQ"},
    RepositorySpec{"acme/web-frontend", 1.8, 1.1, false, "CLUEDR"},
    RepositorySpec{"acme/payments", 1.2, 1.2, false, "CLUIDQN"},
    RepositorySpec{"acme/mobile-app", 1.0, 1.5, false, "CBLER"},
    RepositorySpec{"acme/auth-service", 0.9, 0.9, false, "CLUDQ"},
    RepositorySpec{"acme/data-pipeline", 0.8, 1.3, false, "CLUND"},
    RepositorySpec{"acme/search", 0.8, 1.0, false, "CBUID"},
    RepositorySpec{"acme/notifications", 0.5, 0.7, false, "CLD"},
    RepositorySpec{"acme/billing", 0.7, 1.0, false, "CLUIDN"},
    RepositorySpec{"acme/design-system", 0.7, 0.8, false, "CLERO"},
    RepositorySpec{"acme/docs-site", 0.4, 0.6, false, "BLOD"},
    RepositorySpec{"acme/analytics", 0.6, 1.2, false, "CUND"},
    RepositorySpec{"acme/inventory", 0.5, 0.9, false, "CLUD"},
    RepositorySpec{"acme/checkout", 1.0, 1.1, false, "CLUEDQ"},
    RepositorySpec{"acme/user-profile", 0.4, 0.8, false, "CLD"},
    RepositorySpec{"acme/ml-platform", 0.6, 1.6, false, "CUKND"},
    RepositorySpec{"acme/cli", 0.4, 0.5, true, "CLRQ"},
    RepositorySpec{"acme/sdk-python", 0.5, 0.7, true, "CLRO"},
    RepositorySpec{"acme/sdk-js", 0.5, 0.7, true, "CLROQ"},
    RepositorySpec{"octo-labs/infra", 0.5, 1.0, true, "TLKNDQ"},
};

// Days count back from the end of the history; 999 means "since before the history began".
constexpr std::array kStories = {
    // Two notoriously flaky end-to-end suites; the web one gets fixed a month before the end.
    Story{"acme/mobile-app", "E2E tests", 999, 0, 0.24, 1.0},
    Story{"acme/web-frontend", "E2E tests", 999, 30, 0.26, 1.0},
    // A broken deploy pipeline, red for two days.
    Story{"acme/payments", "Deploy", 41, 39, 0.92, 1.0},
    // Five nights of failing nightlies after a schema change.
    Story{"acme/data-pipeline", "Nightly", 25, 20, 0.95, 1.0},
    // A heavy test suite lands in CI; caching wins most of it back later.
    Story{"acme/api-gateway", "CI", 60, 20, -1, 1.5},
    Story{"acme/api-gateway", "CI", 20, 0, -1, 1.1},
    // Main of the web front end broken for three days by an upstream release.
    Story{"acme/web-frontend", "CI", 100, 97, 0.7, 1.0},
};

constexpr std::array<std::string_view, 18> kTeam = {
    "alice-dev", "bob-builds", "carol-ops", "dmitri-k", "emma-sre", "farid-h",
    "grace-qa",  "hiro-t",     "ines-m",    "jonas-w",  "kim-lee",  "lucas-p",
    "maya-r",    "nora-s",     "oscar-v",   "priya-n",  "quinn-j",  "rosa-g",
};

constexpr std::array<std::string_view, 6> kForkLogins = {
    "octocat-fan", "oss-helper", "drive-by-dev", "typo-hunter", "weekend-hacker", "zhang-wei"};

constexpr std::array<std::string_view, 24> kFeatureTopics = {
    "checkout-redesign",
    "rate-limiter",
    "dark-mode",
    "retry-backoff",
    "search-filters",
    "oauth-scopes",
    "cache-warmup",
    "bulk-export",
    "audit-log",
    "i18n-french",
    "webhooks-v2",
    "graphql-schema",
    "feature-flags",
    "pagination",
    "sso-okta",
    "invoice-pdf",
    "push-notifications",
    "csv-import",
    "metrics-endpoint",
    "onboarding-flow",
    "multi-currency",
    "image-resizing",
    "rbac",
    "streaming-api",
};

constexpr std::array<std::string_view, 16> kFixTopics = {
    "null-deref",     "timezone-offset", "flaky-login-test", "memory-leak",  "race-in-worker",
    "utf8-filenames", "off-by-one",      "retry-storm",      "cors-headers", "session-expiry",
    "rounding-error", "deadlock",        "slow-query",       "broken-link",  "typo",
    "leap-year",
};

constexpr std::array<std::string_view, 12> kPackages = {
    "axios",      "lodash",  "react", "webpack",  "eslint", "jest",
    "typescript", "express", "vite",  "prettier", "moment", "next",
};

}  // namespace

std::span<const RepositorySpec> repository_specs() { return kRepositories; }

const WorkflowTemplate& workflow_template(char code) {
  for (const auto& t : kTemplates) {
    if (t.code == code) return t;
  }
  std::abort();  // a typo in kRepositories: a programming error
}

std::span<const Story> stories() { return kStories; }

int repository_count_for(std::int64_t runs) {
  constexpr std::int64_t kRunsPerRepository = 50000;
  const auto all = static_cast<std::int64_t>(kRepositories.size());
  return static_cast<int>(std::clamp<std::int64_t>(runs / kRunsPerRepository, 3, all));
}

bool repository_selected(std::size_t index, int count) {
  return index + 1 == kRepositories.size() || index + 1 < static_cast<std::size_t>(count);
}

std::span<const std::string_view> team_logins() { return kTeam; }
std::span<const std::string_view> fork_logins() { return kForkLogins; }
std::span<const std::string_view> feature_topics() { return kFeatureTopics; }
std::span<const std::string_view> fix_topics() { return kFixTopics; }
std::span<const std::string_view> dependency_packages() { return kPackages; }

}  // namespace cipette::demo
