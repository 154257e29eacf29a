#include "fake_github/created_filter.h"

#include <string>

namespace cipette::fake_github {
namespace {

// The first and last second a date or date-time value stands for.
Result<TimeRange> parse_value(std::string_view text) {
  auto start = parse_date_or_timestamp(text);
  if (!start) return start.error();
  const bool date_only = text.find('T') == std::string_view::npos;
  const Timestamp last = date_only ? *start + kSecondsPerDay - 1 : *start;
  return TimeRange{*start, last};
}

Result<TimeRange> parse_range(std::string_view text, std::size_t dots) {
  const std::string_view low = text.substr(0, dots);
  const std::string_view high = text.substr(dots + 2);
  TimeRange range;
  if (low != "*") {
    auto value = parse_value(low);
    if (!value) return value.error();
    range.from = value->from;
  }
  if (high != "*") {
    auto value = parse_value(high);
    if (!value) return value.error();
    range.to = value->to;
  }
  return range;
}

Result<TimeRange> parse_comparison(std::string_view text) {
  const bool inclusive = text.size() > 1 && text[1] == '=';
  const std::string_view operand = text.substr(inclusive ? 2 : 1);
  auto value = parse_value(operand);
  if (!value) return value.error();
  TimeRange range;
  if (text[0] == '>') {
    range.from = inclusive ? value->from : value->to + 1;
  } else {
    range.to = inclusive ? value->to : value->from - 1;
  }
  return range;
}

}  // namespace

Result<TimeRange> parse_created(std::string_view text) {
  Result<TimeRange> range = TimeRange{};
  if (text.empty()) {
    return fail("created: empty value");
  } else if (const auto dots = text.find(".."); dots != std::string_view::npos) {
    range = parse_range(text, dots);
  } else if (text[0] == '>' || text[0] == '<') {
    range = parse_comparison(text);
  } else {
    range = parse_value(text);
  }
  if (!range) return fail("created: \"", std::string(text), "\": ", range.error().message);
  return range;
}

}  // namespace cipette::fake_github
