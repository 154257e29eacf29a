#include "cipette/core/runner_rates.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "cipette/core/text.h"

namespace cipette {

namespace {

constexpr int kRateDecimals = 6;

bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// "0.008" -> 8000 millionths; none unless `text` is digits with at most kRateDecimals after an
// optional point (at least one digit in all), at most kMaxRateMicros. Exact: no floating point.
std::optional<std::int64_t> parse_micros(std::string_view text) {
  std::size_t point = text.find('.');
  std::string_view whole = text.substr(0, point);
  std::string_view fraction =
      point == std::string_view::npos ? std::string_view{} : text.substr(point + 1);
  bool digits = std::all_of(whole.begin(), whole.end(), is_digit) &&
                std::all_of(fraction.begin(), fraction.end(), is_digit);
  if (!digits || (whole.empty() && fraction.empty()) || std::ssize(fraction) > kRateDecimals ||
      (point != std::string_view::npos && fraction.empty())) {
    return std::nullopt;
  }
  std::int64_t micros = 0;
  for (char c : whole) {
    micros = micros * 10 + std::int64_t{c - '0'} * 1'000'000;
    if (micros > kMaxRateMicros) return std::nullopt;
  }
  std::int64_t scale = 100'000;
  for (char c : fraction) {
    micros += std::int64_t{c - '0'} * scale;
    scale /= 10;
  }
  if (micros > kMaxRateMicros) return std::nullopt;
  return micros;
}

// One LABEL=RATE item; fails saying what is wrong with it.
Result<RunnerRate> parse_item(std::string_view item) {
  std::size_t eq = item.find('=');
  if (eq == std::string_view::npos) {
    return fail(fmt::format("\"{}\" has no '=' (expected label=rate)", item));
  }
  std::string_view label = trim_whitespace(item.substr(0, eq));
  std::string_view rate = trim_whitespace(item.substr(eq + 1));
  if (label.empty()) return fail(fmt::format("\"{}\" has an empty runner label", item));
  if (rate.starts_with('-')) {
    return fail(fmt::format("\"{}\": a rate cannot be negative", item));
  }
  auto micros = parse_micros(rate);
  if (!micros) {
    return fail(
        fmt::format("\"{}\": the rate must be a number from 0 to 1000000 with at most {} decimals",
                    item, kRateDecimals));
  }
  return RunnerRate{std::string(label), *micros};
}

}  // namespace

Result<RunnerRates> parse_runner_rates(std::string_view text) {
  RunnerRates rates;
  while (!text.empty()) {
    std::size_t comma = text.find(',');
    std::string_view item = trim_whitespace(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (item.empty()) continue;
    auto rate = parse_item(item);
    if (!rate) return rate.error();
    // Labels match ignoring case, so "Linux" after "linux" could never apply: a mistake.
    if (rate_for_labels(rates, {rate->label}) != nullptr) {
      return fail(fmt::format(R"("{}": runner label "{}" is given twice)", item, rate->label));
    }
    rates.push_back(std::move(*rate));
  }
  return rates;
}

const RunnerRate* rate_for_labels(const RunnerRates& rates,
                                  const std::vector<std::string>& labels) {
  for (const RunnerRate& rate : rates) {
    bool found = std::any_of(labels.begin(), labels.end(), [&](const std::string& label) {
      return equal_ignoring_case(label, rate.label);
    });
    if (found) return &rate;
  }
  return nullptr;
}

std::optional<CostEstimate> estimate_cost(const RunnerRates& rates, const RunnerRow& row) {
  const RunnerRate* rate = rate_for_labels(rates, row.labels);
  if (rate == nullptr) return std::nullopt;
  // Minutes times millionths is exact in a double up to 2^53 (9e9 minutes at 1 per minute),
  // so that one division gives the nearest double to the decimal cost: 37 × 8000 / 1e6 = 0.296.
  double cost = static_cast<double>(row.billable_minutes) *
                static_cast<double>(rate->micros_per_minute) / 1e6;
  return CostEstimate{rate, cost};
}

std::string format_amount(double amount) {
  std::string text = fmt::format("{:.{}f}", amount, kRateDecimals);
  if (text.find('.') != std::string::npos) {
    while (text.ends_with('0')) text.pop_back();
    if (text.ends_with('.')) text.pop_back();
  }
  return text;
}

}  // namespace cipette
