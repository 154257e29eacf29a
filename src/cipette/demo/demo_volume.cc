#include "cipette/demo/demo_volume.h"

#include <array>

namespace cipette::demo {
namespace {

constexpr std::int64_t kSecondsPerHour = 3600;

// Relative activity per UTC hour: a European/American team working roughly 08:00–18:00 UTC.
constexpr std::array<std::int64_t, 24> kHourWeights = {2,  1,  1,  1,  1,  2,  3, 6, 10, 12, 12, 12,
                                                       11, 12, 12, 12, 11, 10, 7, 5, 4,  3,  3,  2};

// Sunday first.
constexpr std::array<std::int64_t, 7> kWeekdayWeights = {2, 10, 10, 10, 10, 9, 2};

}  // namespace

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int weekday_of(Timestamp t) {
  // 1970-01-01 was a Thursday (4).
  const std::int64_t shifted = floor_div(t, kSecondsPerDay) + 4;
  return static_cast<int>(shifted - 7 * floor_div(shifted, 7));
}

int hour_of(Timestamp t) {
  return static_cast<int>((t - floor_div(t, kSecondsPerDay) * kSecondsPerDay) / kSecondsPerHour);
}

std::int64_t VolumePlan::slot_weight(Timestamp t, int slot, int slots) {
  const std::int64_t growth = 100 + 40 * static_cast<std::int64_t>(slot) / slots;
  return kWeekdayWeights[static_cast<std::size_t>(weekday_of(t))] *
         kHourWeights[static_cast<std::size_t>(hour_of(t))] * growth;
}

VolumePlan::VolumePlan(std::int64_t runs, Timestamp end) : runs_(runs), end_(end) {
  const int slots = kHistoryDays * 24;
  cumulative_.reserve(static_cast<std::size_t>(slots) + 1);
  cumulative_.push_back(0);
  for (int i = 0; i < slots; ++i) {
    const Timestamp start = end - static_cast<Timestamp>(slots - i) * kSecondsPerHour;
    cumulative_.push_back(cumulative_.back() + slot_weight(start, i, slots));
  }
}

Timestamp VolumePlan::slot_start(int slot) const {
  return end_ - static_cast<Timestamp>(slot_count() - slot) * kSecondsPerHour;
}

std::int64_t VolumePlan::runs_until(int slot) const {
  // 128-bit product: runs * total weight (~3e7) may exceed 64 bits for absurd run counts.
  __extension__ using Wide = unsigned __int128;
  const Wide product =
      static_cast<Wide>(runs_) * static_cast<Wide>(cumulative_[static_cast<std::size_t>(slot)]);
  return static_cast<std::int64_t>(product / static_cast<Wide>(cumulative_.back()));
}

std::int64_t VolumePlan::runs_in_slot(int slot) const {
  return runs_until(slot + 1) - runs_until(slot);
}

}  // namespace cipette::demo
