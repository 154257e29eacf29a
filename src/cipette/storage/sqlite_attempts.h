#pragma once

#include <sqlite3.h>

#include <cstddef>
#include <string_view>
#include <vector>

#include "cipette/core/result.h"
#include "cipette/core/run_store.h"

namespace cipette::storage {

// SqliteStore::missing_attempts (see SyncStateStore::missing_attempts), in one read
// transaction on `db` (the file at `path`, for messages). The runs_reruns index (migration 4)
// yields the repository's runs with run_attempt > 1; of those, the ones that lack an attempt
// are taken newest first, at most `limit` of them (each lacks at least one), and their stored
// attempt numbers are read to find the gaps.
Result<std::vector<AttemptKey>> find_missing_attempts(sqlite3* db, std::string_view path,
                                                      std::string_view repository,
                                                      std::size_t limit);

}  // namespace cipette::storage
