// The libcurl transport and the client on it, against the fake GitHub server on 127.0.0.1.
#include <gtest/gtest.h>

#include "cipette/github/client.h"
#include "cipette/github/http_transport.h"
#include "fake_github/fake_github.h"

namespace cipette::github {
namespace {

using fake_github::FakeGitHub;
using fake_github::FakeGitHubOptions;
using fake_github::Fault;
using fake_github::FaultKind;

constexpr std::string_view kToken = "fake-token-c0ffee";

struct Server {
  explicit Server(std::string prefix = "") {
    FakeGitHubOptions options;
    options.token = std::string(kToken);
    options.path_prefix = std::move(prefix);
    fake = std::make_unique<FakeGitHub>(options);
    fake_github::RunGeneration generation;
    generation.count = 250;
    fake->add_generated_runs("octo/repo", generation);
    auto port = fake->start();
    EXPECT_TRUE(port.has_value()) << port.error().message;
  }
  std::unique_ptr<FakeGitHub> fake;
};

std::unique_ptr<CurlTransport> transport(CurlTransportOptions options = {}) {
  auto created = CurlTransport::create(options);
  EXPECT_TRUE(created.has_value()) << created.error().message;
  return std::move(*created);
}

HttpRequest request(const Server& server, std::string path) {
  return HttpRequest{server.fake->base_url() + path,
                     {{"Authorization", "Bearer " + std::string(kToken)},
                      {"User-Agent", "cipette-test"},
                      {"Accept", "application/vnd.github+json"}}};
}

TEST(CurlTransportTest, ReturnsStatusBodyAndHeadersByAnyCase) {
  Server server;
  auto http = transport();
  auto response = http->get(request(server, "/repos/octo/repo/actions/runs?per_page=5"));
  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_NE(response->body.find("\"workflow_runs\""), std::string::npos);
  EXPECT_TRUE(response->headers.find("ETag").has_value());
  EXPECT_EQ(response->headers.find("X-RateLimit-Resource"), "core");
  EXPECT_NE(response->headers.find("link")->find("rel=\"next\""), std::string::npos);
}

TEST(CurlTransportTest, ReusesOneHandleForManyRequests) {
  Server server;
  auto http = transport();
  for (int i = 0; i < 5; ++i) {
    auto response = http->get(request(server, "/repos/octo/repo/actions/runs?per_page=1"));
    ASSERT_TRUE(response.has_value()) << response.error().message;
    EXPECT_EQ(response->status, 200);
  }
  EXPECT_EQ(server.fake->requests().size(), 5u);
}

TEST(CurlTransportTest, ReturnsRedirectsWithoutFollowingThem) {
  Server server;
  Fault redirect;
  redirect.kind = FaultKind::kRedirect;
  server.fake->add_fault(redirect);
  auto response = transport()->get(request(server, "/repos/octo/repo/actions/runs"));
  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(response->status, 302);
  EXPECT_TRUE(response->headers.find("location")->starts_with(fake_github::kForeignBaseUrl));
}

TEST(CurlTransportTest, TimesOutNamingTheUrl) {
  Server server;
  Fault slow;
  slow.kind = FaultKind::kDelay;
  slow.delay = std::chrono::milliseconds(3000);
  server.fake->add_fault(slow);
  CurlTransportOptions options;
  options.total_timeout = std::chrono::milliseconds(300);
  auto response = transport(options)->get(request(server, "/repos/octo/repo/actions/runs"));
  ASSERT_FALSE(response.has_value());
  EXPECT_NE(response.error().message.find(server.fake->base_url()), std::string::npos);
  EXPECT_NE(response.error().message.find("timed out"), std::string::npos)
      << response.error().message;
  EXPECT_EQ(response.error().message.find(kToken), std::string::npos);
}

TEST(CurlTransportTest, ABodyCutShortIsAFailure) {
  Server server;
  Fault cut;
  cut.kind = FaultKind::kTruncatedBody;
  server.fake->add_fault(cut);
  auto response = transport()->get(request(server, "/repos/octo/repo/actions/runs"));
  ASSERT_FALSE(response.has_value());
}

TEST(CurlTransportTest, RefusesABodyOverTheLimit) {
  Server server;
  CurlTransportOptions options;
  options.max_body_bytes = 1000;
  auto response = transport(options)->get(request(server, "/repos/octo/repo/actions/runs"));
  ASSERT_FALSE(response.has_value());
  EXPECT_NE(response.error().message.find("larger than 1000 bytes"), std::string::npos);
}

TEST(CurlTransportTest, ConnectionRefusedIsAFailure) {
  auto response = transport()->get(HttpRequest{"http://127.0.0.1:1/x", {}});
  ASSERT_FALSE(response.has_value());
  EXPECT_NE(response.error().message.find("http://127.0.0.1:1/x"), std::string::npos);
}

// The client on the real transport: pages through an Enterprise Server prefix by Link.
TEST(ClientOnCurlTest, FollowsLinksUnderAnEnterprisePrefix) {
  Server server("/api/v3");
  auto http = transport();
  ClientOptions options;
  options.api_url = server.fake->base_url();
  options.token = std::string(kToken);
  auto client = Client::create(options, *http);
  ASSERT_TRUE(client.has_value());
  std::string next = "/repos/octo/repo/actions/runs?per_page=100";
  int pages = 0;
  while (!next.empty()) {
    auto page = client->get(next);
    ASSERT_TRUE(page.has_value()) << page.error().message;
    next = page->next_url;
    ++pages;
  }
  EXPECT_EQ(pages, 3);  // 250 runs, 100 a page
  for (const auto& recorded : server.fake->requests()) {
    EXPECT_TRUE(recorded.target.starts_with("/api/v3/repos/octo/repo/actions/runs"));
    EXPECT_EQ(recorded.header("x-github-api-version"), "2022-11-28");
  }
}

TEST(ClientOnCurlTest, RefusesAForeignLinkAndSendsNothingThere) {
  Server server;
  Fault foreign;
  foreign.kind = FaultKind::kForeignLink;
  server.fake->add_fault(foreign);
  auto http = transport();
  ClientOptions options;
  options.api_url = server.fake->base_url();
  options.token = std::string(kToken);
  auto client = Client::create(options, *http);
  ASSERT_TRUE(client.has_value());
  auto page = client->get("/repos/octo/repo/actions/runs?per_page=100");
  ASSERT_FALSE(page.has_value());
  EXPECT_NE(page.error().message.find("evil.example.invalid"), std::string::npos)
      << page.error().message;
  EXPECT_EQ(page.error().message.find(kToken), std::string::npos);
  EXPECT_EQ(client->stats().requests, 1);
}

}  // namespace
}  // namespace cipette::github
