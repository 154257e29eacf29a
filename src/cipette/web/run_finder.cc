#include "cipette/web/run_finder.h"

#include <algorithm>

namespace cipette::web {

std::shared_ptr<const RunFinder::Index> RunFinder::index_for(
    const std::shared_ptr<const RunTable>& table) {
  // Built under the lock: concurrent first lookups in a new table wait for one build instead of
  // each building their own.
  std::lock_guard lock(mutex_);
  if (index_ && table_.lock() == table) return index_;
  auto index = std::make_shared<Index>();
  index->reserve(table->size());
  for (std::size_t i = 0; i < table->size(); ++i) index->emplace_back(table->row(i).id, i);
  std::sort(index->begin(), index->end());
  table_ = table;
  index_ = std::move(index);
  return index_;
}

std::optional<std::size_t> RunFinder::find(const std::shared_ptr<const RunTable>& table,
                                           std::int64_t id) {
  auto index = index_for(table);
  auto found =
      std::lower_bound(index->begin(), index->end(), id,
                       [](const auto& entry, std::int64_t key) { return entry.first < key; });
  if (found == index->end() || found->first != id) return std::nullopt;
  return found->second;
}

}  // namespace cipette::web
