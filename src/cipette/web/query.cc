#include "cipette/web/query.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include "cipette/core/period_parse.h"
#include "cipette/web/html.h"

namespace cipette::web {

namespace {

constexpr std::array<std::string_view, 8> kScopeNames = {
    "period", "days", "from", "to", "repository", "workflow", "branch", "event"};

// The parameters of one request by name, after the checks every value goes through.
using Values = std::map<std::string, std::string, std::less<>>;

std::string_view value_of(const Values& values, std::string_view name) {
  auto found = values.find(name);
  return found == values.end() ? std::string_view() : std::string_view(found->second);
}

bool is_allowed(std::string_view name, const QueryRules& rules) {
  if (!rules.scope) return false;
  if (std::find(kScopeNames.begin(), kScopeNames.end(), name) != kScopeNames.end()) return true;
  if (rules.paging && (name == "page" || name == "per_page")) return true;
  if (rules.attempt_filters && (name == "rerun" || name == "flaky")) return true;
  if (rules.job && name == "job") return true;
  return rules.outcome && name == "outcome";
}

// A parameter name or value safe to echo back in an error document (which must be valid
// UTF-8), at most 64 bytes.
std::string printable(std::string_view text) {
  if (is_valid_utf8(text)) return std::string(text.substr(0, 64));
  std::string out;
  for (char c : text.substr(0, 64)) out += static_cast<unsigned char>(c) < 0x80 ? c : '?';
  return out;
}

std::optional<ParamProblem> check_value(const std::string& name, std::string_view value) {
  if (!is_valid_utf8(value)) {
    return ParamProblem{name, fmt::format("not valid UTF-8; got \"{}\"", printable(value))};
  }
  if (value.size() > kMaxValueBytes) {
    return ParamProblem{name, fmt::format("longer than {} bytes; got {} bytes starting \"{}\"",
                                          kMaxValueBytes, value.size(), printable(value))};
  }
  bool control = std::any_of(value.begin(), value.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7F;
  });
  if (control) return ParamProblem{name, "contains control characters (a line break, a tab...)"};
  return std::nullopt;
}

// Checks names (known to this endpoint, each given once) and values; collects the non-empty
// ones.
Parsed<Values> collect_values(const QueryParams& params, const QueryRules& rules) {
  Values values;
  std::map<std::string, int, std::less<>> seen;
  for (const auto& [name, value] : params) {
    if (rules.unknown == UnknownParameters::kIgnore && !is_allowed(name, rules)) continue;
    if (!is_valid_utf8(name)) {
      return ParamProblem{printable(name), "this parameter name is not valid UTF-8"};
    }
    if (!is_allowed(name, rules)) {
      return ParamProblem{printable(name), fmt::format("not a parameter of this endpoint; got "
                                                       "\"{}\"",
                                                       printable(value))};
    }
    if (++seen[name] > 1) {
      return ParamProblem{name,
                          fmt::format("given more than once; got \"{}\" again", printable(value))};
    }
    if (auto problem = check_value(name, value)) return *problem;
    if (!value.empty()) values.emplace(name, value);
  }
  return values;
}

Parsed<int> parse_int(const Values& values, const std::string& name, int fallback, int low,
                      int high) {
  std::string_view text = value_of(values, name);
  if (text.empty()) return fallback;
  int number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || end != text.data() + text.size() || number < low || number > high) {
    return ParamProblem{name, fmt::format("expected a whole number from {} to {}; got \"{}\"", low,
                                          high, text.substr(0, 64))};
  }
  return number;
}

// A page number parse_int refused, for pages that show the nearest page: digits only (too
// large) give kMaxPage, anything else (0, -1, "x") page 1.
int clamped_page(std::string_view text) {
  bool digits = std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  bool zero = text.find_first_not_of('0') == std::string_view::npos;
  return digits && !zero ? kMaxPage : 1;
}

std::string_view field_name(PeriodField field, bool days_given) {
  switch (field) {
    case PeriodField::kPeriod:
      return days_given ? "days" : "period";
    case PeriodField::kFrom:
      return "from";
    case PeriodField::kTo:
      return "to";
  }
  return "period";
}

// Reads period/days/from/to into query.scope.period and the form values.
std::optional<ParamProblem> read_period(const Values& values, Timestamp now, ScopeQuery& query) {
  std::string_view period = value_of(values, "period");
  std::string_view days = value_of(values, "days");
  std::string_view from = value_of(values, "from");
  std::string_view to = value_of(values, "to");
  if (!days.empty() && !period.empty()) {
    return ParamProblem{"days", fmt::format("cannot be combined with period (days is its older "
                                            "name); got days=\"{}\" and period=\"{}\"",
                                            days.substr(0, 64), period.substr(0, 64))};
  }
  bool custom = period == "custom";
  if (custom && from.empty()) {
    return ParamProblem{"from",
                        "period=custom needs from and to (YYYY-MM-DD; without to the "
                        "range ends now); from was not given"};
  }
  PeriodInput input{custom ? std::string_view() : (days.empty() ? period : days), from, to};
  PeriodError error{PeriodField::kPeriod, ""};
  auto parsed = parse_period(input, now, Period::last_days(kDefaultPeriodDays), &error);
  if (!parsed) {
    std::string message = error.message;
    bool bad_days = error.field == PeriodField::kPeriod && from.empty() && to.empty();
    if (bad_days && days.empty()) message += " (or \"custom\")";
    return ParamProblem{std::string(field_name(error.field, !days.empty())), message};
  }
  query.scope.period = *parsed;
  query.scope.now = now;
  switch (parsed->kind) {
    case Period::Kind::kAll:
      query.period = "all";
      break;
    case Period::Kind::kDays:
      query.period = std::to_string(parsed->days);
      break;
    case Period::Kind::kRange:
      query.period = "custom";
      query.from = std::string(from);
      query.to = std::string(to);
      break;
  }
  return std::nullopt;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void build_keys(ScopeQuery& query) {
  const Scope& s = query.scope;
  query.link_query = query_string({{"period", query.period},
                                   {"from", query.from},
                                   {"to", query.to},
                                   {"repository", s.repository},
                                   {"workflow", s.workflow},
                                   {"branch", s.branch},
                                   {"event", s.event}});
  std::string period = s.period.kind == Period::Kind::kRange
                           ? fmt::format("{}-{}", s.period.from, s.period.to)
                           : query.period;
  query.cache_key = fmt::format("p={}&r={}&w={}&b={}&e={}", period, url_encode(lower(s.repository)),
                                url_encode(s.workflow), url_encode(s.branch), url_encode(s.event));
}

Parsed<ScopeQuery> read_scope(const Values& values, Timestamp now) {
  ScopeQuery query;
  if (auto problem = read_period(values, now, query)) return *problem;
  std::string_view repository = value_of(values, "repository");
  if (!repository.empty() && !is_valid_repository_name(repository)) {
    return ParamProblem{
        "repository", fmt::format(R"(expected "owner/name"; got "{}")", repository.substr(0, 64))};
  }
  query.scope.repository = std::string(repository);
  query.scope.workflow = std::string(value_of(values, "workflow"));
  query.scope.branch = std::string(value_of(values, "branch"));
  query.scope.event = std::string(value_of(values, "event"));
  build_keys(query);
  return query;
}

Parsed<std::optional<Outcome>> read_outcome(const Values& values) {
  std::string_view text = value_of(values, "outcome");
  if (text.empty()) return std::optional<Outcome>();
  if (text == "success") return std::optional<Outcome>(Outcome::kSuccess);
  if (text == "failed") return std::optional<Outcome>(Outcome::kFailed);
  if (text == "neutral") return std::optional<Outcome>(Outcome::kNeutral);
  return ParamProblem{"outcome", fmt::format("expected success, failed or neutral; got \"{}\"",
                                             text.substr(0, 64))};
}

// A yes/no filter: "1" or "0" (absent or empty: no).
Parsed<bool> read_flag(const Values& values, const std::string& name) {
  std::string_view text = value_of(values, name);
  if (text.empty() || text == "0") return false;
  if (text == "1") return true;
  return ParamProblem{name, fmt::format("expected 1 or 0; got \"{}\"", text.substr(0, 64))};
}

}  // namespace

Parsed<ListQuery> parse_list_query(const QueryParams& params, const QueryRules& rules,
                                   Timestamp now) {
  auto values = collect_values(params, rules);
  if (!values) return values.error();
  auto scope = read_scope(*values, now);
  if (!scope) return scope.error();
  ListQuery query{*scope, 1, rules.default_per_page, std::nullopt, false, false, "", ""};
  auto page = parse_int(*values, "page", 1, 1, kMaxPage);
  if (!page && !rules.clamp_page) return page.error();
  auto per_page = parse_int(*values, "per_page", rules.default_per_page, 1, kMaxPerPage);
  if (!per_page) return per_page.error();
  auto outcome = read_outcome(*values);
  if (!outcome) return outcome.error();
  auto reruns_only = read_flag(*values, "rerun");
  if (!reruns_only) return reruns_only.error();
  auto flaky_only = read_flag(*values, "flaky");
  if (!flaky_only) return flaky_only.error();
  query.page = page ? *page : clamped_page(value_of(*values, "page"));
  query.per_page = *per_page;
  query.outcome = *outcome;
  query.reruns_only = *reruns_only;
  query.flaky_only = *flaky_only;
  query.job = std::string(value_of(*values, "job"));
  query.cache_key = fmt::format("{}&page={}&per_page={}&outcome={}&rerun={:d}&flaky={:d}&job={}",
                                query.scope.cache_key, query.page, query.per_page,
                                query.outcome ? outcome_name(*query.outcome) : "",
                                query.reruns_only, query.flaky_only, url_encode(query.job));
  return query;
}

Parsed<ScopeQuery> parse_scope_query(const QueryParams& params, Timestamp now,
                                     UnknownParameters unknown) {
  // parse_list_query's checks with scope parameters only, without its paging key (this runs
  // on every metrics and dashboard request, cache hits included).
  QueryRules rules;
  rules.unknown = unknown;
  auto values = collect_values(params, rules);
  if (!values) return values.error();
  return read_scope(*values, now);
}

std::optional<ParamProblem> reject_any_parameter(const QueryParams& params) {
  if (params.empty()) return std::nullopt;
  const auto& [name, value] = *params.begin();
  return ParamProblem{printable(name), fmt::format("this endpoint takes no parameters; got \"{}\"",
                                                   printable(value))};
}

bool is_valid_utf8(std::string_view text) {
  static constexpr std::uint32_t kMinimum[] = {0, 0x80, 0x800, 0x10000};
  std::size_t i = 0;
  while (i < text.size()) {
    auto lead = static_cast<unsigned char>(text[i]);
    int extra = lead < 0x80           ? 0
                : (lead >> 5) == 0x6  ? 1
                : (lead >> 4) == 0xE  ? 2
                : (lead >> 3) == 0x1E ? 3
                                      : -1;
    if (extra < 0 || text.size() - i <= static_cast<std::size_t>(extra)) return false;
    std::uint32_t code = extra == 0 ? lead : lead & (0x3Fu >> extra);
    for (int k = 1; k <= extra; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3Fu);
    }
    if (code < kMinimum[extra] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
      return false;
    }
    i += static_cast<std::size_t>(extra) + 1;
  }
  return true;
}

}  // namespace cipette::web
