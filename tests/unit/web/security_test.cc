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
  EXPECT_EQ(cookie_value("a=1; cipette_token=abc; b=2", "cipette_token"), "abc");
  EXPECT_EQ(cookie_value("cipette_token=x", "cipette_token"), "x");
  EXPECT_EQ(cookie_value("xcipette_token=x", "cipette_token"), "");
  EXPECT_EQ(cookie_value("", "cipette_token"), "");
}

TEST(SecurityTest, AcceptsTheTokenAsBearerOrCookieOnly) {
  EXPECT_TRUE(request_authorized("s3cret", "Bearer s3cret", ""));
  EXPECT_TRUE(request_authorized("s3cret", "", "cipette_token=s3cret"));
  EXPECT_FALSE(request_authorized("s3cret", "Bearer s3cre", ""));
  EXPECT_FALSE(request_authorized("s3cret", "Basic s3cret", ""));
  EXPECT_FALSE(request_authorized("s3cret", "", "cipette_token="));
  EXPECT_FALSE(request_authorized("s3cret", "", "other=s3cret"));
  // Tokens with characters a cookie cannot hold travel percent-encoded.
  EXPECT_TRUE(request_authorized("a;b c", "", "cipette_token=" + auth_cookie_value("a;b c")));
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
