#include "cipette/storage/repository_resolver.h"

#include <fmt/format.h>

#include "cipette/core/text.h"

namespace cipette::storage {

std::vector<const RunRecord*> newest_run_per(std::span<const RunRecord> runs,
                                             std::int64_t RunRecord::*key) {
  std::unordered_map<std::int64_t, std::size_t> slot;  // key -> index into `newest`
  std::vector<const RunRecord*> newest;
  for (const RunRecord& run : runs) {
    auto [at, added] = slot.try_emplace(run.*key, newest.size());
    if (added) {
      newest.push_back(&run);
    } else if (run.updated_at >= newest[at->second]->updated_at) {
      newest[at->second] = &run;  // a tie goes to the later run
    }
  }
  return newest;
}

Status RepositoryResolver::resolve(std::span<const RunRecord> runs) {
  by_id_.clear();
  by_name_.clear();
  // Known ids first, in batch order (deterministic), so that runs of the same batch that lack
  // the id map to it by name.
  for (const RunRecord* newest : newest_run_per(runs, &RunRecord::repository_id)) {
    if (newest->repository_id <= 0) continue;
    auto id = resolve_known_id(*newest);
    if (!id) return id.error();
    by_id_[newest->repository_id] = *id;
    by_name_[ascii_lower(newest->repository)] = *id;
  }
  for (const RunRecord& run : runs) {
    if (run.repository_id > 0) continue;
    std::string key = ascii_lower(run.repository);
    if (by_name_.count(key)) continue;
    auto id = resolve_by_name(run);
    if (!id) return id.error();
    by_name_[key] = *id;
  }
  return {};
}

std::int64_t RepositoryResolver::id_of(const RunRecord& run) const {
  if (run.repository_id > 0) return by_id_.at(run.repository_id);
  return by_name_.at(ascii_lower(run.repository));
}

Result<std::int64_t> RepositoryResolver::resolve_known_id(const RunRecord& newest) {
  std::int64_t id = newest.repository_id;
  std::string name = newest.repository;
  if (auto claimed = claim_repository_name(id, newest, name); !claimed) return claimed.error();
  if (auto stored = store_repository(id, name, newest.updated_at); !stored) {
    return stored.error();
  }
  return id;
}

// The repository of the same name, else a new synthetic one (seen at `run`, the batch's first
// run naming it).
Result<std::int64_t> RepositoryResolver::resolve_by_name(const RunRecord& run) {
  auto found = table_.find_repository(run.repository);
  if (!found) return found.error();
  if (*found) return (*found)->id;
  return table_.insert_synthetic_repository(run.repository, run.updated_at);
}

// Makes `name` free for repository `id`: a synthetic repository of that name is merged into
// `id`; another real repository keeps it only if it was seen more recently (GitHub names move
// when repositories are renamed), and whichever loses gets "name#id".
Status RepositoryResolver::claim_repository_name(std::int64_t id, const RunRecord& newest,
                                                 std::string& name) {
  auto found = table_.find_repository(name);
  if (!found) return found.error();
  if (!*found || (*found)->id == id) return {};
  const StoredRepository& holder = **found;
  if (holder.id < 0) return merge_synthetic_repository(holder.id, id);
  if (newest.updated_at < holder.seen_at) {
    name = fmt::format("{}#{}", name, id);
    return {};
  }
  return store_repository(holder.id, fmt::format("{}#{}", name, holder.id), holder.seen_at);
}

// Writes name and seen_at of repository `id` unless what is stored was seen more recently.
// A changed name changes every run of the repository as scan_runs reports it, so their
// change_seq moves too.
Status RepositoryResolver::store_repository(std::int64_t id, const std::string& name,
                                            std::int64_t seen_at) {
  auto stored = table_.read_repository(id);
  if (!stored) return stored.error();
  bool rename = *stored && name != (*stored)->full_name;
  if (*stored && (seen_at < (*stored)->seen_at || (!rename && seen_at == (*stored)->seen_at))) {
    return {};
  }
  if (auto written = table_.store_repository(id, name, seen_at); !written) return written;
  return rename ? table_.touch_runs_of_repository(id) : Status{};
}

// The runs of a merged repository are reported under another id from now on.
Status RepositoryResolver::merge_synthetic_repository(std::int64_t synthetic_id, std::int64_t id) {
  auto stored = table_.read_repository(id);
  if (!stored) return stored.error();
  if (auto merged = table_.merge_synthetic_repository(synthetic_id, id, stored->has_value());
      !merged) {
    return merged;
  }
  return table_.touch_runs_of_repository(id);
}

}  // namespace cipette::storage
