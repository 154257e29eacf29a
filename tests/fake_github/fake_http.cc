#include "fake_github/fake_http.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>

#include "fake_github/fake_control.h"
#include "fake_github/fake_faults.h"
#include "fake_github/fake_hash.h"
#include "fake_github/fake_routes.h"

namespace cipette::fake_github::detail {
namespace {

constexpr std::string_view kNoUserAgent =
    "Request forbidden by administrative rules. Please make sure your request has a User-Agent "
    "header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-"
    "required). Check https://developer.github.com for other possible causes.\n";
constexpr std::array<std::string_view, 2> kApiVersions = {"2022-11-28", "2026-03-10"};
// httplib adds these to the request headers it hands to the server; they were not sent.
constexpr std::array<std::string_view, 4> kLocalHeaders = {"REMOTE_ADDR", "REMOTE_PORT",
                                                           "LOCAL_ADDR", "LOCAL_PORT"};

RecordedRequest recorded(const httplib::Request& req) {
  RecordedRequest entry{req.method, req.target, {}, 0};
  for (const auto& [name, value] : req.headers) {
    if (std::find(kLocalHeaders.begin(), kLocalHeaders.end(), name) != kLocalHeaders.end()) {
      continue;
    }
    entry.headers.emplace_back(name, value);
  }
  return entry;
}

// The token of "Bearer T" or "token T" (scheme case-insensitive), "" otherwise.
std::string presented_token(const std::string& authorization) {
  const std::size_t space = authorization.find(' ');
  if (space == std::string::npos) return "";
  const std::string scheme = lower(authorization.substr(0, space));
  if (scheme != "bearer" && scheme != "token") return "";
  return authorization.substr(authorization.find_first_not_of(' ', space));
}

// A rejection of the client's headers: no User-Agent, no or a wrong token, bad API version.
std::optional<Reply> check_client(ServerState& state, const httplib::Request& req) {
  if (req.get_header_value("User-Agent").empty()) {
    return Reply{403, std::string(kNoUserAgent), "text/plain; charset=utf-8", {}};
  }
  std::string expected;
  {
    std::lock_guard lock(state.mutex);
    expected = state.options.token;
  }
  if (!req.has_header("Authorization")) return error_reply(401, "Requires authentication");
  const std::string token = presented_token(req.get_header_value("Authorization"));
  if (token.empty() || token != expected) return error_reply(401, "Bad credentials");
  const std::string version = req.get_header_value("X-GitHub-Api-Version");
  if (!version.empty() &&
      std::find(kApiVersions.begin(), kApiVersions.end(), version) == kApiVersions.end()) {
    return error_reply(410, "Unsupported 'X-GitHub-Api-Version' header: " + version);
  }
  return std::nullopt;
}

// What the rate limit and the fault list decided for one request.
struct Admission {
  bool exhausted = false;
  bool counted = false;
  Timestamp window = 0;  // the reset time of the window the request was counted in
  std::optional<Fault> fault;
};

Admission admit(ServerState& state, const httplib::Request& req, bool counts) {
  std::lock_guard lock(state.mutex);
  state.refill(now_utc());
  Admission admission;
  if (counts && state.rate.remaining <= 0) {
    admission.exhausted = true;
    return admission;
  }
  if (counts) {
    --state.rate.remaining;
    ++state.rate.used;
    ++state.counted;
    admission.counted = true;
    admission.window = state.rate.reset;
  }
  admission.fault = state.take_fault(req.target);
  return admission;
}

// Gives back the budget of a request answered 304 (as GitHub does).
void refund(ServerState& state, const Admission& admission) {
  std::lock_guard lock(state.mutex);
  if (!admission.counted || state.rate.reset != admission.window) return;
  ++state.rate.remaining;
  --state.rate.used;
  --state.counted;
}

bool if_none_match(const httplib::Request& req, const std::string& etag) {
  const std::string header = req.get_header_value("If-None-Match");
  const std::string strong = etag.substr(2);  // without "W/"
  std::size_t start = 0;
  while (start < header.size()) {
    std::size_t end = header.find(',', start);
    if (end == std::string::npos) end = header.size();
    std::string tag = header.substr(start, end - start);
    tag.erase(0, tag.find_first_not_of(' '));
    tag.erase(tag.find_last_not_of(' ') + 1);
    if (tag.rfind("W/", 0) == 0) tag.erase(0, 2);
    if (tag == "*" || tag == strong) return true;
    start = end + 1;
  }
  return false;
}

// Adds the ETag to a 200, or turns it into a 304 when the client has it already.
void apply_etag(const httplib::Request& req, Reply& reply) {
  if (reply.status != 200) return;
  const std::string etag = "W/\"" + hex_digest(reply.body, 32) + "\"";
  reply.headers.emplace_back("ETag", etag);
  if (req.has_header("If-None-Match") && if_none_match(req, etag)) {
    reply.status = 304;
    reply.body.clear();
  }
}

void add_common_headers(ServerState& state, Reply& reply) {
  static std::atomic<std::uint64_t> request_number{0};
  RateLimit rate;
  {
    std::lock_guard lock(state.mutex);
    rate = state.rate;
  }
  reply.headers.emplace_back("x-ratelimit-limit", std::to_string(rate.limit));
  reply.headers.emplace_back("x-ratelimit-remaining", std::to_string(rate.remaining));
  reply.headers.emplace_back("x-ratelimit-used", std::to_string(rate.used));
  reply.headers.emplace_back("x-ratelimit-reset", std::to_string(rate.reset));
  reply.headers.emplace_back("x-ratelimit-resource", "core");
  reply.headers.emplace_back("x-github-media-type", "github.v3; format=json");
  reply.headers.emplace_back("x-github-api-version-selected", "2022-11-28");
  reply.headers.emplace_back("x-github-request-id", fmt::format("FAKE:{:08X}", ++request_number));
}

std::string api_base(ServerState& state) {
  std::lock_guard lock(state.mutex);
  return fmt::format("http://127.0.0.1:{}{}", state.port, state.options.path_prefix);
}

// Routes an admitted request, with the fault (if any) shaping the answer.
Answer serve(ServerState& state, const httplib::Request& req, const Admission& admission) {
  if (admission.fault) {
    if (auto early = fault_before_routing(*admission.fault, req.target)) return Answer{*early};
    if (admission.fault->kind == FaultKind::kDelay) state.sleep(admission.fault->delay);
  }
  std::string prefix;
  {
    std::lock_guard lock(state.mutex);
    prefix = state.options.path_prefix;
  }
  // A stale replica answers like the server, ETag and all, from older data.
  const bool stale = admission.fault && admission.fault->kind == FaultKind::kStaleReplica;
  Answer answer;
  if (req.method != "GET" || req.path.rfind(prefix, 0) != 0) {
    answer.reply = error_reply(404, "Not Found");
  } else {
    answer.reply = route_api(
        state, ApiRequest{req.path.substr(prefix.size()), req.params, api_base(state), stale});
  }
  if (admission.fault && !stale) {
    fault_after_routing(state, *admission.fault, req, answer);
  } else {
    apply_etag(req, answer.reply);
    if (answer.reply.status == 304) refund(state, admission);
  }
  return answer;
}

Answer answer_api(ServerState& state, const httplib::Request& req) {
  if (auto rejected = check_client(state, req)) return Answer{*rejected};
  const bool counts = req.path.find("/rate_limit") == std::string::npos;
  const Admission admission = admit(state, req, counts);
  if (admission.exhausted) {
    return Answer{error_reply(403,
                              "API rate limit exceeded for user ID 1. If you reach out to "
                              "GitHub Support for help, please include the request ID.")};
  }
  return serve(state, req, admission);
}

void write_answer(Answer& answer, httplib::Response& res) {
  Reply& reply = answer.reply;
  res.status = reply.status;
  for (const auto& [name, value] : reply.headers) res.set_header(name, value);
  if (answer.truncate) {
    auto body = std::make_shared<std::string>(reply.body);
    // Declares the whole length, sends half, then fails: httplib closes the connection.
    res.set_content_provider(body->size(), reply.content_type,
                             [body](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                               if (offset == 0) sink.write(body->data(), body->size() / 2);
                               return false;
                             });
  } else if (!reply.body.empty()) {
    res.body = std::move(reply.body);  // what set_content does, without copying a 1 MB page
    res.set_header("Content-Type", reply.content_type);
  }
}

void handle(ServerState& state, const httplib::Request& req, httplib::Response& res) {
  if (req.path.rfind(kControlPrefix, 0) == 0) {
    handle_control(state, req, res);
    return;
  }
  LogSlot slot;
  std::chrono::milliseconds latency{0};
  {
    std::lock_guard lock(state.mutex);
    slot = state.record(recorded(req));
    latency = state.options.latency;
  }
  state.sleep(latency);
  Answer answer = answer_api(state, req);
  add_common_headers(state, answer.reply);
  write_answer(answer, res);
  std::lock_guard lock(state.mutex);
  state.set_status(slot, res.status);
}

}  // namespace

HttpServer::HttpServer(std::shared_ptr<ServerState> state) : state_(std::move(state)) {}

HttpServer::~HttpServer() { stop(); }

Result<int> HttpServer::start() {
  if (server_) return fail("fake GitHub: already started");
  server_ = std::make_unique<httplib::Server>();
  const int threads = std::max(state_->options.threads, 1);
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_keep_alive_max_count(1000);
  server_->set_keep_alive_timeout(1);  // bounds how long stop() waits for idle connections
  ServerState* state = state_.get();
  server_->set_pre_routing_handler([state](const httplib::Request& req, httplib::Response& res) {
    handle(*state, req, res);
    return httplib::Server::HandlerResponse::Handled;
  });
  const int port = server_->bind_to_any_port("127.0.0.1");
  if (port <= 0) {
    server_.reset();
    return fail("fake GitHub: cannot bind 127.0.0.1");
  }
  {
    std::lock_guard lock(state_->mutex);
    state_->port = port;
    state_->stopping = false;
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // httplib's stop() does nothing until the accept loop runs, so wait for it.
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return port;
}

void HttpServer::stop() {
  if (!server_) return;
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->stop_signal.notify_all();
  server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

}  // namespace cipette::fake_github::detail
