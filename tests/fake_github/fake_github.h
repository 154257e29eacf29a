#pragma once

// A fake GitHub REST API server for tests, on 127.0.0.1, serving generated repositories in
// GitHub's real response shapes (tests/fixtures/github/*.json), as documented in
// GitHub's REST API documentation (Link pagination, rate limits, conditional requests):
//
//   GET {prefix}/repos/{owner}/{repo}/actions/runs        list-workflow-runs-for-repo
//   GET {prefix}/repos/{owner}/{repo}/actions/runs/{id}   get-workflow-run
//   GET {prefix}/repos/{owner}/{repo}/actions/runs/{id}/attempts/{n}
//                                                         get-workflow-run-attempt
//   GET {prefix}/repos/{owner}/{repo}/actions/runs/{id}/jobs
//                                                         list-jobs-for-workflow-run
//   GET {prefix}/orgs/{org}/repos                         repositories whose owner is {org}
//   GET {prefix}/rate_limit                               the live budget (not counted)
//
// Behaviour, and the choices made where GitHub's documentation leaves room:
// - Every request needs a non-empty User-Agent (else 403, plain-text body, as GitHub) and then
//   `Authorization: Bearer T` or `token T` with the configured token (else 401 {"message":
//   "Requires authentication"} when absent, {"message": "Bad credentials"} when wrong). Repository
//   and organisation names match case-insensitively. `X-GitHub-Api-Version`, when sent, must be
//   2022-11-28 or 2026-03-10 (else 410 Gone, GitHub's current answer to an unsupported one).
// - Runs are listed newest created first (ties: higher id first). `per_page` defaults to 30 and is
//   clamped to 1..100; `page` starts at 1. `Link` carries rel="prev", "next", "last", "first"
//   (those that apply; none when everything fits on one page) as absolute URLs with the request's
//   query, `per_page` included. Filters: `created` (search date syntax, see created_filter.h),
//   `status` (a status or a conclusion value; an unknown value is 422), `actor`, `branch`,
//   `event`, `head_sha`; `check_suite_id` and `exclude_pull_requests` are accepted and change
//   nothing (pull_requests is always empty). A malformed `created` is 422 "Validation Failed".
// - The 1,000-result cap: GitHub documents that with actor, branch, check_suite_id, created,
//   event, head_sha or status "this endpoint will return up to 1,000 results for each search".
//   The fake reads that as: `total_count` still reports every matching run (the real count), but
//   only the first 1,000 of them (in listing order) can be paged to. `Link` stops there (last =
//   the page holding result 1,000) and later pages answer 200 with an empty `workflow_runs`.
//   Without those parameters every run can be paged to.
// - `page=N` may be asked for directly, with the same `per_page` and filters as the links carry:
//   it holds results (N - 1) * per_page + 1 .. N * per_page of the listing at the time of the
//   request (a run created since shifts every later page by one). A page past the last answers
//   200 with `total_count` and an empty `workflow_runs`, and Link rel="prev" and "first".
// - Re-runs (see rerun()): a run keeps its id, run_number, created_at, head_sha and head_branch;
//   its `run_attempt` grows, `previous_attempt_url` names attempt run_attempt - 1 (null on
//   attempt 1), `run_started_at` and `updated_at` are the new attempt's. Listings and
//   get-workflow-run show the latest attempt. GET .../attempts/{n} answers attempt n in the
//   run's shape: for n below run_attempt the earlier attempt as it ended (its own status,
//   conclusion, run_started_at, updated_at), for n = run_attempt the run itself, and 404 for
//   any other n, for an earlier attempt the fake does not hold (a run added with run_attempt > 1
//   and no earlier_attempts) and for earlier attempts made unavailable by expire_attempts().
// - Jobs: GET .../runs/{id}/jobs?filter=latest|all (latest by default; anything else is 422)
//   lists the jobs of the run's latest attempt, or of every attempt (attempt 1 first), in
//   GitHub's list-jobs-for-workflow-run shape {"total_count": N, "jobs": [...]} with steps,
//   paged like the runs listing (per_page 30 by default, at most 100; Link). What each attempt
//   holds follows a formula of the run id (job_generator.h: 1 to 4 jobs, 130 for one run in
//   20, so that per_page=100 takes two pages), the same for every request; jobs(id, all) gives
//   them. 404 for a run unknown or deleted (delete_run). Faults apply as to any endpoint;
//   kTotalCount and kRunField (on the page's first job) too.
// - Stale replicas, for testing that a client only ever moves a run forward: save_replica()
//   keeps the state of that moment, and a request that a FaultKind::kStaleReplica fault fires
//   for is answered from it (a run with a lower run_attempt, still in progress, or absent),
//   ETag and 304 included. In the `fake-github` program: POST /_fake/replica, then POST
//   /_fake/fault?spec=stale-replica:TIMES:PATH (or --fault at start).
// - Every 200 carries `ETag: W/"<hash of the body>"`. `If-None-Match` naming it (or "*") gives a
//   304 with no body that, like GitHub's, does not count against the rate limit.
// - Rate limit: every response carries x-ratelimit-limit/-remaining/-used/-reset (epoch seconds)
//   and x-ratelimit-resource: core. Each request that passes the User-Agent and token checks
//   counts one (injected faults included) except 304s and /rate_limit. With nothing left the
//   answer (except /rate_limit's, which always answers) is 403 with remaining 0 and {"message":
//   "API rate limit exceeded for user ID 1. ..."}, not counted; the budget refills to `limit` at
//   `reset`, and the next window lasts `window_seconds`.
// - Connections are kept alive (idle timeout 1 s); bodies are gzip-compressed when the client
//   sends Accept-Encoding: gzip, as GitHub's are.
// - Unknown repositories, runs, organisations and paths: 404 {"message": "Not Found",
//   "documentation_url": ...}.
// - Test control endpoints (no auth, not logged, not counted, no latency): GET /_fake/runs (every
//   run as a JSON array of GitHub run objects), GET /_fake/requests (the request log as JSON),
//   POST /_fake/complete-in-progress (completes every unfinished run as "success" now; answers
//   {"completed": N}). For re-runs and stale replicas (parameters in the query string; errors
//   are 400 {"message": ...}):
//     POST /_fake/rerun?id=ID[&conclusion=C][&status=S][&at=TIME]  rerun(), or start_rerun()
//          when S is "queued" or "in_progress"; C defaults to "success", TIME (a date or time
//          stamp) to now; answers the new attempt as a GitHub run object
//     POST /_fake/expire-attempts?id=ID   expire_attempts(); answers {"id": ID, "expired_below": N}
//     POST /_fake/replica                 save_replica(); answers {"runs": N}
//     POST /_fake/fault?spec=SPEC         add_fault(parse_fault_spec(SPEC)); answers {"pending": N}
//     GET  /_fake/attempts                every earlier attempt that GET .../attempts/{n} serves,
//                                         as a JSON array of run objects (runs in /_fake/runs
//                                         order, each run's attempts in increasing order)
//
// Thread safety: every member function may be called from any thread, also while serving.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cipette/core/job.h"
#include "cipette/core/result.h"
#include "cipette/core/run.h"
#include "cipette/core/time.h"

namespace cipette::fake_github {

// A host no client should ever send anything to; the default target of injected foreign links
// and redirects.
inline constexpr std::string_view kForeignBaseUrl = "http://evil.example.invalid";

// The primary ("core") rate-limit budget.
struct RateLimit {
  std::int64_t limit = 5000;
  std::int64_t remaining = 5000;
  std::int64_t used = 0;
  Timestamp reset = 0;                 // when the budget refills; 0 = window_seconds from now
  std::int64_t window_seconds = 3600;  // length of every window after a refill (>= 1)
};

enum class FaultKind {
  kHttpError,           // `status` (default 500; 502, 503, 404, ...) with {"message": ...},
                        // and `retry-after: retry_after` when set
  kSecondaryRateLimit,  // `status` (default 403; or 429), GitHub's secondary-limit message,
                        // `retry-after: retry_after` when set, x-ratelimit-remaining not 0
  kDelay,               // waits `delay`, then answers normally (longer than a client's timeout)
  kTruncatedBody,       // declares the full Content-Length, sends half the body, closes
  kHalfJson,            // 200 with the first half of the JSON body (Content-Length matching)
  kInvalidJson,         // 200 with a body that is not JSON
  kWrongShape,          // 200 with valid JSON of the wrong shape
  kForeignLink,         // the normal answer, but Link rel="next" points at `target` + path
  kRedirect,            // `status` (default 302; or 301) with Location: `target` + path + query
  // Hostile but well-formed answers to a 200 (other answers are left alone). Of any listing:
  kSelfLink,     // Link rel="next" is the request's own URL
  kEndlessLink,  // Link rel="next" is the following page, past the last one too
  // Of the runs listing (kTotalCount and kRunField also of the jobs listing):
  kTotalCount,   // `total_count` is `total_count` whatever the listing holds
  kForeignRuns,  // the newest `count` runs of `repository` are added at the end of the page,
                 // under their own repository object or, `disguised`, under the listed
                 // repository's full_name with their own repository's id
  kRunField,     // the page's first run or job (or the run of GET .../runs/{id}) has `field`
                 // set to the JSON value `value` ("\"0000-01-01T00:00:00Z\"")
  // A lagging replica: the runs listing, GET .../runs/{id} and GET .../attempts/{n} answer
  // from the state saved by save_replica() (each run as it was then: a lower run_attempt, still
  // in_progress, or absent), with its own ETag, as a load-balanced API whose replicas lag may.
  // Attempts below the saved run's run_attempt are served as usual (an earlier attempt never
  // changes). Repositories not saved, and any request before save_replica(), answer as usual.
  kStaleReplica,
};

// An injected fault. It fires for the next `times` requests (after the User-Agent, token and
// rate-limit checks) whose path and query contain `path_contains` ("" = every request); faults
// are tried in the order added and at most one fires per request.
struct Fault {
  FaultKind kind = FaultKind::kHttpError;
  int status = 0;  // 0 = the kind's default
  int times = 1;
  std::string path_contains;
  std::optional<std::int64_t> retry_after;  // seconds, for kHttpError and kSecondaryRateLimit
  std::chrono::milliseconds delay{0};
  std::string target = std::string(kForeignBaseUrl);  // kForeignLink, kRedirect
  std::int64_t total_count = 1'000'000'000'000'000;   // kTotalCount
  std::string repository;                             // kForeignRuns: another repository
  int count = 2;                                      // kForeignRuns
  bool disguised = false;                             // kForeignRuns
  std::string field;                                  // kRunField: "created_at"
  std::string value;                                  // kRunField: JSON text
};

// One request as the fake received it.
struct RecordedRequest {
  std::string method;
  std::string target;  // path and query as sent ("/repos/o/r/actions/runs?page=2")
  std::vector<std::pair<std::string, std::string>> headers;  // as sent
  int status = 0;                                            // the status the fake answered

  // The first value of header `name` (case-insensitive), if sent.
  std::optional<std::string> header(std::string_view name) const;
};

// How add_generated_runs makes a history: `count` runs created at spread-out times in
// [end - span_seconds, end), ids and run numbers growing with created_at, on a few workflows
// ("CI", "Lint", "Deploy"), branches and actors, with failure streaks, re-runs, cancelled and
// skipped runs. The newest `in_progress` runs are still "in_progress" (conclusion null,
// updated_at = run_started_at); every other run is "completed" and finished before `end`.
// About `rerun_share` of the completed runs were re-run: 3 in 4 of them have two attempts, 1 in
// 4 three (fewer when the later attempts would not have finished by `end`). Their earlier
// attempts ended "failure" (75%), "cancelled" (15%) or "success" (10%), their last attempt
// "success" (80%) or "failure"; each re-run was requested 1 minute to 6 hours after the
// previous attempt ended, so every attempt starts after the one before it ended. The earlier
// attempts are served by GET .../attempts/{n}. The same options, repository name and add order
// give the same runs.
struct RunGeneration {
  std::int64_t count = 100;
  Timestamp end = 0;  // 0 = now
  std::int64_t span_seconds = 90 * kSecondsPerDay;
  std::int64_t in_progress = 1;
  std::uint64_t seed = 42;
  double rerun_share = 0.08;  // 0..1
};

struct FakeGitHubOptions {
  std::string token = "test-token";
  std::string path_prefix;  // "" as on api.github.com, "/api/v3" as on GitHub Enterprise Server
  RateLimit rate_limit;
  std::chrono::milliseconds latency{0};  // added before answering each API request
  int threads = 32;                      // requests served at once
};

namespace detail {
class ServerState;
class HttpServer;
}  // namespace detail

class FakeGitHub {
 public:
  explicit FakeGitHub(FakeGitHubOptions options = {});
  ~FakeGitHub();  // stops the server
  FakeGitHub(const FakeGitHub&) = delete;
  FakeGitHub& operator=(const FakeGitHub&) = delete;

  // --- Server -----------------------------------------------------------------------------
  // Listens on 127.0.0.1 at an ephemeral port and serves from background threads; returns the
  // port. Fails if the socket cannot be bound or the server is already running.
  Result<int> start();
  // Stops serving, waking requests that are sleeping (latency, kDelay). Idempotent.
  void stop();
  // The port, 0 before start().
  int port() const;
  // "http://127.0.0.1:PORT" + path_prefix: what a client takes as GITHUB_API_URL.
  std::string base_url() const;

  // --- Data -------------------------------------------------------------------------------
  // Functions taking a repository name throw std::invalid_argument when it is malformed or
  // (except add_repository) unknown; those taking a run id throw it when the id is unknown.

  // Adds an empty repository "owner/name" and returns its id (ids grow from 1000001).
  std::int64_t add_repository(std::string_view full_name, bool is_private = false);
  // Adds a generated history to the repository, creating the repository if needed. Returns
  // the runs added, oldest first, as listed (earlier_attempts empty: see runs_with_attempts).
  // Run ids are unique across the server (they grow from 5000000001, beyond 32 bits). Throws
  // std::invalid_argument when count < 0, span_seconds < 1 or rerun_share is not in 0..1.
  std::vector<RunRecord> add_generated_runs(std::string_view full_name,
                                            const RunGeneration& generation);
  // `count` completed runs all created on the UTC day starting at `day` (midnight), spread
  // across it, for window-splitting tests. Creates the repository if needed.
  std::vector<RunRecord> add_runs_on_one_day(std::string_view full_name, std::int64_t count,
                                             Timestamp day, std::uint64_t seed = 7);
  // Adds one run to the repository named by run.repository. Fills id (when 0, the next id, and
  // the run_id of its earlier_attempts that have none), repository_id, html_url (when empty),
  // updated_at (when 0: created_at) and run_number (when 0: one more than the largest of its
  // workflow). Its earlier_attempts that are `found` become the earlier attempts GET
  // .../attempts/{n} serves (the run's fields with the attempt's status, conclusion, run_started_at
  // and updated_at); attempts below run_attempt not given, or given as not found, answer 404.
  // Returns the run as stored and listed (earlier_attempts empty). Throws std::invalid_argument
  // when the id is taken or the run fails validate_run.
  RunRecord add_run(RunRecord run);
  // Applies `change` to run `id` and returns it. When `change` leaves updated_at as it was it
  // becomes one second later. id, repository and repository_id cannot be changed; run_attempt
  // and earlier_attempts neither (rerun() makes a new attempt).
  RunRecord update_run(std::int64_t id, const std::function<void(RunRecord&)>& change);
  // Completes run `id` with `conclusion` at `at`: status "completed", updated_at = at (or one
  // second after the old updated_at, whichever is later).
  RunRecord complete_run(std::int64_t id, std::string_view conclusion, Timestamp at);
  // Completes every run not yet completed as "success" at `at`; returns how many.
  std::int64_t complete_in_progress_runs(Timestamp at);

  // --- Re-runs ----------------------------------------------------------------------------
  // Re-runs the completed run `id` (of any age: the fake does not check GitHub's 30-day and
  // 50-attempt limits), as GitHub does: the latest attempt becomes an earlier attempt (served
  // by GET .../attempts/{n} as it is now), run_attempt grows by one, run_started_at = at,
  // updated_at = max(at, old updated_at + 1), and the new attempt is "completed" with
  // `conclusion`. id, run_number, created_at, head_sha, head_branch and every other field stay.
  // Returns the run (its new attempt). Throws std::invalid_argument when the run is unknown,
  // not completed (GitHub re-runs only finished runs) or `conclusion` is empty.
  RunRecord rerun(std::int64_t id, std::string_view conclusion, Timestamp at);
  // The same, leaving the new attempt `status` ("queued" or "in_progress", conclusion null);
  // complete_run() finishes it later. Throws std::invalid_argument for another status too.
  RunRecord start_rerun(std::int64_t id, Timestamp at, std::string_view status = "in_progress");
  // Makes the run's earlier attempts unavailable, as a deleted run or expired retention does:
  // GET .../attempts/{n} answers 404 for every n below the current run_attempt. Attempts made by
  // later re-runs are served again. Throws std::invalid_argument when the run is unknown.
  void expire_attempts(std::int64_t id);
  // Every attempt of run `id` the fake holds, as GET .../attempts/{n} answers it or would have
  // before expire_attempts: attempt 1 first, the run itself (its latest attempt) last. Throws
  // std::invalid_argument when the run is unknown.
  std::vector<RunRecord> attempts(std::int64_t id) const;
  // Run `id` as a collector that fetched each of its earlier attempts would store it:
  // earlier_attempts holds attempts 1 .. run_attempt - 1, each found (with that attempt's
  // status, conclusion, run_started_at and updated_at) when GET .../attempts/{n} answers it now,
  // else not found (only run_id and attempt set). Throws std::invalid_argument when unknown.
  RunRecord run_with_attempts(std::int64_t id) const;
  // runs(full_name), each as run_with_attempts gives it.
  std::vector<RunRecord> runs_with_attempts(std::string_view full_name) const;

  // --- Jobs -------------------------------------------------------------------------------
  // The jobs GET .../runs/{id}/jobs answers now: every attempt's (`all`) or the latest's, in the
  // order served. Throws std::invalid_argument when the run is unknown.
  std::vector<JobRecord> jobs(std::int64_t id, bool all = true) const;
  // Deletes run `id` (with its attempts and jobs): every endpoint of it answers 404 from now
  // on, and listings leave it out. Throws std::invalid_argument when the run is unknown.
  void delete_run(std::int64_t id);

  // --- Stale replicas ---------------------------------------------------------------------
  // Saves every repository's runs as they are now, as the state a lagging replica serves to
  // requests that a FaultKind::kStaleReplica fault fires for. Replaces what an earlier call
  // saved. Returns how many runs were saved.
  std::int64_t save_replica();

  // The runs of a repository in the order served: newest created first.
  std::vector<RunRecord> runs(std::string_view full_name) const;
  // Every run of every repository, repositories in the order added, each newest first.
  std::vector<RunRecord> all_runs() const;
  std::optional<RunRecord> find_run(std::int64_t id) const;
  // "owner/name" of every repository, in the order added.
  std::vector<std::string> repositories() const;
  // all_runs() as a JSON array of GitHub run objects (what GET /_fake/runs answers), which
  // `cipette import` reads.
  std::string runs_document() const;

  // --- Behaviour --------------------------------------------------------------------------
  void set_token(std::string token);
  void set_latency(std::chrono::milliseconds latency);
  // Replaces the budget (reset 0 = window_seconds from now).
  void set_rate_limit(const RateLimit& rate_limit);
  // The live budget (refilled first if its reset time has passed).
  RateLimit rate_limit() const;
  // Faults fire as Fault says. A stale replica: save_replica() at the moment the replica stops
  // following, change runs (rerun, complete_run, add_run), then add a kStaleReplica fault; the
  // next `times` matching requests see the saved state, the others the current one.
  void add_fault(Fault fault);
  // Firings left over all faults.
  int pending_faults() const;
  void clear_faults();

  // --- Request log ------------------------------------------------------------------------
  // Every request to the API paths (control endpoints excepted), in arrival order. An entry is
  // recorded before its response is sent.
  std::vector<RecordedRequest> requests() const;
  void clear_requests();
  // Requests that counted against the rate limit so far.
  std::int64_t counted_requests() const;

 private:
  std::shared_ptr<detail::ServerState> state_;
  std::unique_ptr<detail::HttpServer> server_;
};

}  // namespace cipette::fake_github
