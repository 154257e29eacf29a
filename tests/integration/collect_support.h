#pragma once

// Shared by the end-to-end tests of `cipette collect`: the environment that points the built
// binary at a fake GitHub server, and nothing of the developer's own configuration.

#include <map>
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

}  // namespace cipette::testing
