#pragma once

// The cells of the terminal tables and CSV outputs (report_text.h, job_report_text.h): one
// policy for names from GitHub in a terminal and in a spreadsheet.

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace cipette::views {

// Replaces control characters (ESC, CR, ...) with '?' so GitHub-supplied names cannot move the
// cursor or recolour the terminal; keeps UTF-8 sequences intact.
std::string printable(std::string_view text);

// Display width in code points (continuation bytes 10xxxxxx do not count).
std::size_t display_width(std::string_view text);

// Cuts `text` to at most `max` code points, ending in "…" when cut.
std::string clip(const std::string& text, std::size_t max);

// A name for a table cell: printable, clipped to 40 code points.
std::string name_cell(const std::string& text);

// A duration cell ("3m 48s") or "-" without a value.
std::string duration_cell(const std::optional<double>& seconds);
std::string duration_cell(const std::optional<std::int64_t>& seconds);

// `lines` (the first one the header) as aligned columns: the first `name_columns` left-aligned,
// the others right-aligned, two spaces apart. REQUIRES: every line has as many cells.
std::string aligned_columns(const std::vector<std::vector<std::string>>& lines,
                            std::size_t name_columns);

// One CSV cell (RFC 4180 quoting). A cell that a spreadsheet would run as a formula (starting
// with = + - @ tab or CR) gets a leading ' (OWASP's advice on CSV injection).
std::string csv_cell(const std::string& value);

// An optional number as a CSV cell: "" without a value, 2 decimals for a floating value.
template <typename T>
std::string csv_optional(const std::optional<T>& value) {
  if (!value) return "";
  if constexpr (std::is_floating_point_v<T>) return fmt::format("{:.2f}", *value);
  return std::to_string(*value);
}

// One CSV line of `cells` (already csv_cell'd where needed), ended by CRLF.
std::string csv_line(const std::vector<std::string>& cells);

}  // namespace cipette::views
