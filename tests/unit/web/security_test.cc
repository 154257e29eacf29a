#include "cipette/web/security.h"

#include <gtest/gtest.h>

#include <map>

#include "cipette/web/request_log.h"

namespace cipette::web {
namespace {

TEST(SecurityTest, HeadersForbidInlineScriptsAndSniffing) {
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : security_headers()) headers[std::string(name)] = value;
  const std::string& csp = headers["Content-Security-Policy"];
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos);
  EXPECT_NE(csp.find("style-src 'self'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(headers["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(headers["Referrer-Policy"], "same-origin");
}

TEST(SecurityTest, ReadsCookiesByName) {
  EXPECT_EQ(cookie_value("a=1; cipette_session=abc; b=2", "cipette_session"), "abc");
  EXPECT_EQ(cookie_value("cipette_session=x", "cipette_session"), "x");
  EXPECT_EQ(cookie_value("xcipette_session=x", "cipette_session"), "");
  EXPECT_EQ(cookie_value("", "cipette_session"), "");
}

// HMAC-SHA256(key = token, "cipette session v1"), computed with Python's hmac module.
constexpr std::string_view kS3cretCookie =
    "d4312c03a094f43a202bbdafab4acf99a951193b60c603e78abecb8dc4da32f8";

TEST(SecurityTest, TheSessionCookieIsAnHmacOfTheTokenNotTheToken) {
  EXPECT_EQ(session_cookie_value("s3cret"), kS3cretCookie);
  // A token with characters a cookie cannot hold (openssl rand -base64 32 gives / + =).
  EXPECT_EQ(session_cookie_value("ab/c+d=e;f"),
            "9edee3a0985d93ccc9044fa22b0ef845bc7099ff65c407cdb3e198f82179405e");
}

TEST(SecurityTest, AcceptsTheTokenAsBearerOrItsSessionCookieOnly) {
  std::string cookie(kS3cretCookie);
  auto check = [&](std::string_view authorization, std::string_view cookies) {
    return check_credentials("s3cret", cookie, authorization, cookies);
  };
  EXPECT_EQ(check("Bearer s3cret", ""), Credentials::kValid);
  EXPECT_EQ(check("bearer s3cret", ""), Credentials::kValid);  // the scheme is case-insensitive
  EXPECT_EQ(check("", "cipette_session=" + cookie), Credentials::kValid);
  EXPECT_EQ(check("", ""), Credentials::kMissing);
  EXPECT_EQ(check("", "other=s3cret"), Credentials::kMissing);
  EXPECT_EQ(check("Bearer s3cre", ""), Credentials::kWrong);
  EXPECT_EQ(check("Basic s3cret", ""), Credentials::kWrong);
  // The token itself is not a cookie that opens the dashboard.
  EXPECT_EQ(check("", "cipette_session=s3cret"), Credentials::kWrong);
  EXPECT_EQ(check("", "cipette_session="), Credentials::kMissing);
}

TEST(SecurityTest, AcceptsHostHeadersThatNameThisServerOnly) {
  std::vector<std::string> allowed = {"ci.example.com"};
  EXPECT_TRUE(host_allowed("127.0.0.1:5000", allowed));
  EXPECT_TRUE(host_allowed("10.1.2.3", allowed));
  EXPECT_TRUE(host_allowed("[::1]:5000", allowed));
  EXPECT_TRUE(host_allowed("localhost:5000", allowed));
  EXPECT_TRUE(host_allowed("LOCALHOST", allowed));
  EXPECT_TRUE(host_allowed("CI.example.com:443", allowed));
  EXPECT_FALSE(host_allowed("evil.example", allowed));
  EXPECT_FALSE(host_allowed("ci.example.com.evil.example", allowed));
  EXPECT_FALSE(host_allowed("127.0.0.1.evil.example", allowed));
  EXPECT_FALSE(host_allowed("1.2.3.4.5", allowed));
  EXPECT_FALSE(host_allowed("", allowed));
  EXPECT_FALSE(host_allowed("[::1", allowed));
  EXPECT_TRUE(host_allowed("anything.example", std::vector<std::string>{"*"}));
}

TEST(SecurityTest, ComparesSecretsExactly) {
  EXPECT_TRUE(secrets_equal("abc", "abc"));
  EXPECT_FALSE(secrets_equal("abc", "abd"));
  EXPECT_FALSE(secrets_equal("abc", "abcd"));
}

TEST(SecurityTest, RecognisesLoopbackAddresses) {
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("127.1.2.3"));
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_FALSE(is_loopback_host("0.0.0.0"));
  EXPECT_FALSE(is_loopback_host("192.168.1.5"));
  EXPECT_FALSE(is_loopback_host("::"));
}

TEST(SecurityTest, RedirectsOnlyToLocalPaths) {
  EXPECT_EQ(safe_redirect_target("/workflow?x=1"), "/workflow?x=1");
  EXPECT_EQ(safe_redirect_target("https://evil.example/"), "/");
  EXPECT_EQ(safe_redirect_target("//evil.example/"), "/");
  EXPECT_EQ(safe_redirect_target("/\\evil.example/"), "/");
  EXPECT_EQ(safe_redirect_target("/x\r\nSet-Cookie: a=b"), "/");
  EXPECT_EQ(safe_redirect_target(""), "/");
}

TEST(SecurityTest, PublicPathsAreHealthSignInAndStaticFiles) {
  EXPECT_TRUE(is_public_path("/healthz"));
  EXPECT_TRUE(is_public_path("/api/v1/healthz"));
  EXPECT_TRUE(is_public_path("/login"));
  EXPECT_TRUE(is_public_path("/static/app.css"));
  EXPECT_FALSE(is_public_path("/"));
  EXPECT_FALSE(is_public_path("/api/v1/metrics"));
}

TEST(SecurityTest, AccessLogEscapesControlCharacters) {
  EXPECT_EQ(log_safe("/a\nGET /forged"), "/a\\x0AGET /forged");
  EXPECT_EQ(log_safe("q=\"x\""), "q=\\x22x\\x22");
}

}  // namespace
}  // namespace cipette::web
