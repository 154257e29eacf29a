#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cipette/core/result.h"
#include "cipette/core/run_store.h"

namespace cipette::storage {

// Opens the store a DATABASE_URL names (see parse_database_url): a file path or "sqlite:PATH"
// (also "sqlite://PATH") opens SQLite; "postgresql://..." / "postgres://..." or a libpq
// key=value string opens PostgreSQL (postgres_store.h). Either is migrated to the latest
// schema. Failures name the database without its password.
Result<std::unique_ptr<RunStore>> open_store(std::string_view database_url);

// The job fetch records (run_jobs) of a store open_store opened: SqliteStore's or
// PostgresStore's read_job_fetches. Fails for any other RunStore.
Result<std::vector<RunJobs>> read_job_fetches(RunStore& store, std::int64_t after_run_id,
                                              std::size_t limit);

}  // namespace cipette::storage
