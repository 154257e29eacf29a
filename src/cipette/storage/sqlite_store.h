#pragma once

#include <memory>
#include <string>

#include "cipette/core/result.h"
#include "cipette/core/run_store.h"

struct sqlite3;

namespace cipette::storage {

// The SQLite adapter of the RunStore port: one database file in WAL mode with a busy timeout
// and foreign keys on, its schema versioned by migrations recorded in PRAGMA user_version.
// One object is one connection: use it from one thread at a time; open several objects on the
// same file for concurrent readers and a writer.
class SqliteStore final : public RunStore {
 public:
  enum class Mode { kReadWrite, kReadOnly };

  // Opens the database at `path`, creating it (and its parent directory) in kReadWrite mode,
  // and applies pending migrations. Fails with a message naming the path when the file cannot
  // be opened or created, is not a SQLite database, is corrupt, or has a schema newer than this
  // program knows.
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path,
                                                   Mode mode = Mode::kReadWrite);

  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  Result<UpsertStats> upsert_runs(std::span<const RunRecord> runs) override;
  Result<ChangeSeq> scan_runs(ChangeSeq since,
                              const std::function<void(const RunRecord&)>& visit) override;
  Result<std::int64_t> count_runs() override;
  std::string describe() const override;

  // The schema version this program writes (the number of migrations it knows).
  static int latest_schema_version();
  // The schema version of the open database.
  Result<int> schema_version();

 private:
  struct Connection;
  explicit SqliteStore(std::unique_ptr<Connection> connection);

  std::unique_ptr<Connection> connection_;
};

}  // namespace cipette::storage
