// Injected faults, each over real HTTP: what the client receives, how often, and for which paths.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "fake_github/fake_github.h"
#include "fake_github/fake_test_helpers.h"

namespace cipette::fake_github {
namespace {

using testing::body_json;
using testing::client_for;
using testing::get;
using testing::parse_link;
using testing::start_or_fail;

constexpr Timestamp kEnd = 1709251200;  // 2024-03-01T00:00:00Z
constexpr char kRuns[] = "/repos/acme/app/actions/runs?per_page=5";

class FakeGitHubFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_.add_generated_runs("acme/app", {20, kEnd, 86400, 0, 1});
    fake_.add_generated_runs("acme/lib", {20, kEnd, 86400, 0, 2});
    start_or_fail(fake_);
    client_ = client_for(fake_);
  }

  FakeGitHub fake_;
  std::unique_ptr<httplib::Client> client_;
};

Fault fault_of(FaultKind kind, int times = 1) {
  Fault fault;
  fault.kind = kind;
  fault.times = times;
  return fault;
}

// What a raw HTTP/1.1 exchange delivered: the declared Content-Length and the body bytes read
// before the server closed the connection.
struct RawExchange {
  std::string head;
  std::size_t declared = 0;
  std::size_t received = 0;
};

RawExchange raw_get(int port, const std::string& target) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  const std::string request = "GET " + target +
                              " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: raw-test\r\n"
                              "Authorization: Bearer test-token\r\nConnection: close\r\n\r\n";
  EXPECT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  std::string response;
  char buffer[65536];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0;) response.append(buffer, n);
  ::close(fd);
  RawExchange exchange;
  const std::size_t end_of_head = response.find("\r\n\r\n");
  exchange.head = response.substr(0, end_of_head);
  const std::size_t length = exchange.head.find("Content-Length: ");
  if (length != std::string::npos)
    exchange.declared = std::stoul(exchange.head.substr(length + 16));
  exchange.received = response.size() - (end_of_head + 4);
  return exchange;
}

TEST_F(FakeGitHubFaultsTest, ServerErrorsFireTheGivenNumberOfTimes) {
  Fault fault = fault_of(FaultKind::kHttpError, 2);
  fault.status = 502;
  fake_.add_fault(fault);
  EXPECT_EQ(fake_.pending_faults(), 2);
  auto first = get(*client_, kRuns);
  EXPECT_EQ(first->status, 502);
  EXPECT_TRUE(body_json(first).contains("message"));
  EXPECT_TRUE(first->has_header("x-ratelimit-remaining"));
  EXPECT_EQ(get(*client_, kRuns)->status, 502);
  EXPECT_EQ(fake_.pending_faults(), 0);
  EXPECT_EQ(get(*client_, kRuns)->status, 200);
}

TEST_F(FakeGitHubFaultsTest, DefaultErrorIs500AndFaultsQueueInOrder) {
  fake_.add_fault(fault_of(FaultKind::kHttpError));
  Fault unavailable = fault_of(FaultKind::kHttpError);
  unavailable.status = 503;
  fake_.add_fault(unavailable);
  EXPECT_EQ(get(*client_, kRuns)->status, 500);
  EXPECT_EQ(get(*client_, kRuns)->status, 503);
  EXPECT_EQ(get(*client_, kRuns)->status, 200);
}

TEST_F(FakeGitHubFaultsTest, FaultsFireOnlyForMatchingPaths) {
  Fault fault = fault_of(FaultKind::kHttpError);
  fault.path_contains = "/repos/acme/lib/";
  fake_.add_fault(fault);
  EXPECT_EQ(get(*client_, kRuns)->status, 200);
  EXPECT_EQ(get(*client_, "/repos/acme/lib/actions/runs")->status, 500);
  EXPECT_EQ(get(*client_, "/repos/acme/lib/actions/runs")->status, 200);
}

TEST_F(FakeGitHubFaultsTest, SecondaryRateLimitAs429WithRetryAfter) {
  Fault fault = fault_of(FaultKind::kSecondaryRateLimit);
  fault.status = 429;
  fault.retry_after = 7;
  fake_.add_fault(fault);
  auto limited = get(*client_, kRuns);
  EXPECT_EQ(limited->status, 429);
  EXPECT_EQ(limited->get_header_value("retry-after"), "7");
  EXPECT_EQ(body_json(limited)["message"].get<std::string>().rfind(
                "You have exceeded a secondary rate limit", 0),
            0u);
  EXPECT_NE(limited->get_header_value("x-ratelimit-remaining"), "0");
}

TEST_F(FakeGitHubFaultsTest, SecondaryRateLimitDefaultsTo403WithoutRetryAfter) {
  fake_.add_fault(fault_of(FaultKind::kSecondaryRateLimit));
  auto limited = get(*client_, kRuns);
  EXPECT_EQ(limited->status, 403);
  EXPECT_FALSE(limited->has_header("retry-after"));
  EXPECT_NE(body_json(limited)["message"].get<std::string>().find("secondary rate limit"),
            std::string::npos);
}

TEST_F(FakeGitHubFaultsTest, ADelayLongerThanTheClientsTimeoutTimesItOut) {
  Fault fault = fault_of(FaultKind::kDelay);
  fault.delay = std::chrono::seconds(5);
  fake_.add_fault(fault);
  client_->set_read_timeout(0, 300000);  // 0.3 s
  auto timed_out = client_->Get(kRuns);
  EXPECT_FALSE(timed_out);
  // It did arrive (under a slow machine perhaps only after the client gave up).
  for (int i = 0; i < 1000 && fake_.requests().empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(fake_.requests().size(), 1u);
  auto next = client_for(fake_)->Get(kRuns);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
}

TEST_F(FakeGitHubFaultsTest, TruncatedBodyDeclaresMoreThanItSendsAndCloses) {
  fake_.add_fault(fault_of(FaultKind::kTruncatedBody));
  const RawExchange truncated = raw_get(fake_.port(), kRuns);
  EXPECT_NE(truncated.head.find("200"), std::string::npos) << truncated.head;
  EXPECT_GT(truncated.declared, 0u);
  EXPECT_EQ(truncated.received, truncated.declared / 2);
  const RawExchange whole = raw_get(fake_.port(), kRuns);
  EXPECT_EQ(whole.received, whole.declared);
  EXPECT_EQ(whole.declared, truncated.declared);  // the same page, sent whole
}

TEST_F(FakeGitHubFaultsTest, HalfJsonIsAComplete200WithHalfTheBody) {
  const std::string whole = get(*client_, kRuns)->body;
  fake_.add_fault(fault_of(FaultKind::kHalfJson));
  auto half = get(*client_, kRuns);
  EXPECT_EQ(half->status, 200);
  EXPECT_EQ(half->body, whole.substr(0, whole.size() / 2));
  EXPECT_THROW(nlohmann::json::parse(half->body), nlohmann::json::parse_error);
}

TEST_F(FakeGitHubFaultsTest, InvalidJsonComesWithStatus200) {
  fake_.add_fault(fault_of(FaultKind::kInvalidJson));
  auto invalid = get(*client_, kRuns);
  EXPECT_EQ(invalid->status, 200);
  EXPECT_THROW(nlohmann::json::parse(invalid->body), nlohmann::json::parse_error);
}

TEST_F(FakeGitHubFaultsTest, WrongShapeIsValidJsonWithWrongTypes) {
  fake_.add_fault(fault_of(FaultKind::kWrongShape));
  auto wrong = get(*client_, kRuns);
  EXPECT_EQ(wrong->status, 200);
  const auto body = body_json(wrong);
  EXPECT_TRUE(body["total_count"].is_string());
  EXPECT_TRUE(body["workflow_runs"].is_object());
}

TEST_F(FakeGitHubFaultsTest, ForeignLinkPointsNextAtAnotherHost) {
  fake_.add_fault(fault_of(FaultKind::kForeignLink));
  auto page = get(*client_, kRuns);
  EXPECT_EQ(page->status, 200);
  const auto links = parse_link(page->get_header_value("Link"));
  EXPECT_EQ(links.at("next"),
            "http://evil.example.invalid/repos/acme/app/actions/runs?per_page=5&page=2");
  // The other links still point at the fake (20 runs at 5 a page: last = 4).
  EXPECT_EQ(links.at("last"), fake_.base_url() + "/repos/acme/app/actions/runs?per_page=5&page=4");
  const std::string link = page->get_header_value("Link");
  EXPECT_EQ(link.find("rel=\"next\""), link.rfind("rel=\"next\""));  // only one rel="next"
}

TEST_F(FakeGitHubFaultsTest, RedirectsToAForeignHost) {
  Fault fault = fault_of(FaultKind::kRedirect);
  fake_.add_fault(fault);
  fault.status = 301;
  fault.target = "http://other.example.invalid:8080";
  fake_.add_fault(fault);
  auto found = get(*client_, kRuns);
  EXPECT_EQ(found->status, 302);
  EXPECT_EQ(found->get_header_value("Location"),
            "http://evil.example.invalid/repos/acme/app/actions/runs?per_page=5");
  auto moved = get(*client_, kRuns);
  EXPECT_EQ(moved->status, 301);
  EXPECT_EQ(moved->get_header_value("Location"),
            "http://other.example.invalid:8080/repos/acme/app/actions/runs?per_page=5");
}

TEST_F(FakeGitHubFaultsTest, ServerErrorWithRetryAfter) {
  Fault fault = fault_of(FaultKind::kHttpError);
  fault.status = 503;
  fault.retry_after = 999'999'999;
  fake_.add_fault(fault);
  auto unavailable = get(*client_, kRuns);
  EXPECT_EQ(unavailable->status, 503);
  EXPECT_EQ(unavailable->get_header_value("retry-after"), "999999999");
}

TEST_F(FakeGitHubFaultsTest, SelfLinkPointsNextAtTheSamePage) {
  fake_.add_fault(fault_of(FaultKind::kSelfLink));
  const std::string page2 = std::string(kRuns) + "&page=2";
  auto page = get(*client_, page2);
  EXPECT_EQ(page->status, 200);
  const auto links = parse_link(page->get_header_value("Link"));
  EXPECT_EQ(links.at("next"), fake_.base_url() + page2);
  EXPECT_EQ(links.at("last"), fake_.base_url() + "/repos/acme/app/actions/runs?per_page=5&page=4");
}

TEST_F(FakeGitHubFaultsTest, EndlessLinkGoesPastTheLastPage) {
  // 20 runs at 5 a page: page 4 is the last, and page 9 is empty; both link to a next page.
  fake_.add_fault(fault_of(FaultKind::kEndlessLink, 2));
  const auto last =
      parse_link(get(*client_, std::string(kRuns) + "&page=4")->get_header_value("Link"));
  EXPECT_EQ(last.at("next"), fake_.base_url() + "/repos/acme/app/actions/runs?per_page=5&page=5");
  auto beyond = get(*client_, std::string(kRuns) + "&page=9");
  EXPECT_TRUE(body_json(beyond)["workflow_runs"].empty());
  EXPECT_EQ(parse_link(beyond->get_header_value("Link")).at("next"),
            fake_.base_url() + "/repos/acme/app/actions/runs?per_page=5&page=10");
}

TEST_F(FakeGitHubFaultsTest, TotalCountIsReplaced) {
  fake_.add_fault(fault_of(FaultKind::kTotalCount));
  auto page = get(*client_, kRuns);
  const auto body = body_json(page);
  EXPECT_EQ(body["total_count"].get<std::int64_t>(), 1'000'000'000'000'000);
  EXPECT_EQ(body["workflow_runs"].size(), 5u);  // the page itself is unchanged
}

TEST_F(FakeGitHubFaultsTest, ForeignRunsAreAddedAtTheEndOfThePage) {
  Fault fault = fault_of(FaultKind::kForeignRuns);
  fault.repository = "acme/lib";
  fake_.add_fault(fault);
  const auto lib = fake_.runs("acme/lib");  // newest first
  const auto page = body_json(get(*client_, kRuns));
  ASSERT_EQ(page["workflow_runs"].size(), 7u);
  EXPECT_EQ(page["workflow_runs"][4]["repository"]["full_name"], "acme/app");
  EXPECT_EQ(page["workflow_runs"][5]["id"], lib[0].id);
  EXPECT_EQ(page["workflow_runs"][6]["id"], lib[1].id);
  EXPECT_EQ(page["workflow_runs"][6]["repository"]["full_name"], "acme/lib");
  EXPECT_EQ(page["workflow_runs"][6]["repository"]["id"], lib[1].repository_id);
  EXPECT_EQ(page["total_count"], 20);
  // Disguised: acme/lib's runs and repository id under acme/app's name.
  fault.disguised = true;
  fake_.add_fault(fault);
  const auto hidden = body_json(get(*client_, kRuns + std::string("&page=2")))["workflow_runs"];
  EXPECT_EQ(hidden[6]["repository"]["full_name"], "acme/app");
  EXPECT_EQ(hidden[6]["repository"]["id"], lib[1].repository_id);
  EXPECT_NE(hidden[0]["repository"]["id"], lib[1].repository_id);
}

TEST_F(FakeGitHubFaultsTest, RunFieldSetsAMemberOfTheFirstRun) {
  Fault fault = fault_of(FaultKind::kRunField, 2);
  fault.field = "created_at";
  fault.value = R"("0000-01-01T00:00:00Z")";
  fake_.add_fault(fault);
  const auto page = body_json(get(*client_, kRuns));
  EXPECT_EQ(page["workflow_runs"][0]["created_at"], "0000-01-01T00:00:00Z");
  EXPECT_NE(page["workflow_runs"][1]["created_at"], "0000-01-01T00:00:00Z");
  const std::int64_t id = fake_.runs("acme/app").back().id;
  const auto run = body_json(get(*client_, "/repos/acme/app/actions/runs/" + std::to_string(id)));
  EXPECT_EQ(run["created_at"], "0000-01-01T00:00:00Z");
}

TEST_F(FakeGitHubFaultsTest, FaultsComeAfterTheTokenCheck) {
  fake_.add_fault(fault_of(FaultKind::kHttpError));
  EXPECT_EQ(get(*client_for(fake_, "wrong"), kRuns)->status, 401);
  EXPECT_EQ(fake_.pending_faults(), 1);  // not used up by the rejected request
  EXPECT_EQ(get(*client_, kRuns)->status, 500);
}

}  // namespace
}  // namespace cipette::fake_github
