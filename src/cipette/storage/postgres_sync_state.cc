#include "cipette/storage/postgres_sync_state.h"

#include <fmt/format.h>

#include <map>

#include "cipette/core/time.h"

namespace cipette::storage {
namespace {

// The state and its unfinished runs in one statement, so that they come from one snapshot.
constexpr std::string_view kLoadState = R"sql(
SELECT s.cursor, s.etag, s.floor, s.gap_top, s.gap_from, s.head_from, s.etag_url,
  p.run_id, p.created_at, p.etag, p.on_head_page
FROM sync_state s LEFT JOIN sync_pending p ON lower(p.repository) = lower(s.repository)
WHERE lower(s.repository) = lower($1) ORDER BY p.run_id)sql";

constexpr std::string_view kSaveState = R"sql(
INSERT INTO sync_state (repository, cursor, etag, updated_at, floor, gap_top, gap_from,
  head_from, etag_url)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT ((lower(repository))) DO UPDATE SET cursor = excluded.cursor,
  etag = excluded.etag, updated_at = excluded.updated_at, floor = excluded.floor,
  gap_top = excluded.gap_top, gap_from = excluded.gap_from, head_from = excluded.head_from,
  etag_url = excluded.etag_url)sql";

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
    if (pg_is_null(rows, row, 7)) continue;  // no unfinished runs: the join's empty row
    PendingRun run;
    run.id = pg_int(rows, row, 7);
    run.created_at = pg_int(rows, row, 8);
    run.etag = pg_text(rows, row, 9);
    run.on_head_page = pg_int(rows, row, 10) != 0;
    state.pending.push_back(std::move(run));
  }
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
  return save_pending(connection, repository, state);
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
