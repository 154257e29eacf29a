#include "cipette/storage/store_factory.h"

#include "cipette/storage/database_url.h"
#include "cipette/storage/postgres_store.h"
#include "cipette/storage/sqlite_store.h"

namespace cipette::storage {

Result<std::vector<RunJobs>> read_job_fetches(RunStore& store, std::int64_t after_run_id,
                                              std::size_t limit) {
  if (auto* sqlite = dynamic_cast<SqliteStore*>(&store)) {
    return sqlite->read_job_fetches(after_run_id, limit);
  }
  if (auto* postgres = dynamic_cast<PostgresStore*>(&store)) {
    return postgres->read_job_fetches(after_run_id, limit);
  }
  return fail("reading the job fetches of ", store.describe(),
              ": not a SQLite or PostgreSQL store");
}

Result<std::unique_ptr<RunStore>> open_store(std::string_view database_url) {
  // One parser for DATABASE_URL (shared with the CLI's checks), so both agree on the path.
  auto url = parse_database_url(database_url);
  if (!url) return url.error();
  if (url->kind == DatabaseUrl::Kind::kPostgres) {
    auto store = PostgresStore::open(url->target);
    if (!store) return store.error();
    return std::unique_ptr<RunStore>(std::move(*store));
  }
  if (url->target.empty()) return fail("DATABASE_URL: no path after \"sqlite:\"");
  auto store = SqliteStore::open(url->target);
  if (!store) return store.error();
  return std::unique_ptr<RunStore>(std::move(*store));
}

}  // namespace cipette::storage
