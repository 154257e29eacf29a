#include "fake_github/fake_faults.h"

#include <algorithm>
#include <string>
#include <vector>

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

void add_retry_after(const Fault& fault, Reply& reply) {
  if (fault.retry_after)
    reply.headers.emplace_back("retry-after", std::to_string(*fault.retry_after));
}

Reply secondary_limit(const Fault& fault) {
  Reply reply =
      json_text_reply(status_or(fault, 403), error_json(kSecondaryMessage, kSecondaryDocs).dump());
  add_retry_after(fault, reply);
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

// "http://127.0.0.1:PORT", where the request was answered.
std::string origin_of(ServerState& state) {
  std::lock_guard lock(state.mutex);
  return "http://127.0.0.1:" + std::to_string(state.port);
}

std::string api_base_of(ServerState& state) {
  std::lock_guard lock(state.mutex);
  return "http://127.0.0.1:" + std::to_string(state.port) + state.options.path_prefix;
}

constexpr std::string_view kListingStart = "{\"total_count\":";

// Whether the answer is a page of a listing with a total_count (runs or jobs) as the routes
// write it.
bool is_counted_listing(const Reply& reply) {
  return reply.status == 200 && reply.body.starts_with(kListingStart) && reply.body.ends_with("]}");
}

bool is_runs_listing(const Reply& reply) {
  return is_counted_listing(reply) && reply.body.find(",\"workflow_runs\":[") != std::string::npos;
}

// Link rel="next" on the following page, whether or not there is one.
std::string endless_link(ServerState& state, const httplib::Request& req) {
  const Page page = paginate(req.params, 0);
  return "<" + page_url(origin_of(state) + req.path, req.params, page.per_page, page.number + 1) +
         ">; rel=\"next\"";
}

void set_total_count(Reply& reply, std::int64_t total_count) {
  const std::size_t end = reply.body.find(',', kListingStart.size());
  reply.body.replace(kListingStart.size(), end - kListingStart.size(), std::to_string(total_count));
}

// "owner/name" of a /repos/owner/name/... path (after the server's prefix), "" otherwise.
std::string listed_repository(const std::string& path) {
  const std::size_t at = path.find("/repos/");
  if (at == std::string::npos) return "";
  const std::size_t owner = at + 7;
  const std::size_t name_end = path.find('/', path.find('/', owner) + 1);
  return path.substr(owner, name_end - owner);
}

// The serialised newest `fault.count` runs of `fault.repository` ("" when it is unknown),
// disguised as runs of `listed` when the fault says so.
std::string foreign_runs(ServerState& state, const Fault& fault, const std::string& listed) {
  std::vector<RunRecord> runs;
  RepositoryInfo info;
  {
    std::lock_guard lock(state.mutex);
    const Repository* repository = state.find_repository(fault.repository);
    if (repository == nullptr) return "";
    info = *repository;
    const auto count = std::min<std::size_t>(repository->runs.size(), std::max(fault.count, 0));
    runs.assign(repository->runs.begin(),
                repository->runs.begin() + static_cast<std::ptrdiff_t>(count));
  }
  if (fault.disguised) info.full_name = listed;
  std::string out;
  const std::string api_base = api_base_of(state);
  for (const RunRecord& run : runs) {
    if (!out.empty()) out += ',';
    append_run_json(out, run, info, api_base);
  }
  return out;
}

void add_foreign_runs(ServerState& state, const Fault& fault, const httplib::Request& req,
                      Reply& reply) {
  const std::string runs = foreign_runs(state, fault, listed_repository(req.path));
  if (runs.empty()) return;
  const bool had_runs = !reply.body.ends_with("[]}");
  reply.body.insert(reply.body.size() - 2, (had_runs ? "," : "") + runs);
}

// Sets member `fault.field` of the page's first run (or job, on a jobs page), or of the single
// run answered.
void set_run_field(const Fault& fault, Reply& reply) {
  Json body = Json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
  Json* run = &body;
  for (const char* list : {"workflow_runs", "jobs"}) {
    if (!body.is_object() || !body.contains(list)) continue;
    if (body[list].empty()) return;
    run = &body[list][0];
  }
  if (!run->is_object() || !run->contains("id")) return;
  (*run)[fault.field] = Json::parse(fault.value);
  reply.body = body.dump();
}

// The hostile but well-formed answers: links of any listing, contents of the runs listing.
void hostile_listing(ServerState& state, const Fault& fault, const httplib::Request& req,
                     Reply& reply) {
  if (reply.status != 200) return;
  if (fault.kind == FaultKind::kRunField) return set_run_field(fault, reply);
  if (fault.kind == FaultKind::kSelfLink) {
    return replace_next(reply, "<" + origin_of(state) + req.target + ">; rel=\"next\"");
  }
  if (fault.kind == FaultKind::kEndlessLink) return replace_next(reply, endless_link(state, req));
  switch (fault.kind) {
    case FaultKind::kTotalCount:
      if (is_counted_listing(reply)) set_total_count(reply, fault.total_count);
      break;
    case FaultKind::kForeignRuns:
      if (is_runs_listing(reply)) add_foreign_runs(state, fault, req, reply);
      break;
    default:
      break;
  }
}

}  // namespace

std::optional<Reply> fault_before_routing(const Fault& fault, std::string_view target) {
  switch (fault.kind) {
    case FaultKind::kHttpError: {
      const int status = status_or(fault, 500);
      Reply reply = error_reply(status, reason(status));
      add_retry_after(fault, reply);
      return reply;
    }
    case FaultKind::kSecondaryRateLimit:
      return secondary_limit(fault);
    case FaultKind::kRedirect:
      return redirect(fault, target);
    default:
      return std::nullopt;
  }
}

void fault_after_routing(ServerState& state, const Fault& fault, const httplib::Request& req,
                         Answer& answer) {
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
      hostile_listing(state, fault, req, reply);
      break;
  }
}

}  // namespace cipette::fake_github::detail
