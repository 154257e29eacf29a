// The incremental sync of one repository.
//
// GitHub lists a repository's runs newest created first, 100 a page, and a listing filtered
// by `created` returns at most 1,000 of them. The state saved with the runs (SyncState) says
// what has been read:
//
// - The head pass lists the open window "created >= head_from", with If-None-Match when the
//   ETag saved belongs to that very URL. A 304 means its first page is unchanged: no run was
//   created since, and the unfinished runs listed on that page are still unfinished. When the
//   window holds fewer runs than the cap (less a page), it is read whole; the cursor becomes the
//   newest created_at seen, and head_from moves up to cursor - overlap once the window no longer
//   fits on one page (then one more pass fetches that window's ETag, so that the next sync of an
//   unchanged repository costs one request, answered 304).
// - When the window holds more than the cap (a first sync, or a long pause), its runs up to
//   now ("top") are a backlog, read in closed windows from the newest down. Each window's size
//   is estimated from the density of the runs seen so far, and shrunk while its listing says
//   it holds more than the cap. The done part [gap_from, gap_top] is saved after each window,
//   so a restart resumes below it. When the backlog is read, the cursor is top.
// - Runs seen unfinished are kept as pending; those not seen in this sync's listings (nor
//   shown unchanged by a 304) are fetched by id, with their own ETag, until they complete.
//   The open window reaches back to unfinished runs up to a day older than it would, so that
//   usually the listing alone shows them finish.
//
// - Re-runs (docs/metrics.md, "Re-runs and flakiness"): GitHub lists runs by creation only, so a
//   run re-run days after it was read is seen only by listing its day again. Once everything
//   before the last `rescan_days` days has been read (the cursor is past their start), a sync
//   lists those days instead of the open window: one closed `created` window per UTC day (cut
//   into hours, minutes, seconds when a day holds more runs than one listing returns), every
//   page with the ETag it had, so that an unchanged day costs a 304, which GitHub does not
//   count. Window bounds are fixed days, so their URLs, and ETags, stay valid from one sync to
//   the next. A daily sync of a quiet repository then costs two counted requests: today's
//   window and yesterday's, both new since the last sync.
// - Then the earlier attempts of re-run runs that the store lacks are fetched one by one
//   (GET .../runs/{id}/attempts/{n}); a 404 is stored as an unknown attempt, never asked again.
//   The store says what is missing, so a killed sync resumes with what is left.
// - Last, when jobs are collected, the job phase (job_sync.h) fetches the jobs of the runs the
//   store's backlog names, from what the rate budget has above its reserve.
//
// Every page is committed with the state as it stands after that page; the cursor, the gap
// and the ETag advance only with the last page of their window. Reading a page twice after a
// crash is harmless: runs are upserted by id and a version never replaces a newer one.
//
// Against a broken or hostile API: a window's pages are followed only while their links lead
// to pages not yet read and within what the listing's total_count (and GitHub's cap) allows; a
// one-second window still over the cap fails the sync; runs of other repositories are dropped
// (belongs_here).
#include "cipette/collector/repository_sync.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_set>

#include "cipette/collector/windows.h"
#include "cipette/core/text.h"
#include "cipette/github/listing_pages.h"
#include "cipette/github/run_json.h"

namespace cipette::collector {
namespace {

using github::ApiResponse;
using github::RunsPage;

class RepositorySync {
 public:
  RepositorySync(github::Client& client, RunStore& store, const std::string& repository,
                 const SyncOptions& options, ProgressSink& progress)
      : client_(client),
        store_(store),
        repository_(repository),
        options_(options),
        progress_(progress) {
    report_.repository = repository;
  }

  RepositoryReport run();

 private:
  // A listed window: its first page, and the lower end it was listed with.
  struct Listing {
    ApiResponse page;
    RunsPage runs;
    Timestamp from = 0;
  };

  Status sync();
  Status load_state();
  Result<bool> head_pass();
  Status start_backlog(Timestamp lo, const RunsPage& first);
  Result<bool> read_head_window(Timestamp lo, const std::string& url, ApiResponse page,
                                RunsPage runs);
  Status read_backlog(Timestamp lo, Timestamp top, Timestamp anchor, Density density,
                      std::optional<std::int64_t> left);
  Result<Listing> list_window(Timestamp from, Timestamp to);
  Status read_window(ApiResponse page, RunsPage runs, bool head,
                     const std::function<void()>& on_last_page);
  Status close_backlog(Timestamp top);
  Timestamp next_head_from(Timestamp lo, Timestamp newest) const;
  Status refresh_pending();
  Status refresh_run(const PendingRun& pending);
  Timestamp rescan_start() const;
  Status rescan();
  Status rescan_window(Timestamp from, Timestamp to, std::size_t level);
  Result<ApiResponse> fetch_rescan_page(const std::string& path);
  Status fetch_attempts();
  Result<AttemptRecord> attempt_of(const AttemptKey& key, const ApiResponse& page);

  Result<ApiResponse> fetch(const std::string& target, std::string_view etag = {},
                            bool not_found_ok = false);
  Result<RunsPage> parse(const ApiResponse& page);
  void drop_foreign_runs(std::vector<RunRecord>& runs, const std::string& url);
  bool belongs_here(const RunRecord& run);
  Status commit(std::span<const RunRecord> runs);
  void note_runs(std::span<const RunRecord> runs, bool on_head_page);
  PendingRun* find_pending(std::int64_t id);
  void show(std::string activity);
  void publish();
  Timestamp now() const { return options_.now ? options_.now() : now_utc(); }

  github::Client& client_;
  RunStore& store_;
  const std::string& repository_;
  const SyncOptions& options_;
  ProgressSink& progress_;
  SyncState state_;
  RepositoryReport report_;
  std::unordered_set<std::int64_t> seen_;      // runs listed or fetched in this sync
  std::unordered_set<std::int64_t> verified_;  // pending runs a 304 showed unchanged
  std::optional<Timestamp> newest_seen_;
  std::optional<std::int64_t> repository_id_;  // GitHub's, from the first run accepted
  // The rescan: the ETags saved by the last sync, by page URL, and the URLs requested now.
  std::unordered_map<std::string, std::string> saved_etags_;
  std::unordered_set<std::string> rescanned_;
  bool resumed_backlog_ = false;  // the backlog's newest window was read by an earlier sync
  std::string activity_;
  std::optional<std::int64_t> jobs_wanted_;  // in the job phase: runs still lacking jobs
  // The runs read in the current window, for the density of the next one.
  std::int64_t window_runs_ = 0;
  Timestamp window_oldest_ = 0;
  Timestamp window_newest_ = 0;
};

RepositoryReport RepositorySync::run() {
  github::ClientStats before = client_.stats();
  Status status = sync();
  report_.requests = client_.stats().requests - before.requests;
  report_.not_modified = client_.stats().not_modified - before.not_modified;
  report_.done = status.has_value();
  if (!status) report_.error = status.error().message;
  return report_;
}

Status RepositorySync::sync() {
  if (auto loaded = load_state(); !loaded) return loaded;
  if (state_.gap_top && state_.gap_from) {
    show("resuming the backlog");
    resumed_backlog_ = true;
    Timestamp top = *state_.gap_top;
    Timestamp below = *state_.gap_from - 1;
    if (auto read = read_backlog(state_.head_from, top, below, {}, {}); !read) return read;
  }
  bool rescanning = options_.rescan_days > 0 && state_.cursor && *state_.cursor >= rescan_start();
  if (rescanning) {
    if (auto read = rescan(); !read) return read;
  } else {
    for (int pass = 0; pass < options_.max_head_passes; ++pass) {
      auto again = head_pass();
      if (!again) return again.error();
      if (!*again) break;
    }
  }
  if (auto refreshed = refresh_pending(); !refreshed) return refreshed;
  if (auto attempts = fetch_attempts(); !attempts) return attempts;
  // Jobs last, so that they never starve the run listing, and only from what the budget has
  // above its reserve (job_sync.h).
  if (!options_.jobs.enabled) return {};
  return sync_jobs(client_, store_, repository_, options_.jobs, progress_, report_,
                   [this](std::string activity, std::optional<std::int64_t> left) {
                     jobs_wanted_ = left;
                     show(std::move(activity));
                   });
}

Status RepositorySync::load_state() {
  auto loaded = store_.load_sync_state(repository_);
  if (!loaded) return loaded.error();
  std::optional<SyncState>& saved = *loaded;
  if (saved && (!options_.since || *options_.since >= saved->floor)) {
    state_ = std::move(*saved);
    return {};
  }
  // The first sync, or --since reaches further back than what was read: read from there.
  state_.floor = options_.since.value_or(kHistoryStart);
  state_.head_from = state_.floor;
  if (saved) {
    state_.pending = std::move(saved->pending);
    progress_.note(repository_, "--since reaches before the runs read so far: reading from " +
                                    format_date(state_.floor));
  }
  return {};
}

// Lists the open window; true when another pass should follow (see the top of this file).
Result<bool> RepositorySync::head_pass() {
  const Timestamp lo = state_.head_from;
  std::string path =
      github::list_runs_path(repository_, created_filter(lo, std::nullopt), options_.per_page);
  std::string url = client_.url(path);
  show("listing runs created since " + format_timestamp(lo));
  auto page = fetch(path, state_.etag_url == url ? state_.etag : "");
  if (!page) return page.error();
  if (page->status == 304) {
    for (const PendingRun& run : state_.pending) {
      if (run.on_head_page) verified_.insert(run.id);
    }
    return false;
  }
  auto runs = parse(*page);
  if (!runs) return runs.error();
  // A page's margin under the cap: runs created while the open window is being paged push
  // older ones down, and none may fall beyond the cap.
  if (runs->total_count >= options_.result_cap - options_.per_page) {
    if (auto read = start_backlog(lo, *runs); !read) return read.error();
    return true;
  }
  return read_head_window(lo, url, std::move(*page), std::move(*runs));
}

// The open window holds more runs than one listing returns: read those up to now as a
// backlog, guided by the density of the first page.
Status RepositorySync::start_backlog(Timestamp lo, const RunsPage& first) {
  Timestamp top = std::max(now(), lo);
  progress_.note(repository_, fmt::format("{} runs created since {}: reading them in windows",
                                          first.total_count, format_date(lo)));
  state_.gap_top = top;
  state_.gap_from = top + 1;
  Timestamp anchor = std::min(newest_created(first.runs).value_or(top), top);
  return read_backlog(lo, top, anchor, density_of(first.runs), first.total_count);
}

// Reads the open window whole. Its last page moves the cursor to the newest run seen, and
// either keeps the window (saving the ETag of its first page) or moves it up to the cursor
// less the overlap; true when it moved.
Result<bool> RepositorySync::read_head_window(Timestamp lo, const std::string& url,
                                              ApiResponse page, RunsPage runs) {
  for (PendingRun& run : state_.pending) run.on_head_page = false;
  bool fits_one_page = runs.total_count <= options_.per_page;
  bool moved = false;
  auto finish = [&, etag = page.etag] {
    if (newest_seen_)
      state_.cursor = std::max(state_.cursor.value_or(*newest_seen_), *newest_seen_);
    Timestamp next_from = lo;
    if (!fits_one_page && state_.cursor) {
      next_from = next_head_from(lo, *state_.cursor);
    }
    moved = next_from != lo;
    state_.head_from = next_from;
    state_.etag = moved ? "" : etag;
    state_.etag_url = moved ? "" : url;
  };
  if (auto read = read_window(std::move(page), std::move(runs), true, finish); !read) {
    return read.error();
  }
  return moved;
}

// Reads every run created in [lo, top] below what the saved gap says is done, newest window
// first. `anchor`, `density` and `left` (runs expected) guide the first window's size.
Status RepositorySync::read_backlog(Timestamp lo, Timestamp top, Timestamp anchor, Density density,
                                    std::optional<std::int64_t> left) {
  Timestamp hi = std::min(top, state_.gap_from.value_or(top + 1) - 1);
  anchor = std::min(anchor, hi);
  while (hi >= lo) {
    bool rest_fits = left && *left < options_.result_cap;
    Timestamp from = rest_fits ? lo : window_start(lo, anchor, density, options_.window_target);
    auto listing = list_window(from, hi);
    if (!listing) return listing.error();
    from = listing->from;
    if (left) *left -= listing->runs.total_count;
    window_runs_ = 0;
    auto read = read_window(std::move(listing->page), std::move(listing->runs), false,
                            [&] { state_.gap_from = from; });
    if (!read) return read;
    // Fewer than two runs say nothing of the density: the next window tries the whole rest.
    density =
        window_runs_ >= 2 ? Density{window_runs_, window_newest_ - window_oldest_ + 1} : Density{};
    hi = from - 1;
    anchor = hi;
  }
  return close_backlog(top);
}

// Lists [from, to], shrinking the window from below while it holds more than the cap.
Result<RepositorySync::Listing> RepositorySync::list_window(Timestamp from, Timestamp to) {
  for (bool failed_once = false;; failed_once = true) {
    std::string created = created_filter(from, to);
    show("listing runs created " + created);
    auto page = fetch(github::list_runs_path(repository_, created, options_.per_page));
    if (!page) return page.error();
    auto runs = parse(*page);
    if (!runs) return runs.error();
    if (runs->total_count < options_.result_cap) {
      return Listing{std::move(*page), std::move(*runs), from};
    }
    if (from >= to) {
      // A window cannot be split below one second: a listing that still reports more than
      // GitHub returns would lose runs, or is lying (a total_count of 10^15).
      return fail(fmt::format(
          "the window {} (one second) reports {} runs, more than the {} GitHub lists of a "
          "window: cannot split it further",
          created_filter(from, to), runs->total_count, options_.result_cap));
    }
    from =
        shrink_window(from, to, runs->total_count, runs->runs, options_.window_target, failed_once);
  }
}

Status RepositorySync::close_backlog(Timestamp top) {
  state_.cursor = std::max(state_.cursor.value_or(top), top);
  state_.gap_top.reset();
  state_.gap_from.reset();
  // From the newest run rather than `top`, so that the runs still unfinished, usually the
  // newest, stay in the listing; but a resumed backlog has not seen the newest run.
  Timestamp newest = resumed_backlog_ ? top : std::min(newest_seen_.value_or(top), top);
  state_.head_from = next_head_from(state_.head_from, newest);
  state_.etag.clear();
  state_.etag_url.clear();
  return commit({});
}

// The lower end of the next open window: `newest` less the overlap, or earlier to take in an
// unfinished run created up to pending_lookback before that; never below `lo`.
Timestamp RepositorySync::next_head_from(Timestamp lo, Timestamp newest) const {
  Timestamp from = newest - options_.overlap.count();
  Timestamp limit = from - options_.pending_lookback.count();
  for (const PendingRun& run : state_.pending) {
    if (run.created_at < from && run.created_at >= limit) from = run.created_at;
  }
  return std::max(lo, from);
}

// Reads a window page by page from its first page, committing each with the state; the last
// page is committed after `on_last_page` has advanced the state.
Status RepositorySync::read_window(ApiResponse page, RunsPage runs, bool head,
                                   const std::function<void()>& on_last_page) {
  github::ListingPages pages(options_.per_page, options_.result_cap);
  for (bool first = true;; first = false) {
    pages.add(page.url, runs.total_count);
    note_runs(runs.runs, head && first);
    bool last = page.next_url.empty();
    if (last) on_last_page();
    if (auto committed = commit(runs.runs); !committed) return committed;
    if (last) return {};
    if (auto follow = pages.follow(page.next_url); !follow) {
      return fail(fmt::format("GET {}: {}", page.url, follow.error().message));
    }
    auto next = fetch(page.next_url);
    if (!next) return next.error();
    auto next_runs = parse(*next);
    if (!next_runs) return next_runs.error();
    page = std::move(*next);
    runs = std::move(*next_runs);
  }
}

// The first second the rescan lists: the start of the UTC day rescan_days before today, or the
// floor when that is later.
Timestamp RepositorySync::rescan_start() const {
  Timestamp today = now() - now() % kSecondsPerDay;
  return std::max(state_.floor, today - Timestamp{options_.rescan_days} * kSecondsPerDay);
}

// Lists every day from rescan_start() to today again, newest first (see the top of this file).
Status RepositorySync::rescan() {
  for (const RescanPage& page : state_.rescan) saved_etags_[page.url] = page.etag;
  const Timestamp lo = rescan_start();
  const Timestamp today = now() - now() % kSecondsPerDay;
  for (Timestamp day = today; day + kSecondsPerDay > lo; day -= kSecondsPerDay) {
    Timestamp from = std::max(day, lo);
    if (auto read = rescan_window(from, day + kSecondsPerDay - 1, 0); !read) return read;
  }
  // The days that left the range, and pages that no longer exist, are forgotten.
  std::erase_if(state_.rescan,
                [this](const RescanPage& page) { return !rescanned_.contains(page.url); });
  if (newest_seen_) state_.cursor = std::max(state_.cursor.value_or(*newest_seen_), *newest_seen_);
  // Should the rescan be turned off, the open window starts near the cursor again.
  Timestamp head_from = next_head_from(state_.head_from, *state_.cursor);
  if (head_from != state_.head_from) {
    state_.head_from = head_from;
    state_.etag.clear();
    state_.etag_url.clear();
  }
  return commit({});
}

// Lists the window [from, to] page by page, each with its saved ETag; a window that holds more
// runs than one listing returns is cut into the parts of the next level (hours, minutes,
// seconds), aligned so that their URLs stay the same from one sync to the next.
Status RepositorySync::rescan_window(Timestamp from, Timestamp to, std::size_t level) {
  static constexpr Timestamp kPartSeconds[] = {kSecondsPerDay, 3600, 60, 1};
  const bool can_split = level + 1 < std::size(kPartSeconds);
  // The parts of the next level, newest first.
  std::vector<std::pair<Timestamp, Timestamp>> parts;
  if (can_split) {
    const Timestamp part = kPartSeconds[level + 1];
    for (Timestamp start = to - to % part;; start -= part) {
      parts.emplace_back(std::max(from, start), std::min(to, start + part - 1));
      if (start <= from) break;
    }
  }
  auto split = [&]() -> Status {
    for (auto [bottom, top] : parts) {
      if (auto read = rescan_window(bottom, top, level + 1); !read) return read;
    }
    return {};
  };
  auto listing = [&](Timestamp bottom, Timestamp top) {
    return github::list_runs_path(repository_, created_filter(bottom, top), options_.per_page);
  };
  const std::string base = listing(from, to);
  // Cut last time (its newest part's first page has an ETag, its own has none): cut again
  // without asking for the whole window.
  if (can_split && !saved_etags_.contains(client_.url(base)) &&
      saved_etags_.contains(client_.url(listing(parts.front().first, parts.front().second)))) {
    return split();
  }
  show("checking runs created " + created_filter(from, to) + " for re-runs");
  const std::int64_t max_pages = options_.result_cap / options_.per_page;
  std::int64_t pages = 1;  // known to exist
  for (std::int64_t k = 1; k <= pages && k <= max_pages; ++k) {
    std::string path = k == 1 ? base : fmt::format("{}&page={}", base, k);
    auto page = fetch_rescan_page(path);
    if (!page) return page.error();
    const std::string& url = page->url;
    if (page->status == 304) {
      // Unchanged: so is its run count, and the pages seen after it last time exist still.
      if (saved_etags_.contains(client_.url(fmt::format("{}&page={}", base, k + 1)))) {
        pages = k + 1;
      }
      continue;
    }
    auto runs = parse(*page);
    if (!runs) return runs.error();
    if (runs->total_count >= options_.result_cap - options_.per_page) {
      if (!can_split) {
        return fail(fmt::format(
            "the window {} (one second) reports {} runs, more than the {} GitHub lists of a "
            "window: cannot split it further",
            created_filter(from, to), runs->total_count, options_.result_cap));
      }
      return split();
    }
    pages =
        std::max<std::int64_t>(1, (runs->total_count + options_.per_page - 1) / options_.per_page);
    note_runs(runs->runs, false);
    std::erase_if(state_.rescan, [&](const RescanPage& saved) { return saved.url == url; });
    if (!page->etag.empty()) state_.rescan.push_back(RescanPage{url, page->etag});
    if (auto committed = commit(runs->runs); !committed) return committed;
  }
  // Every page of the window was read or shown unchanged: its unfinished runs not listed are
  // unchanged too.
  for (const PendingRun& run : state_.pending) {
    if (run.created_at >= from && run.created_at <= to) verified_.insert(run.id);
  }
  return {};
}

Result<ApiResponse> RepositorySync::fetch_rescan_page(const std::string& path) {
  std::string url = client_.url(path);
  rescanned_.insert(url);
  auto saved = saved_etags_.find(url);
  return fetch(path, saved == saved_etags_.end() ? std::string_view{} : saved->second);
}

// Fetches the earlier attempts of re-run runs that the store lacks, newest runs first, at most
// max_attempt_fetches in one sync; each is stored at once, so a killed sync loses none.
Status RepositorySync::fetch_attempts() {
  std::size_t fetched = 0;
  while (fetched < options_.max_attempt_fetches) {
    std::size_t batch = std::min<std::size_t>(100, options_.max_attempt_fetches - fetched);
    auto missing = store_.missing_attempts(repository_, batch);
    if (!missing) return missing.error();
    if (missing->empty()) return {};
    for (const AttemptKey& key : *missing) {
      show(fmt::format("fetching attempt {} of run {}", key.attempt, key.run_id));
      auto page = fetch(github::attempt_path(repository_, key.run_id, key.attempt), {}, true);
      if (!page) return page.error();
      auto attempt = attempt_of(key, *page);
      if (!attempt) return attempt.error();
      auto stored = store_.upsert_attempts({&*attempt, 1});
      if (!stored) return stored.error();
      ++report_.attempts;
      ++fetched;
      publish();
    }
  }
  progress_.note(
      repository_,
      fmt::format("fetched {} earlier attempts; the rest wait for the next sync", fetched));
  return {};
}

// The attempt GitHub answered for `key`: unknown on a 404, or on an answer about another run or
// attempt (a consistent wrong answer would otherwise stop every later sync here).
Result<AttemptRecord> RepositorySync::attempt_of(const AttemptKey& key, const ApiResponse& page) {
  AttemptRecord attempt;
  attempt.run_id = key.run_id;
  attempt.attempt = key.attempt;
  if (page.status == 404) {
    attempt.found = false;
    return attempt;
  }
  auto runs = github::parse_runs_document(page.body, page.url);
  if (!runs) return runs.error();
  drop_foreign_runs(*runs, page.url);
  if (runs->size() != 1 || runs->front().id != key.run_id ||
      runs->front().run_attempt != key.attempt) {
    progress_.note(repository_, fmt::format("{}: not attempt {} of run {}; recorded as unknown",
                                            page.url, key.attempt, key.run_id));
    attempt.found = false;
    return attempt;
  }
  const RunRecord& run = runs->front();
  attempt.status = run.status;
  attempt.conclusion = run.conclusion;
  attempt.run_started_at = run.run_started_at;
  attempt.updated_at = run.updated_at;
  return attempt;
}

Status RepositorySync::refresh_pending() {
  std::vector<PendingRun> stale;
  for (const PendingRun& run : state_.pending) {
    if (!seen_.count(run.id) && !verified_.count(run.id)) stale.push_back(run);
  }
  for (const PendingRun& run : stale) {
    if (auto refreshed = refresh_run(run); !refreshed) return refreshed;
  }
  return {};
}

Status RepositorySync::refresh_run(const PendingRun& pending) {
  show(fmt::format("checking unfinished run {}", pending.id));
  auto page = fetch(github::run_path(repository_, pending.id), pending.etag, true);
  if (!page) return page.error();
  if (page->status == 304) return {};
  if (page->status == 404) {
    progress_.note(repository_, fmt::format("run {} no longer exists", pending.id));
    std::erase_if(state_.pending, [&](const PendingRun& run) { return run.id == pending.id; });
    return commit({});
  }
  auto runs = github::parse_runs_document(page->body, page->url);
  if (!runs) return runs.error();
  drop_foreign_runs(*runs, page->url);
  if (runs->empty()) return {};  // another repository's run: reported; still pending
  if (runs->size() != 1 || runs->front().id != pending.id) {
    return fail(fmt::format("{}: expected run {}", page->url, pending.id));
  }
  note_runs(*runs, false);
  if (PendingRun* still = find_pending(pending.id)) still->etag = page->etag;
  return commit(*runs);
}

Result<ApiResponse> RepositorySync::fetch(const std::string& target, std::string_view etag,
                                          bool not_found_ok) {
  auto page = client_.get(target, etag, not_found_ok);
  if (page && page->status != 304) ++report_.pages;
  return page;
}

Result<RunsPage> RepositorySync::parse(const ApiResponse& page) {
  auto runs = github::parse_runs_page(page.body, page.url);
  if (runs) drop_foreign_runs(runs->runs, page.url);
  return runs;
}

// Drops the runs of other repositories from `runs` (see belongs_here), counting them and
// noting where they came from.
void RepositorySync::drop_foreign_runs(std::vector<RunRecord>& runs, const std::string& url) {
  std::vector<std::string> others;  // the first three, for the note
  bool more = false;
  std::erase_if(runs, [&](const RunRecord& run) {
    if (belongs_here(run)) return false;
    std::string other = equal_ignoring_case(run.repository, repository_)
                            ? fmt::format("{} with id {}", run.repository, run.repository_id)
                            : run.repository;
    bool named = std::find(others.begin(), others.end(), other) != others.end();
    if (!named && others.size() < 3) {
      others.push_back(std::move(other));
    } else if (!named) {
      more = true;
    }
    ++report_.foreign_runs;
    return true;
  });
  if (others.empty()) return;
  progress_.note(repository_, fmt::format("ignored runs of other repositories ({}{}) listed at {}",
                                          fmt::join(others, ", "), more ? ", ..." : "", url));
}

// The one rule for which runs the sync of this repository may write: a listing that holds
// runs of another repository (a confused proxy or cache, a hostile server) must not write into
// that repository's history. The name must match, ignoring case as GitHub does; so must the
// repository id once known. The collector learns it from the first run it accepts (it never
// asks GitHub for the repository itself), so a run naming this repository under another's id,
// which the store would file under that other repository, is refused too.
bool RepositorySync::belongs_here(const RunRecord& run) {
  if (!equal_ignoring_case(run.repository, repository_)) return false;
  if (run.repository_id <= 0) return true;  // no id given: the name decides
  if (!repository_id_) repository_id_ = run.repository_id;
  return run.repository_id == *repository_id_;
}

Status RepositorySync::commit(std::span<const RunRecord> runs) {
  auto stats = store_.commit_sync(repository_, runs, state_);
  if (!stats) return stats.error();
  report_.inserted += stats->inserted;
  report_.updated += stats->updated;
  report_.reruns += stats->reruns;
  publish();
  return {};
}

void RepositorySync::note_runs(std::span<const RunRecord> runs, bool on_head_page) {
  for (const RunRecord& run : runs) {
    seen_.insert(run.id);
    ++report_.runs_read;
    newest_seen_ = std::max(newest_seen_.value_or(run.created_at), run.created_at);
    window_oldest_ = window_runs_ == 0 ? run.created_at : std::min(window_oldest_, run.created_at);
    window_newest_ = window_runs_ == 0 ? run.created_at : std::max(window_newest_, run.created_at);
    ++window_runs_;
    PendingRun* pending = find_pending(run.id);
    if (run.completed()) {
      if (pending)
        std::erase_if(state_.pending, [&](const PendingRun& p) { return p.id == run.id; });
    } else if (pending) {
      pending->on_head_page = pending->on_head_page || on_head_page;
    } else {
      state_.pending.push_back(PendingRun{run.id, run.created_at, "", on_head_page});
    }
  }
}

PendingRun* RepositorySync::find_pending(std::int64_t id) {
  auto it = std::find_if(state_.pending.begin(), state_.pending.end(),
                         [id](const PendingRun& run) { return run.id == id; });
  return it == state_.pending.end() ? nullptr : &*it;
}

void RepositorySync::show(std::string activity) {
  activity_ = std::move(activity);
  publish();
}

void RepositorySync::publish() {
  SyncStatus status;
  status.repository = repository_;
  status.activity = activity_;
  status.pages = report_.pages;
  status.runs_read = report_.runs_read;
  status.jobs_wanted = jobs_wanted_;
  status.rate = client_.stats().rate;
  if (jobs_wanted_ && status.rate.known) {
    status.jobs_eta = job_backlog_eta(*jobs_wanted_, 1.0, status.rate,
                                      jobs_reserve(options_.jobs, status.rate.limit), now());
  }
  progress_.update(status);
}

}  // namespace

RepositoryReport sync_repository(github::Client& client, RunStore& store,
                                 const std::string& repository, const SyncOptions& options,
                                 ProgressSink& progress) {
  return RepositorySync(client, store, repository, options, progress).run();
}

}  // namespace cipette::collector
