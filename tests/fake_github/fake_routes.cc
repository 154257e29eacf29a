#include "fake_github/fake_routes.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>
#include <regex>
#include <utility>

#include "fake_github/created_filter.h"
#include "fake_github/job_generator.h"

namespace cipette::fake_github::detail {
namespace {

constexpr std::string_view kDocs = "https://docs.github.com/rest";
// Listing parameters under which GitHub returns at most 1,000 results (API-NOTES.md).
constexpr std::array<std::string_view, 7> kCappedParams = {
    "actor", "branch", "check_suite_id", "created", "event", "head_sha", "status"};
constexpr std::int64_t kSearchCap = 1000;
constexpr std::array<std::string_view, 6> kStatuses = {"completed", "in_progress", "queued",
                                                       "requested", "waiting",     "pending"};
constexpr std::array<std::string_view, 8> kConclusions = {"action_required", "cancelled", "failure",
                                                          "neutral",         "skipped",   "stale",
                                                          "success",         "timed_out"};

template <std::size_t N>
bool one_of(const std::array<std::string_view, N>& values, std::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

Reply json_reply(int status, const Json& body) { return json_text_reply(status, body.dump()); }

// The filters of list-workflow-runs that select runs.
struct RunFilter {
  std::optional<TimeRange> created;
  std::optional<std::string> status, actor, branch, event, head_sha;

  bool matches(const RunRecord& run) const {
    if (created && !created->contains(run.created_at)) return false;
    if (status && run.status != *status && run.conclusion != *status) return false;
    if (actor && run.actor != *actor) return false;
    if (branch && run.head_branch != *branch) return false;
    if (event && run.event != *event) return false;
    return !head_sha || run.head_sha == *head_sha;
  }
};

std::optional<std::string> param(const QueryParams& params, const std::string& name) {
  const auto it = params.find(name);
  return it == params.end() ? std::nullopt : std::optional<std::string>(it->second);
}

Result<RunFilter> read_filter(const QueryParams& params) {
  RunFilter filter;
  if (const auto created = param(params, "created")) {
    auto range = parse_created(*created);
    if (!range) return range.error();
    filter.created = *range;
  }
  filter.status = param(params, "status");
  if (filter.status && !one_of(kStatuses, *filter.status) &&
      !one_of(kConclusions, *filter.status)) {
    return fail("status: \"", *filter.status, "\" is not a status or conclusion");
  }
  filter.actor = param(params, "actor");
  filter.branch = param(params, "branch");
  filter.event = param(params, "event");
  filter.head_sha = param(params, "head_sha");
  return filter;
}

bool capped(const QueryParams& params) {
  return std::any_of(kCappedParams.begin(), kCappedParams.end(),
                     [&](std::string_view name) { return params.count(std::string(name)) != 0; });
}

// What a listing page needs, copied out under the lock.
struct RunsPage {
  RepositoryInfo repository;
  std::int64_t total = 0;
  Page page;
  std::vector<RunRecord> runs;
};

// The runs a request sees: the repository's, or the saved replica's when the request is stale.
// REQUIRES: state.mutex held.
const std::vector<RunRecord>& visible_runs(const ServerState& state, const Repository& repository,
                                           bool stale) {
  const std::vector<RunRecord>* replica = stale ? state.replica_runs(repository) : nullptr;
  return replica != nullptr ? *replica : repository.runs;
}

std::optional<RunsPage> select_runs(ServerState& state, const std::string& full_name,
                                    const RunFilter& filter, const ApiRequest& request) {
  const QueryParams& params = request.params;
  std::lock_guard lock(state.mutex);
  const Repository* repository = state.find_repository(full_name);
  if (repository == nullptr) return std::nullopt;
  std::vector<const RunRecord*> matching;
  for (const RunRecord& run : visible_runs(state, *repository, request.stale)) {
    if (filter.matches(run)) matching.push_back(&run);
  }
  RunsPage result{*repository, static_cast<std::int64_t>(matching.size()), {}, {}};
  const std::int64_t reachable = capped(params) ? std::min(result.total, kSearchCap) : result.total;
  result.page = paginate(params, reachable);
  for (std::int64_t i = result.page.begin; i < result.page.end; ++i) {
    result.runs.push_back(*matching[static_cast<std::size_t>(i)]);
  }
  return result;
}

Reply select_runs(ServerState& state, const ApiRequest& request, const std::string& full_name) {
  auto filter = read_filter(request.params);
  if (!filter) {
    Json body = error_json("Validation Failed", kDocs);
    body["errors"] = Json::array({filter.error().message});
    return json_reply(422, body);
  }
  const auto selected = select_runs(state, full_name, *filter, request);
  if (!selected) return error_reply(404, "Not Found");
  std::string body;
  body.reserve(selected->runs.size() * 12 * 1024 + 64);  // runs are ~11 KB each
  body += "{\"total_count\":" + std::to_string(selected->total) + ",\"workflow_runs\":[";
  for (const RunRecord& run : selected->runs) {
    if (&run != &selected->runs.front()) body += ',';
    append_run_json(body, run, selected->repository, request.api_base);
  }
  body += "]}";
  Reply reply = json_text_reply(200, std::move(body));
  const std::string link =
      link_header(request.api_base + request.path, request.params, selected->page);
  if (!link.empty()) reply.headers.emplace_back("Link", link);
  return reply;
}

std::int64_t number_of(const std::string& text) {
  std::int64_t number = 0;
  std::from_chars(text.data(), text.data() + text.size(), number);
  return number;
}

// Run `id` of repository `full_name` as the request sees it, with its repository; nullptr
// (first) when either is unknown. REQUIRES: state.mutex held.
std::pair<const RunRecord*, const Repository*> visible_run(ServerState& state,
                                                           const ApiRequest& request,
                                                           const std::string& full_name,
                                                           std::int64_t id) {
  const Repository* repository = state.find_repository(full_name);
  if (repository == nullptr) return {nullptr, nullptr};
  const auto& runs = visible_runs(state, *repository, request.stale);
  const auto it =
      std::find_if(runs.begin(), runs.end(), [&](const RunRecord& run) { return run.id == id; });
  return {it == runs.end() ? nullptr : &*it, repository};
}

// GET .../runs/{id} (attempt 0) or GET .../runs/{id}/attempts/{attempt}.
Reply get_run(ServerState& state, const ApiRequest& request, const std::string& full_name,
              std::int64_t id, std::int64_t attempt = 0) {
  std::unique_lock lock(state.mutex);
  const auto [found, repository] = visible_run(state, request, full_name, id);
  if (found == nullptr) return error_reply(404, "Not Found");
  const std::optional<RunRecord> run = attempt == 0 ? *found : state.attempt(*found, attempt);
  if (!run) return error_reply(404, "Not Found");
  const RepositoryInfo info = *repository;
  lock.unlock();
  std::string body;
  append_run_json(body, *run, info, request.api_base);
  return json_text_reply(200, std::move(body));
}

// GET .../runs/{id}/jobs: filter=latest (the default) or all; any other filter is 422.
Reply list_jobs(ServerState& state, const ApiRequest& request, const std::string& full_name,
                std::int64_t id) {
  const std::string filter = param(request.params, "filter").value_or("latest");
  if (filter != "latest" && filter != "all") {
    Json body = error_json("Validation Failed", kDocs);
    body["errors"] = Json::array({"filter: \"" + filter + "\" is not latest or all"});
    return json_reply(422, body);
  }
  std::unique_lock lock(state.mutex);
  const RunRecord* found = visible_run(state, request, full_name, id).first;
  if (found == nullptr) return error_reply(404, "Not Found");
  const RunRecord run = *found;
  std::vector<JobRecord> jobs = state.jobs(run, filter == "all");
  lock.unlock();
  const Page page = paginate(request.params, static_cast<std::int64_t>(jobs.size()));
  std::string body = "{\"total_count\":" + std::to_string(jobs.size()) + ",\"jobs\":[";
  for (std::int64_t i = page.begin; i < page.end; ++i) {
    if (i != page.begin) body += ',';
    append_job_json(body, jobs[static_cast<std::size_t>(i)], run, request.api_base);
  }
  body += "]}";
  Reply reply = json_text_reply(200, std::move(body));
  const std::string link = link_header(request.api_base + request.path, request.params, page);
  if (!link.empty()) reply.headers.emplace_back("Link", link);
  return reply;
}

Reply list_org_repositories(ServerState& state, const ApiRequest& request, const std::string& org) {
  std::vector<RepositoryInfo> owned;
  {
    std::lock_guard lock(state.mutex);
    for (const auto& repository : state.all_repositories()) {
      const std::string& name = repository->full_name;
      if (lower(name.substr(0, name.find('/'))) == lower(org)) owned.push_back(*repository);
    }
  }
  if (owned.empty()) return error_reply(404, "Not Found");
  std::reverse(owned.begin(), owned.end());  // sort=created, direction=desc: newest first
  const Page page = paginate(request.params, static_cast<std::int64_t>(owned.size()));
  Json body = Json::array();
  for (std::int64_t i = page.begin; i < page.end; ++i) {
    body.push_back(repository_json(owned[static_cast<std::size_t>(i)], request.api_base, true));
  }
  Reply reply = json_reply(200, body);
  const std::string link = link_header(request.api_base + request.path, request.params, page);
  if (!link.empty()) reply.headers.emplace_back("Link", link);
  return reply;
}

Reply rate_limit(ServerState& state) {
  std::lock_guard lock(state.mutex);
  state.refill(now_utc());
  return json_reply(200, rate_limit_json(state.rate));
}

}  // namespace

Reply json_text_reply(int status, std::string body) {
  Reply reply;
  reply.status = status;
  reply.body = std::move(body);
  return reply;
}

Reply error_reply(int status, std::string_view message) {
  return json_reply(status, error_json(message, kDocs));
}

Reply route_api(ServerState& state, const ApiRequest& request) {
  static const std::regex runs_path(R"(^/repos/([^/]+)/([^/]+)/actions/runs/?$)");
  static const std::regex run_path(R"(^/repos/([^/]+)/([^/]+)/actions/runs/([0-9]{1,18})$)");
  static const std::regex attempt_path(
      R"(^/repos/([^/]+)/([^/]+)/actions/runs/([0-9]{1,18})/attempts/([0-9]{1,18})$)");
  static const std::regex jobs_path(R"(^/repos/([^/]+)/([^/]+)/actions/runs/([0-9]{1,18})/jobs$)");
  static const std::regex org_repos_path(R"(^/orgs/([^/]+)/repos/?$)");
  std::smatch match;
  if (std::regex_match(request.path, match, runs_path)) {
    return select_runs(state, request, match[1].str() + "/" + match[2].str());
  }
  if (std::regex_match(request.path, match, run_path)) {
    return get_run(state, request, match[1].str() + "/" + match[2].str(),
                   number_of(match[3].str()));
  }
  if (std::regex_match(request.path, match, attempt_path)) {
    // Attempt 0 is no attempt: 404, as any number outside 1..run_attempt.
    const std::int64_t attempt = number_of(match[4].str());
    if (attempt == 0) return error_reply(404, "Not Found");
    return get_run(state, request, match[1].str() + "/" + match[2].str(), number_of(match[3].str()),
                   attempt);
  }
  if (std::regex_match(request.path, match, jobs_path)) {
    return list_jobs(state, request, match[1].str() + "/" + match[2].str(),
                     number_of(match[3].str()));
  }
  if (std::regex_match(request.path, match, org_repos_path)) {
    return list_org_repositories(state, request, match[1].str());
  }
  if (request.path == "/rate_limit") return rate_limit(state);
  return error_reply(404, "Not Found");
}

}  // namespace cipette::fake_github::detail
