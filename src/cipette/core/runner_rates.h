#pragma once

// Configured per-minute rates of runner labels (CIPETTE_RUNNER_RATES) and the estimated cost of
// a runner row's billable minutes (docs/metrics.md, "Jobs, queue time and runners"): the one
// place that says which rate applies to a runner label set.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cipette/core/job_metrics.h"
#include "cipette/core/result.h"

namespace cipette {

// The per-minute rate of one runner label, in the user's currency (which is not stored). Kept as
// a whole number of millionths, so that parsing is exact and 37 minutes at 0.008 cost 0.296.
struct RunnerRate {
  std::string label;
  std::int64_t micros_per_minute = 0;

  double per_minute() const { return static_cast<double>(micros_per_minute) / 1e6; }
};

// The configured rates, in the configured order; empty: none configured (no cost is shown).
using RunnerRates = std::vector<RunnerRate>;

// The largest rate accepted: 1,000,000 per minute (a typo guard, and costs stay exact doubles).
inline constexpr std::int64_t kMaxRateMicros = 1'000'000'000'000;

// Parses "ubuntu-latest=0.008, windows-latest=0.016": items separated by commas, each
// LABEL=RATE with the label trimmed and the rate a non-negative decimal ("0.008", "2", ".5")
// with at most 6 decimals, at most 1000000. Empty items are skipped; an empty text gives no
// rates. Fails naming the first bad item ("\"ubuntu-latest\": no '=' ...") when an item has no
// '=', an empty label, a rate that is negative or not such a decimal, or a label given before
// (ignoring ASCII case).
Result<RunnerRates> parse_runner_rates(std::string_view text);

// The rate of runner label set `labels`: the first configured rate, in the configured order,
// whose label is one of `labels`, ignoring ASCII case as GitHub does for runs-on labels; null
// when none is (self-hosted runners are not billed unless one of their labels is configured).
// The pointer is into `rates`.
const RunnerRate* rate_for_labels(const RunnerRates& rates, const std::vector<std::string>& labels);

// A runner row's estimated cost: its billable minutes (an estimate themselves) times its rate.
struct CostEstimate {
  const RunnerRate* rate = nullptr;  // into the rates given; never null
  double cost = 0;                   // billable_minutes × rate, in the rate's currency
};

// The estimate of `row` (rate_for_labels of its labels); none when no rate applies.
std::optional<CostEstimate> estimate_cost(const RunnerRates& rates, const RunnerRow& row);

// An amount (a rate or a cost) for text and CSV: rounded to 6 decimals, trailing zeros and a
// trailing point dropped ("0.296", "0.008", "12", "0").
std::string format_amount(double amount);

}  // namespace cipette
