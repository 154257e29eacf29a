#pragma once

// The collector's bookkeeping in PostgreSQL: sync states (sync_state, sync_pending,
// sync_rescan), the earlier attempts it has yet to fetch, and leases (sync_leases). Repository
// names are compared case-insensitively (lower(), as the unique indexes of
// postgres_migrations.cc). Each function is one statement or one transaction on
// `connection` and is safe to repeat after a lost connection.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cipette/core/result.h"
#include "cipette/core/run_store.h"
#include "cipette/storage/postgres_connection.h"

namespace cipette::storage {

// The state of `repository`, read in one statement (one snapshot); nullopt when none was saved.
// Fails on a server error or a malformed stored cursor.
Result<std::optional<SyncState>> load_postgres_sync_state(PgConnection& connection,
                                                          std::string_view repository);

// Replaces the state of `repository` (keeping the spelling it was first saved with).
// REQUIRES: a transaction is open on `connection`.
Status save_postgres_sync_state(PgConnection& connection, std::string_view repository,
                                const SyncState& state);

// See SyncStateStore::missing_attempts: one statement. The runs_reruns index (migration 4)
// yields the repository's runs with run_attempt > 1.
Result<std::vector<AttemptKey>> find_missing_postgres_attempts(PgConnection& connection,
                                                               std::string_view repository,
                                                               std::size_t limit);

// The repositories with a saved state, sorted by their ASCII lower-case bytes.
Result<std::vector<std::string>> list_postgres_sync_states(PgConnection& connection);

// See LeaseStore::acquire_lease. One INSERT ... ON CONFLICT ... DO UPDATE ... WHERE <free,
// released, lapsed or ours>, so that of several connections asking at once exactly one gets
// it; the clock is the server's (clock_timestamp()). When it is not acquired, a second
// statement reads who holds it.
Result<LeaseState> acquire_postgres_lease(PgConnection& connection, std::string_view repository,
                                          std::string_view holder, std::chrono::seconds ttl);

// See LeaseStore::release_lease: one UPDATE ... WHERE holder = `holder`.
Status release_postgres_lease(PgConnection& connection, std::string_view repository,
                              std::string_view holder);

}  // namespace cipette::storage
