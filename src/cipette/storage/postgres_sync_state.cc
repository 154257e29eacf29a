#include "cipette/storage/postgres_sync_state.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>

#include "cipette/core/time.h"

namespace cipette::storage {
namespace {

// The state, its unfinished runs (kind 0, by run id) and its rescan pages (kind 1, by
// position) in one statement, so that they come from one snapshot.
constexpr std::string_view kLoadState = R"sql(
SELECT s.cursor, s.etag, s.floor, s.gap_top, s.gap_from, s.head_from, s.etag_url,
  x.kind, x.n, x.created_at, x.etag, x.on_head_page, x.url
FROM sync_state s LEFT JOIN (
  SELECT 0 AS kind, p.run_id AS n, p.created_at, p.etag, p.on_head_page, NULL::text AS url
  FROM sync_pending p WHERE lower(p.repository) = lower($1)
  UNION ALL
  SELECT 1, r.position, NULL, r.etag, NULL, r.url
  FROM sync_rescan r WHERE lower(r.repository) = lower($1)
) x ON true
WHERE lower(s.repository) = lower($1) ORDER BY x.kind, x.n)sql";

constexpr std::string_view kSaveState = R"sql(
INSERT INTO sync_state (repository, cursor, etag, updated_at, floor, gap_top, gap_from,
  head_from, etag_url)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT ((lower(repository))) DO UPDATE SET cursor = excluded.cursor,
  etag = excluded.etag, updated_at = excluded.updated_at, floor = excluded.floor,
  gap_top = excluded.gap_top, gap_from = excluded.gap_from, head_from = excluded.head_from,
  etag_url = excluded.etag_url)sql";

constexpr std::string_view kSaveRescan = R"sql(
INSERT INTO sync_rescan (repository, position, url, etag)
SELECT $1, p.position - 1, p.url, p.etag
FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS p (url, etag, position))sql";

// The repository's runs that lack an earlier attempt (each lacks one at least, so `limit` runs
// are enough), newest first, and their missing attempt numbers: the first `limit` gaps of a run
// lie at or below its stored count + `limit`, which bounds the series.
constexpr std::string_view kMissingAttempts = R"sql(
WITH reruns AS (
  SELECT r.id, r.created_at, r.run_attempt,
    (SELECT count(*) FROM attempts a WHERE a.run_id = r.id AND a.attempt < r.run_attempt)
      AS stored
  FROM runs r
  WHERE r.repository_id IN (SELECT id FROM repositories WHERE lower(full_name) = lower($1))
    AND r.run_attempt > 1
), incomplete AS (
  SELECT * FROM reruns WHERE stored < run_attempt - 1
  ORDER BY created_at DESC, id DESC LIMIT $2
)
SELECT i.id, n.attempt FROM incomplete i
CROSS JOIN LATERAL generate_series(1, least(i.run_attempt - 1,
  i.stored + least($2::bigint, i.run_attempt))) AS n (attempt)
WHERE NOT EXISTS (SELECT 1 FROM attempts a WHERE a.run_id = i.id AND a.attempt = n.attempt)
ORDER BY i.created_at DESC, i.id DESC, n.attempt LIMIT $2)sql";

constexpr std::string_view kSavePending = R"sql(
INSERT INTO sync_pending (repository, run_id, created_at, etag, on_head_page)
SELECT $1, p.run_id, p.created_at, p.etag, p.on_head_page
FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::integer[])
  AS p (run_id, created_at, etag, on_head_page))sql";

// The database's clock is floor(extract(epoch FROM clock_timestamp()))::bigint: whole
// seconds, truncated as SQLite's and time.h's.

// Takes the lease unless another holder's claim is still running; released_at is kept (it
// tells when the repository was last synced to the end). Returns a row only when taken.
constexpr std::string_view kClaimLease = R"sql(
INSERT INTO sync_leases AS l (repository, holder, expires_at, released_at)
SELECT $1, $2, clock.now + $3::bigint, 0
FROM (SELECT floor(extract(epoch FROM clock_timestamp()))::bigint AS now) AS clock
ON CONFLICT ((lower(repository))) DO UPDATE SET holder = excluded.holder,
  expires_at = excluded.expires_at
WHERE l.holder = '' OR l.holder = excluded.holder
  OR l.expires_at <= excluded.expires_at - $3::bigint
RETURNING l.holder, l.expires_at, l.released_at, l.expires_at - $3::bigint)sql";

constexpr std::string_view kReadLease = R"sql(
SELECT holder, expires_at, released_at, floor(extract(epoch FROM clock_timestamp()))::bigint
FROM sync_leases WHERE lower(repository) = lower($1))sql";

constexpr std::string_view kReleaseLease = R"sql(
UPDATE sync_leases SET holder = '', expires_at = clock.now, released_at = clock.now
FROM (SELECT floor(extract(epoch FROM clock_timestamp()))::bigint AS now) AS clock
WHERE lower(repository) = lower($1) AND holder = $2)sql";

// A lease read back after a failed claim can have been released or have lapsed in between;
// the claim is then tried again, this many times in all.
constexpr int kClaimAttempts = 3;

Status read_state_row(const PGresult* rows, SyncState& state, std::string_view doing) {
  if (!pg_is_null(rows, 0, 0)) {
    auto cursor = parse_timestamp(pg_text(rows, 0, 0));
    if (!cursor) return fail(doing, ": cursor: ", cursor.error().message);
    state.cursor = *cursor;
  }
  state.etag = pg_text(rows, 0, 1);
  state.floor = pg_int(rows, 0, 2);
  state.gap_top = pg_optional_int(rows, 0, 3);
  state.gap_from = pg_optional_int(rows, 0, 4);
  state.head_from = pg_int(rows, 0, 5);
  state.etag_url = pg_text(rows, 0, 6);
  for (int row = 0; row < PQntuples(rows); ++row) {
    if (pg_is_null(rows, row, 7)) continue;  // neither unfinished runs nor pages: the empty row
    if (pg_int(rows, row, 7) == 1) {
      state.rescan.push_back(
          RescanPage{std::string(pg_text(rows, row, 12)), std::string(pg_text(rows, row, 10))});
      continue;
    }
    PendingRun run;
    run.id = pg_int(rows, row, 8);
    run.created_at = pg_int(rows, row, 9);
    run.etag = pg_text(rows, row, 10);
    run.on_head_page = pg_int(rows, row, 11) != 0;
    state.pending.push_back(std::move(run));
  }
  return {};
}

Status save_rescan(PgConnection& connection, std::string_view repository, const SyncState& state) {
  std::string doing =
      fmt::format("writing the rescan pages of {} to {}", repository, connection.describe());
  auto cleared = connection.exec("DELETE FROM sync_rescan WHERE lower(repository) = lower($1)",
                                 PgParams().add(repository), doing);
  if (!cleared) return cleared.error();
  if (state.rescan.empty()) return {};
  std::vector<std::string_view> urls, etags;
  for (const RescanPage& page : state.rescan) {
    urls.push_back(page.url);
    etags.push_back(page.etag);
  }
  auto written = connection.exec(
      kSaveRescan,
      PgParams().add(repository).add(pg_text_array(urls, false)).add(pg_text_array(etags, true)),
      doing);
  if (!written) return written.error();
  return {};
}

Status save_pending(PgConnection& connection, std::string_view repository, const SyncState& state) {
  std::string doing =
      fmt::format("writing the unfinished runs of {} to {}", repository, connection.describe());
  auto cleared = connection.exec("DELETE FROM sync_pending WHERE lower(repository) = lower($1)",
                                 PgParams().add(repository), doing);
  if (!cleared) return cleared.error();
  if (state.pending.empty()) return {};
  std::map<std::int64_t, const PendingRun*> by_id;  // a run listed twice: the last one wins
  for (const PendingRun& run : state.pending) by_id[run.id] = &run;
  std::vector<std::int64_t> ids, created, on_head_page;
  std::vector<std::string_view> etags;
  for (const auto& [id, run] : by_id) {
    ids.push_back(id);
    created.push_back(run->created_at);
    etags.push_back(run->etag);
    on_head_page.push_back(run->on_head_page ? 1 : 0);
  }
  auto written = connection.exec(kSavePending,
                                 PgParams()
                                     .add(repository)
                                     .add(pg_int_array(ids))
                                     .add(pg_int_array(created))
                                     .add(pg_text_array(etags, true))
                                     .add(pg_int_array(on_head_page)),
                                 doing);
  if (!written) return written.error();
  return {};
}

LeaseState lease_from_row(const PGresult* rows) {
  LeaseState state;
  state.holder = pg_text(rows, 0, 0);
  state.expires_at = pg_int(rows, 0, 1);
  state.released_at = pg_int(rows, 0, 2);
  state.now = pg_int(rows, 0, 3);
  return state;
}

}  // namespace

Result<std::optional<SyncState>> load_postgres_sync_state(PgConnection& connection,
                                                          std::string_view repository) {
  std::string doing =
      fmt::format("reading the sync state of {} from {}", repository, connection.describe());
  auto rows = connection.exec(kLoadState, PgParams().add(repository), doing);
  if (!rows) return rows.error();
  if (PQntuples(rows->get()) == 0) return std::optional<SyncState>();
  SyncState state;
  if (auto read = read_state_row(rows->get(), state, doing); !read) return read.error();
  return std::optional<SyncState>(std::move(state));
}

Status save_postgres_sync_state(PgConnection& connection, std::string_view repository,
                                const SyncState& state) {
  std::string doing =
      fmt::format("writing the sync state of {} to {}", repository, connection.describe());
  std::string cursor = state.cursor ? format_timestamp(*state.cursor) : "";
  auto saved = connection.exec(kSaveState,
                               PgParams()
                                   .add(repository)
                                   .add_text_or_null(cursor)
                                   .add_text_or_null(state.etag)
                                   .add(now_utc())
                                   .add(state.floor)
                                   .add(state.gap_top)
                                   .add(state.gap_from)
                                   .add(state.head_from)
                                   .add_text_or_null(state.etag_url),
                               doing);
  if (!saved) return saved.error();
  if (auto pending = save_pending(connection, repository, state); !pending) return pending;
  return save_rescan(connection, repository, state);
}

Result<std::vector<AttemptKey>> find_missing_postgres_attempts(PgConnection& connection,
                                                               std::string_view repository,
                                                               std::size_t limit) {
  std::vector<AttemptKey> keys;
  if (limit == 0) return keys;
  constexpr auto kMaxLimit = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  auto rows = connection.exec(
      kMissingAttempts,
      PgParams().add(repository).add(static_cast<std::int64_t>(std::min(limit, kMaxLimit))),
      fmt::format("reading the missing attempts of {} from {}", repository, connection.describe()));
  if (!rows) return rows.error();
  keys.reserve(static_cast<std::size_t>(PQntuples(rows->get())));
  for (int row = 0; row < PQntuples(rows->get()); ++row) {
    keys.push_back(AttemptKey{pg_int(rows->get(), row, 0), pg_int(rows->get(), row, 1)});
  }
  return keys;
}

Result<std::vector<std::string>> list_postgres_sync_states(PgConnection& connection) {
  auto rows =
      connection.exec("SELECT repository FROM sync_state ORDER BY lower(repository) COLLATE \"C\"",
                      fmt::format("listing the sync states in {}", connection.describe()));
  if (!rows) return rows.error();
  std::vector<std::string> names;
  names.reserve(static_cast<std::size_t>(PQntuples(rows->get())));
  for (int row = 0; row < PQntuples(rows->get()); ++row) {
    names.emplace_back(pg_text(rows->get(), row, 0));
  }
  return names;
}

Result<LeaseState> acquire_postgres_lease(PgConnection& connection, std::string_view repository,
                                          std::string_view holder, std::chrono::seconds ttl) {
  std::string doing =
      fmt::format("taking the lease on {} in {}", repository, connection.describe());
  if (holder.empty()) return fail(doing, ": the holder is empty");
  if (ttl.count() < 0) return fail(doing, ": the ttl is negative");
  PgParams claim = PgParams().add(repository).add(holder).add(std::int64_t{ttl.count()});
  for (int attempt = 1;; ++attempt) {
    auto taken = connection.exec(kClaimLease, claim, doing);
    if (!taken) return taken.error();
    if (PQntuples(taken->get()) == 1) {
      LeaseState state = lease_from_row(taken->get());
      state.acquired = true;
      return state;
    }
    auto read = connection.exec(kReadLease, PgParams().add(repository), doing);
    if (!read) return read.error();
    if (PQntuples(read->get()) != 1) return fail(doing, ": the lease row vanished");
    LeaseState state = lease_from_row(read->get());
    bool free_now = state.holder.empty() || state.holder == holder || state.expires_at <= state.now;
    if (!free_now || attempt == kClaimAttempts) return state;
  }
}

Status release_postgres_lease(PgConnection& connection, std::string_view repository,
                              std::string_view holder) {
  std::string doing =
      fmt::format("releasing the lease on {} in {}", repository, connection.describe());
  if (holder.empty()) return fail(doing, ": the holder is empty");
  auto released = connection.exec(kReleaseLease, PgParams().add(repository).add(holder), doing);
  if (!released) return released.error();
  return {};
}

}  // namespace cipette::storage
