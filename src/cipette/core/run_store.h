#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cipette/core/change_log.h"
#include "cipette/core/job_store.h"
#include "cipette/core/result.h"
#include "cipette/core/run.h"

namespace cipette {

// What an upsert did.
struct UpsertStats {
  std::int64_t inserted = 0;   // runs not stored before
  std::int64_t updated = 0;    // stored runs replaced by a newer (or equally new) version
  std::int64_t unchanged = 0;  // identical, or older than what is stored (never overwritten)
  // Of the runs inserted or updated: those written with a later attempt than the one stored,
  // or first stored with run_attempt > 1 (re-runs).
  std::int64_t reruns = 0;
  friend bool operator==(const UpsertStats&, const UpsertStats&) = default;
};

// A run the collector saw unfinished (queued, in progress, waiting...) and looks at again on
// the next sync, until it completes.
struct PendingRun {
  std::int64_t id = 0;
  Timestamp created_at = 0;
  std::string etag;           // of GET .../actions/runs/{id}; "" when never fetched alone
  bool on_head_page = false;  // listed on the page whose ETag SyncState::etag holds
  friend bool operator==(const PendingRun&, const PendingRun&) = default;
};

// A page of the rescan of recent history (collector/repository_sync.cc): the URL of one page of
// a closed `created` window's listing, and the ETag GitHub gave it.
struct RescanPage {
  std::string url;
  std::string etag;
  friend bool operator==(const RescanPage&, const RescanPage&) = default;
};

// An earlier attempt of a stored run that the store does not hold yet.
struct AttemptKey {
  std::int64_t run_id = 0;
  std::int64_t attempt = 0;
  friend bool operator==(const AttemptKey&, const AttemptKey&) = default;
};

// The collector's position in one repository's history, saved with the runs it read
// (collector/repository_sync.h explains how each field is used). Times are UTC seconds.
struct SyncState {
  Timestamp floor = 0;              // the oldest created_at wanted (--since of the first sync)
  std::optional<Timestamp> cursor;  // every run created in [floor, cursor] has been read
  // A backlog read newest first: every run created in [gap_from, gap_top] has been read too.
  std::optional<Timestamp> gap_top;
  std::optional<Timestamp> gap_from;
  Timestamp head_from = 0;  // the lower end of the open window the next sync lists first
  std::string etag;         // ETag of that listing's first page, "" when none
  std::string etag_url;     // the URL `etag` belongs to
  std::vector<PendingRun> pending;
  // The pages of the rescan windows read so far, with their ETags, in the order read.
  std::vector<RescanPage> rescan;
  friend bool operator==(const SyncState&, const SyncState&) = default;
};

// A collector's claim on one repository, so that several collectors on one database never
// sync the same repository at once (see LeaseStore::acquire_lease). Times are the database's
// clock, in UTC seconds, so collectors on machines whose clocks disagree still agree.
struct LeaseState {
  bool acquired = false;      // the caller holds the lease now
  std::string holder;         // who holds it after the call ("" when nobody does)
  Timestamp expires_at = 0;   // when the holder's claim lapses unless renewed
  Timestamp released_at = 0;  // when a holder last released it after its sync (0: never)
  Timestamp now = 0;          // the database's clock during the call
  friend bool operator==(const LeaseState&, const LeaseState&) = default;
};

// The storage port, in parts, so that each use (and each test fake) takes only the part it
// needs. Adapters (SQLite, PostgreSQL) implement them all through RunStore. All methods are
// safe to call from one thread at a time per object; separate objects on the same database may
// be used concurrently.

// Reading runs: what the run table is loaded from.
class RunReader {
 public:
  virtual ~RunReader() = default;

  // Calls `visit` for every run whose change sequence is greater than `since` (0 = all runs),
  // in ascending change order, until `visit` returns ScanStep::kStop. Returns the largest
  // change sequence among the runs visited (that of the run `visit` stopped at, when it
  // stopped), or `since` when none was: scanning again from it resumes after the last run
  // visited. Each run comes with its stored earlier attempts (RunRecord::earlier_attempts, in
  // attempt order; attempts numbered at or above its run_attempt are left out). The RunRecord
  // passed to `visit` is reused between calls: copy what must outlive the call.
  virtual Result<ChangeSeq> scan_runs(ChangeSeq since,
                                      const std::function<ScanStep(const RunRecord&)>& visit) = 0;

  // A short description for messages, without credentials ("sqlite:data/cipette.db").
  virtual std::string describe() const = 0;
};

// Writing runs.
class RunWriter {
 public:
  virtual ~RunWriter() = default;

  // Inserts or updates runs keyed by run id, all in one transaction: either every run is
  // applied or none is. A stored run is replaced only by a version that moves it forward
  // (RunRecord::version() greater; or equal and different in some field); an older version
  // never overwrites a newer one. Each run's earlier_attempts are written as by
  // upsert_attempts, whether or not the run's own row was replaced. Fails without writing
  // anything if any run fails validate_run().
  virtual Result<UpsertStats> upsert_runs(std::span<const RunRecord> runs) = 0;

  // Inserts or updates earlier attempts keyed by (run id, attempt), in one transaction. A
  // stored attempt is replaced only when attempt_version() is greater (or equal and different
  // in some field). Writing an attempt gives its run a new change sequence, so that a scan
  // since an earlier watermark returns the run with its attempts. Fails without writing
  // anything if an attempt fails validate_attempt() or its run is not stored. The stats count
  // attempts, not runs (reruns stays 0).
  virtual Result<UpsertStats> upsert_attempts(std::span<const AttemptRecord> attempts) = 0;
};

// The collector's position in each repository, written with the runs it read.
class SyncStateStore {
 public:
  virtual ~SyncStateStore() = default;

  // The saved sync state of `repository` ("owner/name", compared case-insensitively), or
  // nullopt when none was saved.
  virtual Result<std::optional<SyncState>> load_sync_state(std::string_view repository) = 0;

  // In one transaction: RunWriter::upsert_runs(runs) (same rules) and replace the sync state
  // of `repository` by `state`. Either both are written or neither is, so a process killed at
  // any moment leaves runs and state consistent.
  virtual Result<UpsertStats> commit_sync(std::string_view repository,
                                          std::span<const RunRecord> runs,
                                          const SyncState& state) = 0;

  // The earlier attempts (1 .. run_attempt - 1) of `repository`'s runs (compared
  // case-insensitively) that are not stored, found or not; at most `limit`, the newest runs
  // (by created_at, then id) first, each run's attempts in order.
  virtual Result<std::vector<AttemptKey>> missing_attempts(std::string_view repository,
                                                           std::size_t limit) = 0;

  // The repositories with a saved sync state, in the spelling they were saved with, sorted
  // case-insensitively (for `cipette db copy`).
  virtual Result<std::vector<std::string>> sync_repositories() = 0;
};

// The collectors' leases on repositories.
class LeaseStore {
 public:
  virtual ~LeaseStore() = default;

  // Takes the lease on `repository` (compared case-insensitively) for `holder` until the
  // database's now + `ttl`, when nobody holds it, its holder released it, its claim lapsed
  // (a crashed collector), or `holder` already holds it (a renewal). Otherwise changes nothing
  // and reports who holds it until when: acquired is false. Atomic across processes: of two
  // holders asking at once, exactly one gets it.
  virtual Result<LeaseState> acquire_lease(std::string_view repository, std::string_view holder,
                                           std::chrono::seconds ttl) = 0;

  // Gives the lease on `repository` up after a sync, setting released_at to the database's
  // now, when `holder` holds it; does nothing when it does not (its claim lapsed and another
  // holder took it).
  virtual Status release_lease(std::string_view repository, std::string_view holder) = 0;
};

// The whole port, as an adapter implements it (storage/store_factory.h opens one).
class RunStore : public RunReader,
                 public RunWriter,
                 public SyncStateStore,
                 public LeaseStore,
                 public JobStore {
 public:
  // Number of runs stored.
  virtual Result<std::int64_t> count_runs() = 0;
};

}  // namespace cipette
