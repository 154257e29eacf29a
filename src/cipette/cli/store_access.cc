#include "cipette/cli/store_access.h"

#include <filesystem>

#include "cipette/storage/database_url.h"
#include "cipette/storage/store_factory.h"

namespace cipette::cli {

Result<std::unique_ptr<RunStore>> open_existing_store(const std::string& database_url) {
  auto url = storage::parse_database_url(database_url);
  if (!url) return url.error();
  if (url->kind == storage::DatabaseUrl::Kind::kSqlite) {
    std::error_code ec;
    if (!std::filesystem::exists(url->target, ec)) {
      return fail("no database at ", url->target,
                  ": run `cipette collect` (or `cipette demo`) first, or point DATABASE_URL "
                  "(--db) at your database");
    }
  }
  return storage::open_store(database_url);
}

Result<std::shared_ptr<const RunTable>> load_existing_table(const std::string& database_url) {
  auto store = open_existing_store(database_url);
  if (!store) return store.error();
  return load_run_table(**store);
}

Result<StoredTables> load_existing_tables(const std::string& database_url) {
  auto store = open_existing_store(database_url);
  if (!store) return store.error();
  // A second connection reads the jobs while the first loads the runs, then reads the jobs
  // left (load_tables).
  auto second = storage::open_store(database_url);
  if (!second) return second.error();
  auto loaded = load_tables(**store, **store, **second);
  if (!loaded) return loaded.error();
  return *loaded;
}

}  // namespace cipette::cli
