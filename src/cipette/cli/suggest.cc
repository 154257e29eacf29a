#include "cipette/cli/suggest.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

namespace cipette::cli {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // One row of the dynamic programme at a time: row[j] is the distance from a[0, i) to b[0, j).
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];  // distance from a[0, i-1) to b[0, j-1)
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitute});
    }
  }
  return row[b.size()];
}

std::optional<std::string> nearest_name(std::string_view typed,
                                        const std::vector<std::string>& names) {
  std::size_t limit = std::max<std::size_t>(1, (typed.size() + 2) / 3);
  std::optional<std::string> best;
  std::size_t best_distance = limit + 1;
  for (const std::string& name : names) {
    std::size_t distance = edit_distance(typed, name);
    if (distance < best_distance) {
      best = name;
      best_distance = distance;
    }
  }
  return best;
}

std::string nearest_names(std::string_view typed, std::vector<std::string> names,
                          std::size_t count) {
  if (names.empty()) return "none";
  std::vector<std::pair<std::size_t, std::string>> ranked;
  ranked.reserve(names.size());
  for (std::string& name : names) ranked.emplace_back(edit_distance(typed, name), std::move(name));
  std::size_t shown = std::min(count, ranked.size());
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(shown),
                    ranked.end());
  std::string text;
  for (std::size_t i = 0; i < shown; ++i) text += (i == 0 ? "" : ", ") + ranked[i].second;
  if (ranked.size() > shown) text += fmt::format(" and {} more", ranked.size() - shown);
  return text;
}

}  // namespace cipette::cli
