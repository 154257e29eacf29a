#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <string_view>

#include "cipette/core/result.h"
#include "cipette/core/time.h"
#include "cipette/github/http_transport.h"
#include "cipette/github/rate_limit.h"
#include "cipette/github/url.h"

namespace cipette::github {

inline constexpr std::string_view kDefaultApiUrl = "https://api.github.com";

struct ClientOptions {
  // The API base: "https://api.github.com", or "https://HOST/api/v3" on GitHub Enterprise
  // Server. No trailing slash.
  std::string api_url = std::string(kDefaultApiUrl);
  std::string token;  // sent as "Authorization: Bearer TOKEN", to the API's origin only
  std::string user_agent = "cipette/0.1";
  std::string api_version = "2022-11-28";
  RetryPolicy retry;
  int max_redirects = 5;
};

// Why and how long the client is about to wait.
struct WaitNotice {
  std::chrono::milliseconds duration{0};
  std::string reason;  // "secondary rate limit", "HTTP 502", "rate-limit reserve (12 left)"
};

// The client's view of time and chance; tests replace them so that they never really wait.
struct ClientHooks {
  std::function<Timestamp()> now;                      // default: now_utc
  std::function<void(const WaitNotice& notice)> wait;  // must wait notice.duration
  std::function<double()> random;                      // in [0, 1); default: a seeded PRNG
};

// An accepted answer: a 2xx, or 304 Not Modified to a conditional request.
struct ApiResponse {
  int status = 0;
  std::string url;  // the URL that answered (after redirects on the API host)
  std::string body;
  std::string etag;      // the ETag header, "" when absent
  std::string next_url;  // the Link rel="next" target, on the API's origin; "" on a last page
  RateLimit rate;
};

struct ClientStats {
  std::int64_t requests = 0;      // exchanges attempted: retries and redirects count too
  std::int64_t not_modified = 0;  // answers 304
  std::int64_t retries = 0;
  std::chrono::milliseconds waited{0};  // in rate-limit and backoff waits
  RateLimit rate;                       // as the latest response reported it
};

// A GitHub REST client: authentication and API headers, redirects and pagination links kept
// to the API's origin (scheme, host and port of api_url), rate limits and retries per
// RetryPolicy, conditional requests. Not thread-safe: one object per thread. The token appears
// in no message, and goes to no other origin.
class Client {
 public:
  // Fails when options.api_url is not an absolute http(s) URL. `transport` must outlive the
  // client.
  static Result<Client> create(ClientOptions options, HttpTransport& transport,
                               ClientHooks hooks = {});

  // GETs `target`: a path under the API base ("/repos/o/r/actions/runs?per_page=100") or an
  // absolute URL on the API's origin (a Link target). With `if_none_match`, sends it as
  // If-None-Match and accepts a 304. Before sending, waits while the budget is under the
  // reserve; retries and waits as RetryPolicy says. Follows redirects on the API's origin.
  // Fails, with a message naming the URL and GitHub's own message, on 401, 404, other 4xx,
  // a 403 that is no rate limit, exhausted retries, a wait longer than RetryPolicy::max_wait
  // (naming the wait; nothing waited), and a redirect or Link to another origin (naming it;
  // nothing is sent there).
  // With `not_found_ok`, a 404 is accepted (returned with status 404) instead of failing.
  // With `rate_limit_ok`, a 403/429 rate limit (is_rate_limit) is returned with its status
  // instead of waited out and retried: for work that stops at a limit rather than wait.
  Result<ApiResponse> get(std::string_view target, std::string_view if_none_match = {},
                          bool not_found_ok = false, bool rate_limit_ok = false);

  // The absolute URL of a path under the API base.
  std::string url(std::string_view path) const { return options_.api_url + std::string(path); }
  const Origin& origin() const { return origin_; }
  const ClientStats& stats() const { return stats_; }

 private:
  Client(ClientOptions options, Origin origin, HttpTransport& transport, ClientHooks hooks);

  Result<std::string> absolute(std::string_view target) const;
  Status check_origin(std::string_view url, std::string_view what) const;
  HttpRequest request_for(const std::string& url, std::string_view if_none_match) const;
  Result<std::string> follow_redirect(const std::string& url, const HttpResponse& response,
                                      int& redirects) const;
  Result<ApiResponse> accept(const std::string& url, HttpResponse response);
  Error failure(const std::string& url, const Result<HttpResponse>& exchange,
                const Decision& decision) const;
  void pause(std::chrono::milliseconds duration, std::string reason);
  // Waits while the budget is under the reserve; fails when that wait is too long.
  Status keep_reserve();

  ClientOptions options_;
  Origin origin_;
  HttpTransport* transport_;
  ClientHooks hooks_;
  std::mt19937_64 random_;
  ClientStats stats_;
};

}  // namespace cipette::github
