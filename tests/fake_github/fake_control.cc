#include "fake_github/fake_control.h"

#include <fmt/format.h>

#include "fake_github/github_json.h"

namespace cipette::fake_github::detail {
namespace {

constexpr std::string_view kJson = "application/json; charset=utf-8";

std::string requests_document(ServerState& state) {
  Json entries = Json::array();
  std::lock_guard lock(state.mutex);
  for (const RecordedRequest& request : state.log) {
    Json headers = Json::array();
    for (const auto& [name, value] : request.headers) headers.push_back({name, value});
    entries.push_back({{"method", request.method},
                       {"target", request.target},
                       {"status", request.status},
                       {"headers", headers}});
  }
  return entries.dump();
}

}  // namespace

std::string runs_document(ServerState& state, std::string_view api_base) {
  std::string document = "[";
  std::lock_guard lock(state.mutex);
  for (const auto& repository : state.all_repositories()) {
    for (const RunRecord& run : repository->runs) {
      if (document.size() > 1) document += ',';
      append_run_json(document, run, *repository, api_base);
    }
  }
  return document + "]";
}

void handle_control(ServerState& state, const httplib::Request& req, httplib::Response& res) {
  const std::string_view action = std::string_view(req.path).substr(kControlPrefix.size());
  if (req.method == "GET" && action == "runs") {
    std::string base;
    {
      std::lock_guard lock(state.mutex);
      base = fmt::format("http://127.0.0.1:{}{}", state.port, state.options.path_prefix);
    }
    res.set_content(runs_document(state, base), std::string(kJson));
  } else if (req.method == "GET" && action == "requests") {
    res.set_content(requests_document(state), std::string(kJson));
  } else if (req.method == "POST" && action == "complete-in-progress") {
    std::int64_t completed = 0;
    {
      std::lock_guard lock(state.mutex);
      completed = state.complete_unfinished(now_utc());
    }
    res.set_content(Json{{"completed", completed}}.dump(), std::string(kJson));
  } else {
    res.status = 404;
    res.set_content(R"({"message":"Not Found"})", std::string(kJson));
  }
}

}  // namespace cipette::fake_github::detail
