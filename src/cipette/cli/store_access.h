#pragma once

#include <memory>
#include <string>

#include "cipette/core/job_table.h"
#include "cipette/core/result.h"
#include "cipette/core/run_store.h"
#include "cipette/core/run_table.h"

namespace cipette::cli {

// Opens the store for reading an existing history: unlike opening for writing, a SQLite file
// that does not exist is an error that tells the user how to create one.
Result<std::unique_ptr<RunStore>> open_existing_store(const std::string& database_url);

// open_existing_store + load_run_table.
Result<std::shared_ptr<const RunTable>> load_existing_table(const std::string& database_url);

// The run table and the job table built for it, from one connection.
using StoredTables = LoadedTables;

// open_existing_store + load_tables (on a second connection for the jobs).
Result<StoredTables> load_existing_tables(const std::string& database_url);

}  // namespace cipette::cli
