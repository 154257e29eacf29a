#include "cipette/views/text_cells.h"

#include <algorithm>

#include "cipette/core/format.h"

namespace cipette::views {

namespace {

constexpr std::size_t kMaxNameWidth = 40;

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    out.push_back(byte < 0x20 || byte == 0x7f ? '?' : c);
  }
  return out;
}

std::size_t display_width(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string clip(const std::string& text, std::size_t max) {
  if (display_width(text) <= max) return text;
  std::size_t points = 0;
  std::size_t i = 0;
  for (; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && ++points == max) break;
  }
  return text.substr(0, i) + "…";
}

std::string name_cell(const std::string& text) { return clip(printable(text), kMaxNameWidth); }

std::string duration_cell(const std::optional<double>& seconds) {
  return seconds ? format_duration(*seconds) : "-";
}

std::string duration_cell(const std::optional<std::int64_t>& seconds) {
  return seconds ? format_duration(static_cast<double>(*seconds)) : "-";
}

std::string aligned_columns(const std::vector<std::vector<std::string>>& lines,
                            std::size_t name_columns) {
  std::vector<std::size_t> widths;
  for (const auto& line : lines) {
    widths.resize(std::max(widths.size(), line.size()), 0);
    for (std::size_t c = 0; c < line.size(); ++c) {
      widths[c] = std::max(widths[c], display_width(line[c]));
    }
  }
  std::string out;
  for (const auto& line : lines) {
    for (std::size_t c = 0; c < line.size(); ++c) {
      std::size_t pad = widths[c] - display_width(line[c]);
      if (c >= name_columns) out.append(pad, ' ');
      out += line[c];
      if (c < name_columns) out.append(pad, ' ');
      out += c + 1 < line.size() ? "  " : "\n";
    }
  }
  return out;
}

std::string csv_cell(const std::string& value) {
  std::string cell;
  cell.reserve(value.size() + 1);
  if (!value.empty() && std::string_view("=+-@\t\r").find(value[0]) != std::string_view::npos) {
    cell.push_back('\'');
  }
  cell.append(value);
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (char c : cell) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string csv_line(const std::vector<std::string>& cells) {
  return fmt::format("{}\r\n", fmt::join(cells, ","));
}

}  // namespace cipette::views
