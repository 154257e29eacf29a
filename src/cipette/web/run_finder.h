#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "cipette/core/run_table.h"

namespace cipette::web {

// Finds a run's row in a run table by its id, for GET /api/v1/runs/{id}: the table orders rows
// by workflow and time, so an index of (id, row) sorted by id is built on the first lookup in
// each table (one per snapshot generation; 16 bytes a run) and kept for the latest table only.
// Thread-safe.
class RunFinder {
 public:
  // The row of run `id` in `table`, or none.
  std::optional<std::size_t> find(const std::shared_ptr<const RunTable>& table, std::int64_t id);

 private:
  using Index = std::vector<std::pair<std::int64_t, std::size_t>>;
  std::shared_ptr<const Index> index_for(const std::shared_ptr<const RunTable>& table);

  std::mutex mutex_;
  std::weak_ptr<const RunTable> table_;  // the table index_ was built for
  std::shared_ptr<const Index> index_;
};

}  // namespace cipette::web
