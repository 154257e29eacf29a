// The server under abuse, over real HTTP on 127.0.0.1: what one client (or many) may take of
// it, and the requests it refuses before they reach a route.
#include <vector>

#include "unit/web/http_test_support.h"

namespace cipette::web {
namespace {

using namespace std::chrono_literals;

// The first line of an HTTP response in `text` ("HTTP/1.1 400 Bad Request").
std::string status_line(const std::string& text) { return text.substr(0, text.find("\r\n")); }

TEST_F(HttpServerTest, TheCacheStaysWithinItsByteBudgetUnderDistinctHugeRequests) {
  ServerOptions options;
  options.cache_max_bytes = 2 << 20;
  start(options);
  // Each asks for a daily series of about 100 years (~36,500 days); every end day differs,
  // so no two share a cache entry.
  std::size_t largest = 0;
  for (int i = 0; i < 40; ++i) {
    auto res = get("/api/v1/trends?from=1925-01-01&to=2024-12-" + std::to_string(10 + i % 20) +
                   "&repository=octo/app&event=" + std::to_string(i));
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body.substr(0, 200);
    largest = std::max(largest, res->body.size());
    EXPECT_LE(server_->cache().bytes(), std::size_t{2} << 20) << i;
  }
  EXPECT_GT(largest * 40, std::size_t{2} << 20);  // without the budget, they would not fit
}

TEST_F(HttpServerTest, IdleAndSlowConnectionsDoNotKeepOtherClientsWaiting) {
  ServerOptions options;
  options.threads = 2;
  options.max_connections_per_client = 0;
  start(options);
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 1000; ++i) idle.push_back(std::make_unique<RawConnection>(port_));
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 200; ++i) {
    slow.push_back(std::make_unique<RawConnection>(port_));
    slow.back()->send("GET /healthz HTTP/1.1\r\nX-Drip: ");
  }
  ASSERT_TRUE(idle.back()->connected() && slow.back()->connected());
  // A thread-per-connection server would have every worker taken by now.
  httplib::Client other("127.0.0.1", port_);
  other.set_read_timeout(3, 0);
  auto res = other.Get("/healthz");
  ASSERT_TRUE(res) << "no answer while 1,200 connections sat open";
  EXPECT_EQ(res->status, 200);
}

TEST_F(HttpServerTest, ARequestDrippedInSlowerThanTheDeadlineIsCutOff) {
  ServerOptions options;
  options.request_deadline = 1s;
  start(options);
  RawConnection drip(port_);
  ASSERT_TRUE(drip.connected());
  // A header line every 200 ms keeps any per-read timeout happy, but the whole head never
  // arrives: the server must close the connection once the deadline passes.
  drip.send("GET /healthz HTTP/1.1\r\n");
  bool closed = false;
  for (int i = 0; i < 25 && !closed; ++i) {
    std::this_thread::sleep_for(200ms);
    drip.send("X-Drip-" + std::to_string(i) + ": 1\r\n");
    closed = drip.readable_now();
  }
  EXPECT_TRUE(closed) << "still open after 5 s of a request with a 1 s deadline";
  EXPECT_TRUE(drip.receive_until_closed());
  EXPECT_EQ(count_of(drip.received(), "HTTP/1.1 200"), 0u);
}

TEST_F(HttpServerTest, OneClientAddressIsLimitedToItsConnections) {
  ServerOptions options;
  options.max_connections_per_client = 3;
  start(options);
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 3; ++i) held.push_back(std::make_unique<RawConnection>(port_, "127.0.0.7"));
  RawConnection fourth(port_, "127.0.0.7");
  ASSERT_TRUE(fourth.connected());
  EXPECT_TRUE(fourth.receive_until_closed());
  EXPECT_EQ(status_line(fourth.received()), "HTTP/1.1 503 Service Unavailable");
  // Another address is served, and so is the first once one of its connections closes.
  RawConnection other(port_, "127.0.0.8");
  other.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_TRUE(other.receive_until("\"status\":\"ok\""));
  held.pop_back();
  bool served = false;
  for (int attempt = 0; attempt < 50 && !served; ++attempt) {
    RawConnection again(port_, "127.0.0.7");
    again.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    served = again.receive_until_closed() && again.received().starts_with("HTTP/1.1 200");
    if (!served) std::this_thread::sleep_for(20ms);  // the server may not have seen the close
  }
  EXPECT_TRUE(served);
}

TEST_F(HttpServerTest, AFailedSignInWaitsWithoutHoldingTheServersThread) {
  ServerOptions options;
  options.threads = 1;
  options.auth_token = "s3cret";
  options.failed_login_delay = 3s;
  start(options);
  std::vector<std::unique_ptr<RawConnection>> guesses;
  for (int i = 0; i < 3; ++i) {
    guesses.push_back(std::make_unique<RawConnection>(port_));
    guesses.back()->send(
        "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
        "application/x-www-form-urlencoded\r\nContent-Length: 11\r\n\r\ntoken=guess");
  }
  // With the one thread asleep in a guess, this would wait 3 s per guess.
  RawConnection health(port_);
  health.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  ASSERT_TRUE(health.receive_until("\"status\":\"ok\""));
  for (auto& guess : guesses) EXPECT_FALSE(guess->readable_now());  // still waiting
  for (auto& guess : guesses) {
    EXPECT_TRUE(guess->receive_until("\r\n\r\n"));
    EXPECT_EQ(status_line(guess->received()), "HTTP/1.1 401 Unauthorized");
  }
}

TEST_F(HttpServerTest, WrongTokensFromOneAddressAreRefusedAfterTenInAMinute) {
  ServerOptions options;
  options.auth_token = "s3cret";
  start(options);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(
        get("/api/v1/metrics", {{"Authorization", "Bearer guess" + std::to_string(i)}})->status,
        401);
  }
  // Refused without a check, even with the right token: guessing gains nothing.
  auto refused = get("/api/v1/metrics", {{"Authorization", "Bearer s3cret"}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 429);
  EXPECT_FALSE(refused->get_header_value("Retry-After").empty());
  // Another client is not affected, and requests without credentials count for nothing.
  RawConnection other(port_, "127.0.0.9");
  other.send(
      "GET /api/v1/metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer s3cret\r\n\r\n");
  ASSERT_TRUE(other.receive_until("\r\n\r\n"));
  EXPECT_EQ(status_line(other.received()), "HTTP/1.1 200 OK");
}

TEST_F(HttpServerTest, SigningInWorksForTokensWithCookieUnsafeCharacters) {
  ServerOptions options;
  options.auth_token = "ab/c+d=e;f";  // as `openssl rand -base64 32` gives them
  start(options);
  auto right = client_->Post("/login", "token=ab%2Fc%2Bd%3De%3Bf&next=%2F",
                             "application/x-www-form-urlencoded");
  ASSERT_TRUE(right);
  ASSERT_EQ(right->status, 303);
  std::string cookie = right->get_header_value("Set-Cookie");
  std::string pair = cookie.substr(0, cookie.find(';'));
  // HMAC-SHA256(key = token, "cipette session v1"), computed with Python's hmac module.
  EXPECT_EQ(pair,
            "cipette_session=9edee3a0985d93ccc9044fa22b0ef845bc7099ff65c407cdb3e198f82179405e");
  EXPECT_EQ(cookie.find("Secure"), std::string::npos);  // plain HTTP, no public https URL
  auto page = get("/", {{"Cookie", pair}});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  auto token_as_cookie = get("/", {{"Cookie", "cipette_session=ab/c+d=e;f"}});
  ASSERT_TRUE(token_as_cookie);
  EXPECT_EQ(token_as_cookie->status, 303);  // back to the sign-in page
}

TEST_F(HttpServerTest, TheCookieIsSecureBehindHttps) {
  ServerOptions options;
  options.auth_token = "s3cret";
  options.public_url = "https://ci.example.com";
  start(options);
  auto res = client_->Post("/login", "token=s3cret", "application/x-www-form-urlencoded");
  ASSERT_TRUE(res);
  EXPECT_NE(res->get_header_value("Set-Cookie").find("; Secure"), std::string::npos);
}

TEST_F(HttpServerTest, CompressedRequestBodiesAreRefusedUnread) {
  start();
  RawConnection bomb(port_);
  bomb.send(
      "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
      "application/x-www-form-urlencoded\r\nContent-Encoding: gzip\r\n"
      "Transfer-Encoding: chunked\r\n\r\n4\r\n\x1f\x8b\x08\x00\r\n");
  ASSERT_TRUE(bomb.receive_until_closed());
  EXPECT_EQ(status_line(bomb.received()), "HTTP/1.1 415 Unsupported Media Type");
}

TEST_F(HttpServerTest, AGetWithABodyIsRefusedNotReadAsASecondRequest) {
  start();
  RawConnection smuggler(port_);
  std::string hidden = "GET /api/v1/metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  smuggler.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
                std::to_string(hidden.size()) + "\r\n\r\n" + hidden);
  ASSERT_TRUE(smuggler.receive_until_closed());
  EXPECT_EQ(status_line(smuggler.received()), "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(count_of(smuggler.received(), "HTTP/1.1 "), 1u) << smuggler.received();
}

TEST_F(HttpServerTest, OnlyHostNamesOfThisServerAreServed) {
  ServerOptions options;
  options.allowed_hosts = {"ci.example.com"};
  start(options);
  auto rebinding = get("/api/v1/metrics", {{"Host", "attacker.example"}});
  ASSERT_TRUE(rebinding);
  EXPECT_EQ(rebinding->status, 400);
  EXPECT_NE(rebinding->body.find("CIPETTE_ALLOWED_HOSTS"), std::string::npos);
  EXPECT_EQ(get("/api/v1/metrics", {{"Host", "ci.example.com:5000"}})->status, 200);
  EXPECT_EQ(get("/api/v1/metrics", {{"Host", "localhost:5000"}})->status, 200);
}

TEST_F(HttpServerTest, PagesWithDataAreNeverStoredByCachesButAssetsAre) {
  start();
  for (const char* target : {"/", "/api/v1/metrics", "/workflow?repository=octo/app&workflow=CI",
                             "/healthz", "/missing"}) {
    auto res = get(target);
    ASSERT_TRUE(res) << target;
    EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store") << target;
  }
  EXPECT_EQ(get("/static/app.css")->get_header_value("Cache-Control"), "public, max-age=3600");
}

}  // namespace
}  // namespace cipette::web
