#include "fake_github/fake_faults.h"

#include <string>

namespace cipette::fake_github::detail {
namespace {

constexpr std::string_view kSecondaryMessage =
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID.";
constexpr std::string_view kSecondaryDocs =
    "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
    "#about-secondary-rate-limits";
constexpr std::string_view kInvalidJson =
    R"({"total_count": 2, "workflow_runs": [{"id": 1,, "status": "completed"}]})";
constexpr std::string_view kWrongShape =
    R"({"total_count": "many", "workflow_runs": {"id": "not-a-number", "status": 7}})";

int status_or(const Fault& fault, int fallback) {
  return fault.status != 0 ? fault.status : fallback;
}

std::string_view reason(int status) {
  switch (status) {
    case 500:
      return "Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Injected failure";
  }
}

Reply secondary_limit(const Fault& fault) {
  Reply reply =
      json_text_reply(status_or(fault, 403), error_json(kSecondaryMessage, kSecondaryDocs).dump());
  if (fault.retry_after)
    reply.headers.emplace_back("retry-after", std::to_string(*fault.retry_after));
  return reply;
}

Reply redirect(const Fault& fault, std::string_view target) {
  const int status = status_or(fault, 302);
  const std::string location = fault.target + std::string(target);
  Json body{{"message", status == 301 ? "Moved Permanently" : "Found"},
            {"url", location},
            {"documentation_url", "https://docs.github.com/rest"}};
  Reply reply = json_text_reply(status, body.dump());
  reply.headers.emplace_back("Location", location);
  return reply;
}

// Link rel="next" on the fault's target: same path and query, the following page.
std::string foreign_link(const Fault& fault, const httplib::Request& req) {
  const Page page = paginate(req.params, 0);
  return "<" + page_url(fault.target + req.path, req.params, page.per_page, page.number + 1) +
         ">; rel=\"next\"";
}

// Puts `next` in place of the Link header's rel="next" (URLs are percent-encoded, so ", "
// only separates entries).
void replace_next(Reply& reply, const std::string& next) {
  for (auto& [name, value] : reply.headers) {
    if (name != "Link") continue;
    std::string kept = next;
    std::size_t start = 0;
    while (start < value.size()) {
      std::size_t end = value.find(", ", start);
      if (end == std::string::npos) end = value.size();
      const std::string entry = value.substr(start, end - start);
      if (entry.find("rel=\"next\"") == std::string::npos) kept += ", " + entry;
      start = end + 2;
    }
    value = kept;
    return;
  }
  reply.headers.emplace_back("Link", next);
}

}  // namespace

std::optional<Reply> fault_before_routing(const Fault& fault, std::string_view target) {
  switch (fault.kind) {
    case FaultKind::kHttpError: {
      const int status = status_or(fault, 500);
      return error_reply(status, reason(status));
    }
    case FaultKind::kSecondaryRateLimit:
      return secondary_limit(fault);
    case FaultKind::kRedirect:
      return redirect(fault, target);
    default:
      return std::nullopt;
  }
}

void fault_after_routing(const Fault& fault, const httplib::Request& req, Answer& answer) {
  Reply& reply = answer.reply;
  switch (fault.kind) {
    case FaultKind::kTruncatedBody:
      answer.truncate = true;
      break;
    case FaultKind::kHalfJson:
      reply.body.resize(reply.body.size() / 2);
      break;
    case FaultKind::kInvalidJson:
      reply = Reply{200, std::string(kInvalidJson), reply.content_type, {}};
      break;
    case FaultKind::kWrongShape:
      reply = Reply{200, std::string(kWrongShape), reply.content_type, {}};
      break;
    case FaultKind::kForeignLink:
      replace_next(reply, foreign_link(fault, req));
      break;
    default:
      break;
  }
}

}  // namespace cipette::fake_github::detail
