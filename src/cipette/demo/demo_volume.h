#pragma once

#include <cstdint>
#include <vector>

#include "cipette/core/time.h"

namespace cipette::demo {

// How many runs start in each hour of the history. The history is kHistoryDays of one-hour
// slots ending exactly at `end` (slot i covers [end - (slots - i) h, end - (slots - i - 1) h)).
// Each slot has an integer weight: weekday (Mon–Thu 10, Fri 9, Sat/Sun 2: weekends get ~20% of a
// weekday), UTC hour of day (working hours 8–18 heaviest) and a slow growth of the organisation
// (+40% from the first slot to the last). Slot i receives
//   floor(runs * W(<= i) / W) - floor(runs * W(< i) / W)
// runs, W(...) being cumulative weights: the counts follow the weights as closely as integers
// can, no slot's remainder is lost, and they add up to exactly `runs` (the telescoping sum is
// floor(runs * W / W) = runs). Small totals therefore still spread over the whole span.
class VolumePlan {
 public:
  static constexpr int kHistoryDays = 180;

  // REQUIRES: runs >= 0.
  VolumePlan(std::int64_t runs, Timestamp end);

  int slot_count() const { return static_cast<int>(cumulative_.size()) - 1; }
  Timestamp slot_start(int slot) const;
  // REQUIRES: 0 <= slot < slot_count().
  std::int64_t runs_in_slot(int slot) const;

  // The weight of the hour starting at `t` in a history of `slots` slots, `slot` being its
  // position; exposed for tests.
  static std::int64_t slot_weight(Timestamp t, int slot, int slots);

 private:
  std::int64_t runs_until(int slot) const;  // runs in slots [0, slot)

  std::int64_t runs_;
  Timestamp end_;
  std::vector<std::int64_t> cumulative_;  // cumulative_[i] = weight of slots [0, i)
};

// Time helpers on UTC days that also work before 1970.
std::int64_t floor_div(std::int64_t a, std::int64_t b);
// 0 = Sunday ... 6 = Saturday.
int weekday_of(Timestamp t);
int hour_of(Timestamp t);

}  // namespace cipette::demo
