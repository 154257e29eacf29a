#include "cipette/core/format.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace cipette {

namespace {

constexpr std::int64_t kMinute = 60;
constexpr std::int64_t kHour = 60 * kMinute;

// Negative values only come from clock trouble; they are shown with a sign rather than hidden.
std::string with_sign(double seconds, std::string (*format)(std::int64_t), double unit) {
  if (!std::isfinite(seconds)) return "N/A";
  auto rounded = static_cast<std::int64_t>(std::llround(std::fabs(seconds) / unit));
  std::string text = format(rounded);
  return seconds < 0 && rounded != 0 ? "-" + text : text;
}

// Whole seconds as "1h 2m 3s", "5m 30s", "45s": every unit from the largest non-zero one down.
std::string duration_text(std::int64_t s) {
  if (s < kMinute) return fmt::format("{}s", s);
  if (s < kHour) return fmt::format("{}m {}s", s / kMinute, s % kMinute);
  return fmt::format("{}h {}m {}s", s / kHour, s % kHour / kMinute, s % kMinute);
}

// Whole minutes (at least one) as "15m", "2h", "1h 30m", "1d 2h" (whole hours from a day up).
std::string mttr_minutes_text(std::int64_t minutes) {
  if (minutes < 60) return fmt::format("{}m", minutes);
  if (minutes < std::int64_t{24} * 60) {
    if (minutes % 60 == 0) return fmt::format("{}h", minutes / 60);
    return fmt::format("{}h {}m", minutes / 60, minutes % 60);
  }
  std::int64_t hours = (minutes + 30) / 60;  // nearest hour
  if (hours % 24 == 0) return fmt::format("{}d", hours / 24);
  return fmt::format("{}d {}h", hours / 24, hours % 24);
}

// `number` ("-6020.7", "541861") with a comma between each group of three digits of its
// integer part.
std::string group_thousands(std::string number) {
  std::size_t begin = number.starts_with('-') ? 1 : 0;
  std::size_t end = std::min(number.find('.'), number.size());
  for (std::size_t at = end; at > begin + 3; at -= 3) number.insert(at - 3, 1, ',');
  return number;
}

}  // namespace

std::string format_count(std::int64_t count) { return group_thousands(std::to_string(count)); }

std::string format_throughput(double per_day) {
  if (!std::isfinite(per_day)) return "N/A";
  bool small = std::fabs(per_day) < 1;
  return group_thousands(small ? fmt::format("{:.2f}", per_day) : fmt::format("{:.1f}", per_day));
}

std::string format_duration(double seconds) { return with_sign(seconds, duration_text, 1.0); }

std::string format_mttr(double seconds) {
  if (std::isfinite(seconds) && std::llround(std::fabs(seconds)) < kMinute) {
    return format_duration(seconds);
  }
  return with_sign(seconds, mttr_minutes_text, static_cast<double>(kMinute));
}

std::string format_rate(std::optional<double> percent) {
  if (!percent || !std::isfinite(*percent)) return "N/A";
  return fmt::format("{:.2f}%", *percent);
}

std::string_view rate_class(std::optional<double> percent) {
  if (!percent) return "low";
  if (*percent >= 90) return "high";
  if (*percent >= 70) return "medium";
  return "low";
}

}  // namespace cipette
