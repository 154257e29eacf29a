#include "cipette/github/url.h"

#include <gtest/gtest.h>

namespace cipette::github {
namespace {

Origin origin(std::string_view url) {
  auto parsed = origin_of(url);
  EXPECT_TRUE(parsed.has_value()) << parsed.error().message;
  return parsed ? *parsed : Origin{};
}

TEST(UrlTest, OriginFillsInTheDefaultPort) {
  EXPECT_EQ(origin("https://api.github.com/repos/o/r"), (Origin{"https", "api.github.com", 443}));
  EXPECT_EQ(origin("http://127.0.0.1:8080/api/v3"), (Origin{"http", "127.0.0.1", 8080}));
  EXPECT_EQ(origin("http://example.com"), (Origin{"http", "example.com", 80}));
}

TEST(UrlTest, OriginIgnoresCaseOfSchemeAndHost) {
  EXPECT_EQ(origin("HTTPS://API.GitHub.com/x"), origin("https://api.github.com:443/y"));
}

TEST(UrlTest, OriginsDifferInSchemeHostOrPort) {
  Origin api = origin("https://ghe.example.com/api/v3");
  EXPECT_NE(api, origin("http://ghe.example.com/api/v3"));
  EXPECT_NE(api, origin("https://ghe.example.com:8443/api/v3"));
  EXPECT_NE(api, origin("https://ghe.example.com.evil.test/api/v3"));
  // A user name before the host does not make another host the API's.
  EXPECT_NE(api, origin("https://ghe.example.com@evil.test/api/v3"));
}

TEST(UrlTest, OriginRejectsWhatIsNotAnAbsoluteHttpUrl) {
  EXPECT_FALSE(origin_of("/repos/o/r").has_value());
  EXPECT_FALSE(origin_of("ftp://example.com/x").has_value());
  EXPECT_FALSE(origin_of("file:///etc/passwd").has_value());
  EXPECT_FALSE(origin_of("").has_value());
}

TEST(UrlTest, DescribesAnOriginWithItsPortOnlyWhenNotTheDefault) {
  EXPECT_EQ(describe_origin(Origin{"https", "api.github.com", 443}), "https://api.github.com");
  EXPECT_EQ(describe_origin(Origin{"http", "127.0.0.1", 8080}), "http://127.0.0.1:8080");
}

TEST(UrlTest, ResolvesRelativeAndAbsoluteReferences) {
  EXPECT_EQ(*resolve_url("https://h.test/api/v3/repos/o/r?page=1", "/api/v3/x?y=1"),
            "https://h.test/api/v3/x?y=1");
  EXPECT_EQ(*resolve_url("https://h.test/api/v3/repos/o/r", "s?page=2"),
            "https://h.test/api/v3/repos/o/s?page=2");
  EXPECT_EQ(*resolve_url("https://h.test/a", "http://other.test/b"), "http://other.test/b");
  EXPECT_FALSE(resolve_url("https://h.test/a", "ftp://other.test/b").has_value());
}

TEST(UrlTest, EncodesQueryValues) {
  EXPECT_EQ(encode_query_value(">=2024-01-01T00:00:00Z"), "%3E%3D2024-01-01T00%3A00%3A00Z");
  EXPECT_EQ(encode_query_value("a..b+c d"), "a..b%2Bc%20d");
  EXPECT_EQ(encode_query_value("Az09-._~"), "Az09-._~");
}

}  // namespace
}  // namespace cipette::github
