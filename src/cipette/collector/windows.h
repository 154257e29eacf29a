#pragma once

// How the collector cuts a repository's history into `created` windows small enough to list
// whole: GitHub returns at most 1,000 results for a listing filtered by `created`, so a
// window that holds more is split. Pure functions.

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "cipette/core/run.h"
#include "cipette/core/time.h"

namespace cipette::collector {

// No workflow run is older than GitHub (Actions came in 2019): the lower end of a full history.
inline constexpr Timestamp kHistoryStart = 1199145600;  // 2008-01-01T00:00:00Z

// How densely runs were created: `runs` over `seconds`. Unknown when either is not positive.
struct Density {
  std::int64_t runs = 0;
  std::int64_t seconds = 0;
  bool known() const { return runs > 0 && seconds > 0; }
};

// The value of the `created` parameter for runs created in [from, to] (both ends included),
// or from `from` on when `to` is empty: "2024-01-01T00:00:00Z..2024-01-31T23:59:59Z",
// ">=2024-01-01T00:00:00Z". Not yet URL-encoded.
std::string created_filter(Timestamp from, std::optional<Timestamp> to);

// The density of a listing page's runs: their number over the span of their created_at
// (inclusive). Unknown with fewer than two runs.
Density density_of(std::span<const RunRecord> runs);

// The newest created_at among `runs`; nullopt when there are none.
std::optional<Timestamp> newest_created(std::span<const RunRecord> runs);

// The lower end of a window that ends at `anchor` and should hold about `target` runs when
// they are created at `density`: anchor - span + 1 with span = target * seconds / runs,
// never below `lo` (nor above `anchor`). `lo` when the density is unknown.
Timestamp window_start(Timestamp lo, Timestamp anchor, Density density, std::int64_t target);

// A smaller try after the window [from, to] turned out to hold too many runs to list whole:
// a start after `from`, estimated from the density of the first page of that listing (ending
// at that page's newest run, or `to`), or, when that is unknown, from `total` runs spread
// evenly. With `halve` (an estimate already failed once) it is at least the middle of the
// window, so that repeated failures converge. REQUIRES: from < to.
Timestamp shrink_window(Timestamp from, Timestamp to, std::int64_t total,
                        std::span<const RunRecord> first_page, std::int64_t target, bool halve);

}  // namespace cipette::collector
