#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "cipette/core/metrics.h"
#include "cipette/core/run.h"

namespace cipette::web {

// Decoded query parameters as cpp-httplib delivers them (httplib::Params).
using QueryParams = std::multimap<std::string, std::string>;

// Why a request's parameters were refused: the API answers 400 with
// {"error": {"parameter": parameter, "message": text()}}, the pages a 400 page showing text().
struct ParamProblem {
  std::string parameter;
  std::string message;  // without the parameter's name, like PeriodError; names the bad value

  // The message as shown, its subject first as the CLI names its flags:
  // "page: expected a whole number from 1 to 1000000; got \"abc\"".
  std::string text() const { return parameter + ": " + message; }
};

// A value parsed from query parameters, or the problem with them.
template <typename T>
class [[nodiscard]] Parsed {
 public:
  Parsed(T value) : state_(std::move(value)) {}                 // NOLINT: implicit
  Parsed(ParamProblem problem) : state_(std::move(problem)) {}  // NOLINT: implicit

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  // REQUIRES: has_value().
  const T& value() const { return std::get<0>(state_); }
  const T& operator*() const { return value(); }
  const T* operator->() const { return &value(); }
  // REQUIRES: !has_value().
  const ParamProblem& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, ParamProblem> state_;
};

// What a parameter an endpoint does not know gets: the API refuses it (a typo there would
// silently widen a query), the HTML pages ignore it (links shared in chats gain utm_source=...).
enum class UnknownParameters { kRefuse, kIgnore };

// Which parameters an endpoint accepts beyond the scope ones (period, days, from, to,
// repository, workflow, branch, event).
struct QueryRules {
  bool scope = true;     // false: no parameters at all (/api/v1/repositories, /healthz)
  bool paging = false;   // page, per_page
  bool outcome = false;  // outcome=success|failed|neutral
  int default_per_page = 50;
  bool attempt_filters = false;  // rerun=0|1, flaky=0|1
  bool job = false;              // job=NAME: a job group of the workflow (/api/v1/jobs)
  UnknownParameters unknown = UnknownParameters::kRefuse;
  // Pages: a page that is not a page number (0, -1, "x") is page 1, one past kMaxPage is
  // kMaxPage (the page then shows its last page); the API refuses them.
  bool clamp_page = false;
};

// A validated request scope.
struct ScopeQuery {
  Scope scope;
  // The parameters as the user gave them, normalised (fixed order, empty values dropped,
  // period "custom" implied by from/to), URL-encoded: for links and forms that keep the view.
  std::string link_query;
  // The scope as resolved (repository lower-cased, range bounds as time stamps): equal keys
  // select the same runs. For the response cache; excludes `now` for day periods.
  std::string cache_key;
  std::string period;  // the period control's value: "7", "30", "90", "all", "custom" or "N"
  std::string from;    // as given, for the form; "" unless a custom range
  std::string to;
};

struct ListQuery {
  ScopeQuery scope;
  int page = 1;  // 1-based
  int per_page = 50;
  std::optional<Outcome> outcome;
  bool reruns_only = false;  // rerun=1: runs with more than one attempt
  bool flaky_only = false;   // flaky=1: flaky runs (docs/metrics.md, "Re-runs and flakiness")
  std::string cache_key;     // scope.cache_key plus paging, outcome, the attempt filters, job
  std::string job;           // job=NAME, "" when not given
};

inline constexpr int kDefaultPeriodDays = 30;
inline constexpr int kMaxPerPage = 500;
inline constexpr int kMaxPage = 1000000;
inline constexpr std::size_t kMaxValueBytes = 256;

// Validates `params` against `rules` and reads the scope and list options. Refuses, naming the
// parameter: unknown or repeated parameters, names or values that are not valid UTF-8 or hold
// control characters, values longer than kMaxValueBytes, a bad period (not 1..3650 days,
// "all" or "custom"), `days` beside `period`, malformed or inverted dates, a repository that is
// not "owner/name", page or per_page out of range, an unknown outcome, rerun or flaky other
// than 0 or 1. `now` is the reference
// time of day periods. Empty values count as not given (HTML forms send empty fields).
Parsed<ListQuery> parse_list_query(const QueryParams& params, const QueryRules& rules,
                                   Timestamp now);

// parse_list_query with scope parameters only.
Parsed<ScopeQuery> parse_scope_query(const QueryParams& params, Timestamp now,
                                     UnknownParameters unknown = UnknownParameters::kRefuse);

// Refuses any parameter (for endpoints that take none).
std::optional<ParamProblem> reject_any_parameter(const QueryParams& params);

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF).
bool is_valid_utf8(std::string_view text);

}  // namespace cipette::web
