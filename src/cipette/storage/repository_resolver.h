#pragma once

// Which stored repository each run of a batch belongs to: the rules of sqlite_store.h
// ("Repository ids"), once for both backends. The algorithm is RepositoryResolver's; the
// database operations it needs are RepositoryTable's, which each backend's writer implements
// inside the batch's write transaction.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "cipette/core/result.h"
#include "cipette/core/run.h"

namespace cipette::storage {

// One row of the repositories table.
struct StoredRepository {
  std::int64_t id = 0;
  std::string full_name;
  std::int64_t seen_at = 0;
};

// The operations on stored repositories that RepositoryResolver builds on. Each fails with a
// message saying what it was doing, with which repository, in which database.
class RepositoryTable {
 public:
  virtual ~RepositoryTable() = default;

  // The repository named `full_name` (compared ignoring ASCII case); nullopt when none is.
  virtual Result<std::optional<StoredRepository>> find_repository(const std::string& full_name) = 0;
  // Repository `id`; nullopt when there is none.
  virtual Result<std::optional<StoredRepository>> read_repository(std::int64_t id) = 0;
  // Inserts repository `id`, or overwrites its full name and seen_at.
  virtual Status store_repository(std::int64_t id, const std::string& full_name,
                                  std::int64_t seen_at) = 0;
  // Adds repository `full_name` under a new synthetic id, one below the lowest stored id and
  // below 0 (-1, -2, ...), and returns that id.
  virtual Result<std::int64_t> insert_synthetic_repository(const std::string& full_name,
                                                           std::int64_t seen_at) = 0;
  // Gives the workflows and runs of synthetic repository `synthetic_id` to repository `id`:
  // when `id_stored`, they move to it and `synthetic_id` is deleted; otherwise `synthetic_id`
  // becomes `id`, keeping its full name and seen_at.
  virtual Status merge_synthetic_repository(std::int64_t synthetic_id, std::int64_t id,
                                            bool id_stored) = 0;
  // Gives every run of repository `id` a new change_seq: scan_runs reports them differently
  // from now on.
  virtual Status touch_runs_of_repository(std::int64_t id) = 0;
};

// Maps the runs of a batch to stored repository ids, adding, renaming and merging stored
// repositories on the way. Known GitHub ids (> 0) are authoritative; a run without one joins
// the repository of its full name, else a new synthetic one. A synthetic repository is merged
// into the real one once a run names its id. A repository's name follows its newest run; of
// two ids claiming one name the one seen more recently keeps it and the other becomes
// "name#id". Holds the batch's mapping between resolve() calls. Does not own `table`.
class RepositoryResolver {
 public:
  explicit RepositoryResolver(RepositoryTable& table) : table_(table) {}

  // Resolves the repository of every run in `runs`. REQUIRES: inside the batch's write
  // transaction, before any of its workflows or runs are written.
  Status resolve(std::span<const RunRecord> runs);
  // The stored repository id of `run`. REQUIRES: `run` was in the batch of the last resolve(),
  // which succeeded.
  std::int64_t id_of(const RunRecord& run) const;

 private:
  Result<std::int64_t> resolve_known_id(const RunRecord& newest);
  Result<std::int64_t> resolve_by_name(const RunRecord& run);
  Status claim_repository_name(std::int64_t id, const RunRecord& newest, std::string& name);
  Status store_repository(std::int64_t id, const std::string& name, std::int64_t seen_at);
  Status merge_synthetic_repository(std::int64_t synthetic_id, std::int64_t id);

  RepositoryTable& table_;
  // The stored id of each repository named in the batch, by GitHub id (when known) and by
  // lower-case full name (for runs without one).
  std::unordered_map<std::int64_t, std::int64_t> by_id_;
  std::unordered_map<std::string, std::int64_t> by_name_;
};

// The newest run (largest updated_at; of equals, the later one) of each distinct value of
// `key` in `runs`, in the order the values first appear: each workflow's or repository's
// newest run, whose names the batch stores.
std::vector<const RunRecord*> newest_run_per(std::span<const RunRecord> runs,
                                             std::int64_t RunRecord::*key);

}  // namespace cipette::storage
