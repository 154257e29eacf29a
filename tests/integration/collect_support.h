#pragma once

// Shared by the end-to-end tests of `cipette collect`: a fake GitHub server and its generated
// runs, and the environment that points the built binary at it, with nothing of the developer's
// own configuration.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "fake_github/fake_github.h"

namespace cipette::testing {

// GITHUB_TOKEN = `token`, GITHUB_API_URL = the fake; repositories, database and proxies unset.
inline std::map<std::string, std::string> collect_environment(const fake_github::FakeGitHub& fake,
                                                              std::string_view token) {
  return {{"GITHUB_TOKEN", std::string(token)},
          {"GITHUB_API_URL", fake.base_url()},
          {"TARGET_REPOSITORIES", ""},
          {"DATABASE_URL", ""},
          {"http_proxy", ""},
          {"HTTP_PROXY", ""},
          {"https_proxy", ""},
          {"HTTPS_PROXY", ""},
          {"ALL_PROXY", ""},
          {"all_proxy", ""}};
}

// A fake GitHub server accepting `token`, answering each API request after `latency`, started
// on an ephemeral port of 127.0.0.1. A failed start is a test failure.
inline std::unique_ptr<fake_github::FakeGitHub> start_fake_github(
    std::string_view token, std::chrono::milliseconds latency = {}) {
  fake_github::FakeGitHubOptions options;
  options.token = std::string(token);
  options.latency = latency;
  auto fake = std::make_unique<fake_github::FakeGitHub>(options);
  auto port = fake->start();
  EXPECT_TRUE(port.has_value()) << port.error().message;
  return fake;
}

// `count` generated runs of which `in_progress` are still running (the other settings are
// RunGeneration's defaults).
inline fake_github::RunGeneration generated_runs(std::int64_t count, std::int64_t in_progress = 1) {
  fake_github::RunGeneration generation;
  generation.count = count;
  generation.in_progress = in_progress;
  return generation;
}

}  // namespace cipette::testing
