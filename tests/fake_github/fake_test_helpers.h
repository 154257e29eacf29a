#pragma once

// Helpers for the fake GitHub server's own tests: an HTTP client set up like a well-behaved
// GitHub client, and Link-header parsing written independently of the server's code.

#include <gtest/gtest.h>
#include <httplib.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "fake_github/fake_github.h"

namespace cipette::fake_github::testing {

inline constexpr char kToken[] = "test-token";

// Starts `fake`, failing the test if it cannot.
inline int start_or_fail(FakeGitHub& fake) {
  auto port = fake.start();
  EXPECT_TRUE(port.has_value()) << (port ? "" : port.error().message);
  return port ? *port : 0;
}

// A client for the fake on 127.0.0.1 sending the token and a User-Agent; queries are sent as
// written (callers encode them).
inline std::unique_ptr<httplib::Client> client_for(const FakeGitHub& fake,
                                                   const std::string& token = kToken) {
  auto client = std::make_unique<httplib::Client>("127.0.0.1", fake.port());
  httplib::Headers headers = {{"User-Agent", "cipette-fake-test/1.0"},
                              {"Accept", "application/vnd.github+json"}};
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  client->set_default_headers(headers);
  client->set_url_encode(false);
  client->set_read_timeout(10, 0);
  return client;
}

// GETs `path` and returns the response, failing the test on a transport error.
inline httplib::Result get(httplib::Client& client, const std::string& path,
                           const httplib::Headers& headers = {}) {
  auto result = client.Get(path, headers);
  EXPECT_TRUE(result) << "GET " << path << ": " << httplib::to_string(result.error());
  return result;
}

// The rel -> URL map of a Link header value.
inline std::map<std::string, std::string> parse_link(const std::string& value) {
  std::map<std::string, std::string> links;
  static const std::regex kEntry(R"re(<([^>]*)>;\s*rel="([a-z]+)")re");
  for (auto it = std::sregex_iterator(value.begin(), value.end(), kEntry);
       it != std::sregex_iterator(); ++it) {
    links[(*it)[2].str()] = (*it)[1].str();
  }
  return links;
}

// "http://127.0.0.1:PORT/x?y" -> "/x?y" (the URL must be on the fake).
inline std::string local_target(const FakeGitHub& fake, const std::string& url) {
  const std::string origin = "http://127.0.0.1:" + std::to_string(fake.port());
  EXPECT_EQ(url.rfind(origin, 0), 0u) << url;
  return url.substr(origin.size());
}

// A run of acme/app on workflow 77 ("CI", .github/workflows/ci.yml): octocat's push to main at
// commit `sha` repeated 40 times, created and started at `created` and updated then; the fake
// picks its id. Tests change what they are about.
inline RunRecord acme_run(Timestamp created, std::string status, std::string conclusion,
                          char sha = 'a') {
  RunRecord run;
  run.repository = "acme/app";
  run.workflow_id = 77;
  run.workflow_name = "CI";
  run.path = ".github/workflows/ci.yml";
  run.event = "push";
  run.head_branch = "main";
  run.head_sha = std::string(40, sha);
  run.actor = "octocat";
  run.status = std::move(status);
  run.conclusion = std::move(conclusion);
  run.created_at = created;
  run.run_started_at = created;
  run.updated_at = created;
  return run;
}

// A completed, failed run `id` of acme/app (acme_run), created at `created`
// (2024-03-01T00:00:00Z by default), started 5 s later, updated 300 s after its creation.
inline RunRecord failed_run(std::int64_t id, Timestamp created = 1709251200) {
  RunRecord run = acme_run(created, "completed", "failure", 'c');
  run.id = id;
  run.run_started_at = created + 5;
  run.updated_at = created + 300;
  return run;
}

inline nlohmann::json body_json(const httplib::Result& result) {
  return nlohmann::json::parse(result->body);
}

}  // namespace cipette::fake_github::testing
