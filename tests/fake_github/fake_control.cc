#include "fake_github/fake_control.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <stdexcept>

#include "fake_github/fault_spec.h"
#include "fake_github/github_json.h"

namespace cipette::fake_github::detail {
namespace {

constexpr std::string_view kJson = "application/json; charset=utf-8";

std::string api_base_of(ServerState& state) {
  std::lock_guard lock(state.mutex);
  return fmt::format("http://127.0.0.1:{}{}", state.port, state.options.path_prefix);
}

// The run id in parameter `id`; throws std::invalid_argument when missing or not a number.
std::int64_t id_param(const httplib::Request& req) {
  const std::string text = req.get_param_value("id");
  std::int64_t id = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    throw std::invalid_argument("id: expected a run id, got \"" + text + "\"");
  }
  return id;
}

// POST /_fake/rerun?id=ID[&conclusion=C][&status=S][&at=TIME]: the new attempt, as GitHub
// shows the run.
std::string rerun_document(ServerState& state, const httplib::Request& req) {
  const std::int64_t id = id_param(req);
  Timestamp at = now_utc();
  if (req.has_param("at")) {
    auto parsed = parse_date_or_timestamp(req.get_param_value("at"));
    if (!parsed) throw std::invalid_argument("at: " + parsed.error().message);
    at = *parsed;
  }
  const std::string status =
      req.has_param("status") ? req.get_param_value("status") : std::string("completed");
  std::string conclusion = req.get_param_value("conclusion");
  if (status == "completed" && conclusion.empty()) conclusion = "success";
  const std::string base = api_base_of(state);
  std::lock_guard lock(state.mutex);
  const RunRecord run = state.rerun(id, status, conclusion, at);
  std::string body;
  append_run_json(body, run, *state.find_repository(run.repository), base);
  return body;
}

// Every earlier attempt GET .../attempts/{n} serves, runs in the order of runs_document.
std::string attempts_document(ServerState& state, std::string_view api_base) {
  std::string document = "[";
  std::lock_guard lock(state.mutex);
  for (const auto& repository : state.all_repositories()) {
    for (const RunRecord& run : repository->runs) {
      for (std::int64_t n = 1; n < run.run_attempt; ++n) {
        const auto attempt = state.attempt(run, n);
        if (!attempt) continue;
        if (document.size() > 1) document += ',';
        append_run_json(document, *attempt, *repository, api_base);
      }
    }
  }
  return document + "]";
}

// The answer of a POST control action; nullopt for an unknown action. Throws
// std::invalid_argument on bad parameters or an unknown run.
std::optional<std::string> change(ServerState& state, std::string_view action,
                                  const httplib::Request& req) {
  if (action == "complete-in-progress") {
    std::lock_guard lock(state.mutex);
    return Json{{"completed", state.complete_unfinished(now_utc())}}.dump();
  }
  if (action == "rerun") return rerun_document(state, req);
  if (action == "expire-attempts") {
    const std::int64_t id = id_param(req);
    std::lock_guard lock(state.mutex);
    state.expire_attempts(id);
    return Json{{"id", id}, {"expired_below", state.run(id).run_attempt}}.dump();
  }
  if (action == "replica") {
    std::lock_guard lock(state.mutex);
    return Json{{"runs", state.save_replica()}}.dump();
  }
  if (action == "fault") {
    auto fault = parse_fault_spec(req.get_param_value("spec"));
    if (!fault) throw std::invalid_argument(fault.error().message);
    std::lock_guard lock(state.mutex);
    state.faults.push_back(std::move(*fault));
    int pending = 0;
    for (const Fault& each : state.faults) pending += std::max(each.times, 0);
    return Json{{"pending", pending}}.dump();
  }
  return std::nullopt;
}

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
  std::optional<std::string> body;
  try {
    if (req.method == "GET" && action == "runs") {
      body = runs_document(state, api_base_of(state));
    } else if (req.method == "GET" && action == "attempts") {
      body = attempts_document(state, api_base_of(state));
    } else if (req.method == "GET" && action == "requests") {
      body = requests_document(state);
    } else if (req.method == "POST") {
      body = change(state, action, req);
    }
  } catch (const std::invalid_argument& error) {
    res.status = 400;
    res.set_content(Json{{"message", error.what()}}.dump(), std::string(kJson));
    return;
  }
  if (body) {
    res.set_content(*body, std::string(kJson));
  } else {
    res.status = 404;
    res.set_content(R"({"message":"Not Found"})", std::string(kJson));
  }
}

}  // namespace cipette::fake_github::detail
