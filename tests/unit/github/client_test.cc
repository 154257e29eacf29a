// The GitHub client against a scripted transport: what it sends, and what it does with each
// kind of answer. No network, no real waiting.
#include "cipette/github/client.h"

#include <gtest/gtest.h>

#include <deque>

namespace cipette::github {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr Timestamp kNow = 1'700'000'000;
constexpr std::string_view kToken = "ghp_secret0123456789";

// Answers requests from a script, recording what was sent.
class ScriptedTransport final : public HttpTransport {
 public:
  Result<HttpResponse> get(const HttpRequest& request) override {
    sent.push_back(request);
    if (script.empty()) return fail("GET ", request.url, ": nothing scripted");
    Result<HttpResponse> next = std::move(script.front());
    script.pop_front();
    return next;
  }

  void answer(int status, std::string body = "{}",
              std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    for (auto& [name, value] : headers) response.headers.add(name, value);
    script.emplace_back(std::move(response));
  }
  void fail_exchange(std::string message) { script.emplace_back(Error{std::move(message)}); }

  std::deque<Result<HttpResponse>> script;
  std::vector<HttpRequest> sent;
};

std::optional<std::string> header_of(const HttpRequest& request, std::string_view name) {
  for (const auto& [field, value] : request.headers) {
    if (field == name) return value;
  }
  return std::nullopt;
}

struct Harness {
  explicit Harness(std::string api_url = "https://api.github.com") {
    ClientOptions options;
    options.api_url = std::move(api_url);
    options.token = std::string(kToken);
    ClientHooks hooks;
    hooks.now = [this] { return now; };
    hooks.wait = [this](const WaitNotice& notice) {
      waits.push_back(notice);
      now += std::chrono::duration_cast<seconds>(notice.duration).count();
    };
    hooks.random = [] { return 0.0; };
    auto created = Client::create(options, transport, hooks);
    EXPECT_TRUE(created.has_value()) << created.error().message;
    client.emplace(std::move(*created));
  }

  Timestamp now = kNow;
  std::vector<WaitNotice> waits;
  ScriptedTransport transport;
  std::optional<Client> client;
};

std::vector<std::pair<std::string, std::string>> rate_headers(int remaining, Timestamp reset) {
  return {{"x-ratelimit-limit", "5000"},
          {"x-ratelimit-remaining", std::to_string(remaining)},
          {"x-ratelimit-used", std::to_string(5000 - remaining)},
          {"x-ratelimit-reset", std::to_string(reset)},
          {"x-ratelimit-resource", "core"}};
}

TEST(ClientTest, SendsGitHubsHeadersToTheApiBase) {
  Harness h;
  h.transport.answer(200, R"({"ok":true})", {{"ETag", "W/\"abc\""}});
  auto response = h.client->get("/repos/o/r/actions/runs?per_page=100");
  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, R"({"ok":true})");
  EXPECT_EQ(response->etag, "W/\"abc\"");
  ASSERT_EQ(h.transport.sent.size(), 1u);
  const HttpRequest& sent = h.transport.sent[0];
  EXPECT_EQ(sent.url, "https://api.github.com/repos/o/r/actions/runs?per_page=100");
  EXPECT_EQ(header_of(sent, "Authorization"), "Bearer ghp_secret0123456789");
  EXPECT_EQ(header_of(sent, "Accept"), "application/vnd.github+json");
  EXPECT_EQ(header_of(sent, "X-GitHub-Api-Version"), "2022-11-28");
  EXPECT_EQ(header_of(sent, "User-Agent"), "cipette/0.1");
  EXPECT_EQ(header_of(sent, "If-None-Match"), std::nullopt);
}

TEST(ClientTest, EnterpriseServerBaseKeepsItsPath) {
  Harness h("https://ghe.example.com/api/v3/");
  h.transport.answer(200);
  ASSERT_TRUE(h.client->get("/orgs/acme/repos").has_value());
  EXPECT_EQ(h.transport.sent[0].url, "https://ghe.example.com/api/v3/orgs/acme/repos");
}

TEST(ClientTest, RejectsABaseThatIsNotAnHttpUrl) {
  ScriptedTransport transport;
  ClientOptions options;
  options.api_url = "api.github.com";
  auto client = Client::create(options, transport);
  ASSERT_FALSE(client.has_value());
  EXPECT_NE(client.error().message.find("GitHub API URL"), std::string::npos);
}

TEST(ClientTest, ConditionalRequestAcceptsNotModified) {
  Harness h;
  h.transport.answer(304, "", {{"etag", "W/\"abc\""}});
  auto response = h.client->get("/repos/o/r/actions/runs", "W/\"abc\"");
  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(response->status, 304);
  EXPECT_EQ(header_of(h.transport.sent[0], "If-None-Match"), "W/\"abc\"");
  EXPECT_EQ(h.client->stats().not_modified, 1);
}

TEST(ClientTest, ReturnsTheNextLinkOnTheApiOrigin) {
  Harness h;
  h.transport.answer(200, "{}",
                     {{"Link",
                       "<https://api.github.com/repositories/1/actions/runs?page=2>; "
                       "rel=\"next\", <https://api.github.com/x?page=9>; rel=\"last\""}});
  auto response = h.client->get("/repos/o/r/actions/runs");
  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(response->next_url, "https://api.github.com/repositories/1/actions/runs?page=2");
  // The link can be requested as it is.
  h.transport.answer(200);
  ASSERT_TRUE(h.client->get(response->next_url).has_value());
  EXPECT_EQ(h.transport.sent[1].url, response->next_url);
}

TEST(ClientTest, RefusesANextLinkToAnotherHostAndNamesIt) {
  Harness h;
  h.transport.answer(200, "{}", {{"link", "<https://evil.example/steal?page=2>; rel=\"next\""}});
  auto response = h.client->get("/repos/o/r/actions/runs");
  ASSERT_FALSE(response.has_value());
  EXPECT_NE(response.error().message.find("https://evil.example"), std::string::npos)
      << response.error().message;
  EXPECT_EQ(response.error().message.find(kToken), std::string::npos);
  EXPECT_EQ(h.transport.sent.size(), 1u);  // nothing sent to the foreign host
}

TEST(ClientTest, RefusesALinkWithAnotherSchemeOrPort) {
  for (std::string link : {"<http://api.github.com/x?page=2>; rel=\"next\"",
                           "<https://api.github.com:8443/x?page=2>; rel=\"next\""}) {
    Harness h;
    h.transport.answer(200, "{}", {{"Link", link}});
    EXPECT_FALSE(h.client->get("/x").has_value()) << link;
  }
}

TEST(ClientTest, RefusesAnAbsoluteTargetOnAnotherHost) {
  Harness h;
  auto response = h.client->get("https://evil.example/repos/o/r");
  ASSERT_FALSE(response.has_value());
  EXPECT_TRUE(h.transport.sent.empty());
}

TEST(ClientTest, FollowsARedirectOnTheApiHost) {
  Harness h;
  h.transport.answer(301, "", {{"Location", "/repositories/42/actions/runs?page=1"}});
  h.transport.answer(200, R"([1])");
  auto response = h.client->get("/repos/old/name/actions/runs?page=1");
  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(response->body, "[1]");
  EXPECT_EQ(response->url, "https://api.github.com/repositories/42/actions/runs?page=1");
  ASSERT_EQ(h.transport.sent.size(), 2u);
  EXPECT_EQ(h.transport.sent[1].url, response->url);
}

TEST(ClientTest, RefusesARedirectToAnotherHost) {
  Harness h;
  h.transport.answer(302, "", {{"Location", "https://evil.example/collect"}});
  auto response = h.client->get("/repos/o/r/actions/runs");
  ASSERT_FALSE(response.has_value());
  EXPECT_NE(response.error().message.find("refusing a redirect to https://evil.example"),
            std::string::npos)
      << response.error().message;
  EXPECT_EQ(h.transport.sent.size(), 1u);
}

TEST(ClientTest, StopsARedirectLoop) {
  Harness h;
  for (int i = 0; i < 10; ++i) h.transport.answer(302, "", {{"Location", "/loop"}});
  auto response = h.client->get("/loop");
  ASSERT_FALSE(response.has_value());
  EXPECT_NE(response.error().message.find("more than 5 redirects"), std::string::npos);
}

TEST(ClientTest, RetriesServerErrorsThenSucceeds) {
  Harness h;
  h.transport.answer(502);
  h.transport.fail_exchange("GET https://api.github.com/x: Timeout was reached");
  h.transport.answer(200, "[]");
  auto response = h.client->get("/x");
  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(h.transport.sent.size(), 3u);
  // Jitter 0: half of 1 s, then half of 2 s.
  ASSERT_EQ(h.waits.size(), 2u);
  EXPECT_EQ(h.waits[0].duration, milliseconds(500));
  EXPECT_EQ(h.waits[0].reason, "HTTP 502");
  EXPECT_EQ(h.waits[1].duration, milliseconds(1000));
  EXPECT_EQ(h.waits[1].reason, "no response");
  EXPECT_EQ(h.client->stats().retries, 2);
}

TEST(ClientTest, GivesUpOnPersistentServerErrors) {
  Harness h;
  for (int i = 0; i < 6; ++i) h.transport.answer(500, R"({"message":"Server Error"})");
  auto response = h.client->get("/x");
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().message,
            "GET https://api.github.com/x: HTTP 500, gave up after 5 retries: Server Error");
  EXPECT_EQ(h.transport.sent.size(), 6u);
}

TEST(ClientTest, BadCredentialsFailAtOnceWithoutTheToken) {
  Harness h;
  h.transport.answer(401, R"({"message":"Bad credentials","documentation_url":"x"})");
  auto response = h.client->get("/repos/o/r/actions/runs");
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().message,
            "GET https://api.github.com/repos/o/r/actions/runs: HTTP 401: Bad credentials "
            "(check GITHUB_TOKEN)");
  EXPECT_EQ(h.transport.sent.size(), 1u);
}

TEST(ClientTest, NotFoundFailsAtOnce) {
  Harness h;
  h.transport.answer(404, R"({"message":"Not Found"})");
  auto response = h.client->get("/repos/o/missing/actions/runs");
  ASSERT_FALSE(response.has_value());
  EXPECT_NE(response.error().message.find("HTTP 404: Not Found"), std::string::npos);
}

TEST(ClientTest, SecondaryLimitHonoursRetryAfter) {
  Harness h;
  h.transport.answer(403, R"({"message":"You have exceeded a secondary rate limit."})",
                     {{"retry-after", "3"}});
  h.transport.answer(200);
  ASSERT_TRUE(h.client->get("/x").has_value());
  ASSERT_EQ(h.waits.size(), 1u);
  EXPECT_EQ(h.waits[0].duration, seconds(3));
  EXPECT_EQ(h.waits[0].reason, "secondary rate limit");
}

TEST(ClientTest, PrimaryLimitWaitsForTheResetThenRetries) {
  Harness h;
  auto exhausted = rate_headers(0, kNow + 120);
  h.transport.answer(403, R"({"message":"API rate limit exceeded for user ID 1."})", exhausted);
  h.transport.answer(200, "{}", rate_headers(4999, kNow + 3720));
  ASSERT_TRUE(h.client->get("/x").has_value());
  ASSERT_EQ(h.waits.size(), 1u);
  EXPECT_EQ(h.waits[0].duration, seconds(121));
  EXPECT_EQ(h.client->stats().rate.remaining, 4999);
}

TEST(ClientTest, WaitsForTheResetBeforeGoingUnderTheReserve) {
  Harness h;
  h.transport.answer(200, "{}", rate_headers(10, kNow + 300));
  h.transport.answer(200, "{}", rate_headers(4999, kNow + 3900));
  ASSERT_TRUE(h.client->get("/a").has_value());
  EXPECT_TRUE(h.waits.empty());
  ASSERT_TRUE(h.client->get("/b").has_value());
  ASSERT_EQ(h.waits.size(), 1u);  // 10 left < reserve 50: wait 300 + 1 s for the reset
  EXPECT_EQ(h.waits[0].duration, seconds(301));
  EXPECT_NE(h.waits[0].reason.find("10 of 5000 requests left"), std::string::npos);
}

TEST(ClientTest, ARetryAfterLongerThanMaxWaitFailsWithoutWaiting) {
  Harness h;
  h.transport.answer(429, R"({"message":"You have exceeded a secondary rate limit."})",
                     {{"retry-after", "999999999"}});
  auto response = h.client->get("/x");
  ASSERT_FALSE(response.has_value());
  // 999999999 s = 277777 h (999997200 s) + 46 min (2760 s) + 39 s; the default max is 600 s.
  EXPECT_EQ(response.error().message,
            "GET https://api.github.com/x: GitHub asked to wait 277777h 46m 39s (Retry-After), "
            "more than --max-wait 10m 0s: You have exceeded a secondary rate limit.");
  EXPECT_TRUE(h.waits.empty());
  EXPECT_EQ(h.transport.sent.size(), 1u);
}

TEST(ClientTest, AReserveWaitPastTheHourlyWindowFailsBeforeSending) {
  Harness h;
  // 10 left < reserve 50, reset 3900 s away: 3901 s = 1h 5m 1s; 1700003900 is 23:18:20Z.
  h.transport.answer(200, "{}", rate_headers(10, kNow + 3900));
  ASSERT_TRUE(h.client->get("/a").has_value());
  auto response = h.client->get("/b");
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().message,
            "GET https://api.github.com/b: GitHub asked to wait 1h 5m 1s (rate-limit reserve: 10 "
            "of 5000 requests left until 2023-11-14T23:18:20Z), more than the 1h 5m 0s an hourly "
            "budget may take");
  EXPECT_TRUE(h.waits.empty());
  EXPECT_EQ(h.transport.sent.size(), 1u);
}

TEST(ClientTest, WithRateLimitOkALimitIsReturnedNotWaitedOut) {
  Harness h;
  h.transport.answer(429, R"({"message":"You have exceeded a secondary rate limit."})",
                     {{"retry-after", "30"}});
  h.transport.answer(403, R"({"message":"API rate limit exceeded for user ID 1."})",
                     rate_headers(0, kNow + 600));
  auto secondary = h.client->get("/x", {}, false, /*rate_limit_ok=*/true);
  ASSERT_TRUE(secondary.has_value()) << secondary.error().message;
  EXPECT_EQ(secondary->status, 429);
  auto primary = h.client->get("/x", {}, false, /*rate_limit_ok=*/true);
  ASSERT_TRUE(primary.has_value()) << primary.error().message;
  EXPECT_EQ(primary->status, 403);
  EXPECT_EQ(primary->rate.remaining, 0);
  EXPECT_TRUE(h.waits.empty());
  EXPECT_EQ(h.transport.sent.size(), 2u);
  // A 403 that is no rate limit still fails.
  h.transport.answer(403, R"({"message":"Resource not accessible by integration"})");
  EXPECT_FALSE(h.client->get("/y", {}, false, true).has_value());
}

TEST(ClientTest, AForbiddenWithoutRateLimitFailsAtOnce) {
  Harness h;
  h.transport.answer(403, R"({"message":"Resource not accessible by integration"})");
  auto response = h.client->get("/x");
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().message,
            "GET https://api.github.com/x: HTTP 403: Resource not accessible by integration");
}

TEST(ClientTest, QuotesGitHubsMessageOnOneShortLine) {
  Harness h;
  h.transport.answer(422, R"({"message":"bad\nthing\u0007)" + std::string(400, 'x') + "\"}");
  auto response = h.client->get("/x");
  ASSERT_FALSE(response.has_value());
  const std::string& message = response.error().message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
  EXPECT_EQ(message.find('\a'), std::string::npos);
  EXPECT_LT(message.size(), 400u);
  EXPECT_TRUE(message.ends_with("...")) << message;
}

}  // namespace
}  // namespace cipette::github
