#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "cipette/core/result.h"
#include "cipette/core/run.h"

namespace cipette {

// What an upsert did.
struct UpsertStats {
  std::int64_t inserted = 0;   // runs not stored before
  std::int64_t updated = 0;    // stored runs replaced by a newer (or equally new) version
  std::int64_t unchanged = 0;  // identical, or older than what is stored (never overwritten)
  friend bool operator==(const UpsertStats&, const UpsertStats&) = default;
};

// A position in the store's change log: every insert or update of a run gets a larger sequence
// number than all before it, so "changed since" is exact even when clocks disagree.
using ChangeSeq = std::int64_t;

// The storage port. Adapters (SQLite now, PostgreSQL later) implement it; the engine and the
// use cases see only this. All methods are safe to call from one thread at a time per object;
// separate objects on the same database may be used concurrently.
class RunStore {
 public:
  virtual ~RunStore() = default;

  // Inserts or updates runs keyed by run id, all in one transaction: either every run is
  // applied or none is. A stored run is replaced only when the incoming updated_at is newer, or
  // equal with a run_attempt at least as large; an older version never overwrites a newer one.
  // Fails without writing anything if any run fails validate_run().
  virtual Result<UpsertStats> upsert_runs(std::span<const RunRecord> runs) = 0;

  // Calls `visit` for every run whose change sequence is greater than `since` (0 = all runs),
  // in ascending change order, and returns the largest sequence seen (or `since` when none).
  // The RunRecord passed to `visit` is reused between calls: copy what must outlive the call.
  virtual Result<ChangeSeq> scan_runs(ChangeSeq since,
                                      const std::function<void(const RunRecord&)>& visit) = 0;

  // Number of runs stored.
  virtual Result<std::int64_t> count_runs() = 0;

  // A short description for messages, without credentials ("sqlite:data/cipette.db").
  virtual std::string describe() const = 0;
};

}  // namespace cipette
