#include "cipette/github/client.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "cipette/github/link_header.h"

namespace cipette::github {
namespace {

using std::chrono::milliseconds;

constexpr std::size_t kMaxQuotedMessage = 300;

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// GitHub's {"message": "..."} from an error body, made safe to print on one line; "" if none.
std::string github_message(std::string_view body) {
  auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("message") || !json["message"].is_string()) return "";
  std::string message;
  for (char c : json["message"].get<std::string>()) {
    if (message.size() >= kMaxQuotedMessage) {
      message += "...";
      break;
    }
    message.push_back(static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
  }
  return message;
}

std::string hint_for(int status) {
  if (status == 401) return " (check GITHUB_TOKEN)";
  if (status == 404) return " (no such repository or organisation, or the token cannot see it)";
  return "";
}

ResponseFacts facts_of(const Result<HttpResponse>& exchange) {
  ResponseFacts facts;
  if (!exchange) return facts;
  facts.status = exchange->status;
  facts.rate = parse_rate_limit(exchange->headers);
  facts.retry_after = parse_retry_after(exchange->headers);
  if (facts.status == 403 || facts.status == 429) {
    facts.says_rate_limit = mentions_rate_limit(exchange->body);
  }
  return facts;
}

}  // namespace

Result<Client> Client::create(ClientOptions options, HttpTransport& transport, ClientHooks hooks) {
  while (options.api_url.ends_with('/')) options.api_url.pop_back();
  auto origin = origin_of(options.api_url);
  if (!origin) return fail("GitHub API URL: ", origin.error().message);
  return Client(std::move(options), std::move(*origin), transport, std::move(hooks));
}

Client::Client(ClientOptions options, Origin origin, HttpTransport& transport, ClientHooks hooks)
    : options_(std::move(options)),
      origin_(std::move(origin)),
      transport_(&transport),
      hooks_(std::move(hooks)),
      random_(std::random_device{}()) {}

Result<std::string> Client::absolute(std::string_view target) const {
  if (target.starts_with('/')) return url(target);
  if (auto checked = check_origin(target, "a request"); !checked) return checked.error();
  return std::string(target);
}

// The token goes only to the API's origin: anything else is refused before a byte is sent.
Status Client::check_origin(std::string_view url, std::string_view what) const {
  auto origin = origin_of(url);
  if (!origin) return fail(fmt::format("refusing {}: {}", what, origin.error().message));
  if (*origin == origin_) return {};
  return fail(fmt::format("refusing {} to {} ({}): the token is only sent to the API at {}", what,
                          describe_origin(*origin), url, describe_origin(origin_)));
}

HttpRequest Client::request_for(const std::string& url, std::string_view if_none_match) const {
  HttpRequest request{url, {}};
  request.headers = {{"Accept", "application/vnd.github+json"},
                     {"X-GitHub-Api-Version", options_.api_version},
                     {"User-Agent", options_.user_agent}};
  if (!options_.token.empty())
    request.headers.emplace_back("Authorization", "Bearer " + options_.token);
  if (!if_none_match.empty())
    request.headers.emplace_back("If-None-Match", std::string(if_none_match));
  return request;
}

Result<ApiResponse> Client::get(std::string_view target, std::string_view if_none_match,
                                bool not_found_ok, bool rate_limit_ok) {
  auto start = absolute(target);
  if (!start) return start.error();
  std::string current = std::move(*start);
  RetryCount count;
  int redirects = 0;
  for (;;) {
    if (auto kept = keep_reserve(); !kept) {
      return fail(fmt::format("GET {}: {}", current, kept.error().message));
    }
    Result<HttpResponse> exchange = transport_->get(request_for(current, if_none_match));
    ++stats_.requests;
    ResponseFacts facts = facts_of(exchange);
    if (facts.rate.known) stats_.rate = facts.rate;
    if (exchange && is_redirect(exchange->status)) {
      auto next = follow_redirect(current, *exchange, redirects);
      if (!next) return next.error();
      current = std::move(*next);
      continue;
    }
    if (exchange &&
        ((exchange->status == 404 && not_found_ok) || (rate_limit_ok && is_rate_limit(facts)))) {
      return accept(current, std::move(*exchange));
    }
    Timestamp now = hooks_.now ? hooks_.now() : now_utc();
    double random =
        hooks_.random ? hooks_.random() : std::uniform_real_distribution<double>(0.0, 1.0)(random_);
    Decision decision = decide(facts, count, now, options_.retry, random);
    if (decision.action == Action::kAccept) return accept(current, std::move(*exchange));
    if (decision.action == Action::kFail) return failure(current, exchange, decision);
    bool failed = facts.status == 0 || facts.status >= 500;
    ++(failed ? count.failures : count.limits);
    ++stats_.retries;
    pause(decision.wait, decision.reason);
  }
}

Result<std::string> Client::follow_redirect(const std::string& url, const HttpResponse& response,
                                            int& redirects) const {
  auto location = response.headers.find("location");
  if (!location) {
    return fail(fmt::format("GET {}: HTTP {} without a Location", url, response.status));
  }
  auto next = resolve_url(url, *location);
  if (!next) return fail(fmt::format("GET {}: redirect: {}", url, next.error().message));
  if (auto checked = check_origin(*next, "a redirect"); !checked) {
    return fail(fmt::format("GET {}: {}", url, checked.error().message));
  }
  if (++redirects > options_.max_redirects) {
    return fail(fmt::format("GET {}: more than {} redirects", url, options_.max_redirects));
  }
  return std::move(*next);
}

Result<ApiResponse> Client::accept(const std::string& url, HttpResponse response) {
  ApiResponse out;
  out.status = response.status;
  out.url = url;
  out.etag = std::string(response.headers.find("etag").value_or(""));
  out.rate = parse_rate_limit(response.headers);
  if (response.status == 304) ++stats_.not_modified;
  if (auto next = find_link(response.headers.find_all("link"), "next")) {
    auto resolved = resolve_url(url, *next);
    if (!resolved)
      return fail(fmt::format("GET {}: Link rel=\"next\": {}", url, resolved.error().message));
    if (auto checked = check_origin(*resolved, "the next page's link"); !checked) {
      return fail(fmt::format("GET {}: {}", url, checked.error().message));
    }
    out.next_url = std::move(*resolved);
  }
  out.body = std::move(response.body);
  return out;
}

Error Client::failure(const std::string& url, const Result<HttpResponse>& exchange,
                      const Decision& decision) const {
  if (!exchange) return fail(fmt::format("{} ({})", exchange.error().message, decision.reason));
  std::string message = github_message(exchange->body);
  return fail(fmt::format("GET {}: {}{}{}", url, decision.reason,
                          message.empty() ? "" : ": " + message, hint_for(exchange->status)));
}

void Client::pause(milliseconds duration, std::string reason) {
  stats_.waited += duration;
  WaitNotice notice{duration, std::move(reason)};
  if (hooks_.wait) {
    hooks_.wait(notice);
  } else {
    std::this_thread::sleep_for(duration);
  }
}

Status Client::keep_reserve() {
  Timestamp now = hooks_.now ? hooks_.now() : now_utc();
  Decision decision = decide_reserve(stats_.rate, now, options_.retry);
  if (decision.action == Action::kFail) return fail(decision.reason);
  if (decision.action == Action::kAccept) return {};
  pause(decision.wait, std::move(decision.reason));
  stats_.rate.known = false;  // the budget has been refilled; the next response tells
  return {};
}

}  // namespace cipette::github
