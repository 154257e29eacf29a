#include "cipette/web/query.h"

#include <gtest/gtest.h>

#include "cipette/core/time.h"

namespace cipette::web {
namespace {

// 2024-03-10T12:00:00Z.
const Timestamp kNow = days_from_civil(2024, 3, 10) * kSecondsPerDay + 12 * 3600;

Parsed<ScopeQuery> scope(const QueryParams& params) { return parse_scope_query(params, kNow); }

std::string problem_parameter(const QueryParams& params, const QueryRules& rules = {}) {
  auto parsed = parse_list_query(params, rules, kNow);
  return parsed ? "" : parsed.error().parameter;
}

TEST(QueryTest, NoParametersMeanTheLastThirtyDays) {
  auto parsed = scope({});
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->scope.period.kind, Period::Kind::kDays);
  EXPECT_EQ(parsed->scope.period.days, 30);
  EXPECT_EQ(parsed->scope.now, kNow);
  EXPECT_EQ(parsed->period, "30");
  EXPECT_EQ(parsed->link_query, "period=30");
}

TEST(QueryTest, PeriodAcceptsTheStandardChoicesAndAll) {
  for (const char* days : {"7", "30", "90"}) {
    auto parsed = scope({{"period", days}});
    ASSERT_TRUE(parsed) << days;
    EXPECT_EQ(parsed->scope.period.days, std::stoi(days));
  }
  auto all = scope({{"period", "all"}});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->scope.period.kind, Period::Kind::kAll);
  EXPECT_EQ(all->period, "all");
}

TEST(QueryTest, TheOriginalDaysParameterStillSelectsAPeriod) {
  auto parsed = scope({{"days", "14"}});
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->scope.period.kind, Period::Kind::kDays);
  EXPECT_EQ(parsed->scope.period.days, 14);
  // Normalised to the new name in links.
  EXPECT_EQ(parsed->link_query, "period=14");
}

TEST(QueryTest, BadPeriodsNameTheParameter) {
  EXPECT_EQ(problem_parameter({{"period", "weekly"}}), "period");
  EXPECT_EQ(problem_parameter({{"period", "0"}}), "period");
  EXPECT_EQ(problem_parameter({{"period", "3651"}}), "period");
  EXPECT_EQ(problem_parameter({{"days", "-5"}}), "days");
  EXPECT_EQ(problem_parameter({{"days", "99999999999999999999"}}), "days");
  EXPECT_EQ(problem_parameter({{"days", "1e3"}}), "days");
  EXPECT_EQ(problem_parameter({{"days", "7"}, {"period", "30"}}), "days");
}

TEST(QueryTest, CustomRangeIncludesTheWholeLastDay) {
  auto parsed = scope({{"period", "custom"}, {"from", "2024-02-01"}, {"to", "2024-02-29"}});
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->scope.period.kind, Period::Kind::kRange);
  EXPECT_EQ(parsed->scope.period.from, days_from_civil(2024, 2, 1) * kSecondsPerDay);
  // "to" names a whole day: the range ends at the next midnight, 2024-03-01.
  EXPECT_EQ(parsed->scope.period.to, days_from_civil(2024, 3, 1) * kSecondsPerDay);
  EXPECT_EQ(parsed->period, "custom");
  EXPECT_EQ(parsed->link_query, "period=custom&from=2024-02-01&to=2024-02-29");
}

TEST(QueryTest, FromAndToWithoutPeriodAreACustomRange) {
  auto parsed = scope({{"from", "2024-03-01"}});
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->scope.period.kind, Period::Kind::kRange);
  EXPECT_EQ(parsed->scope.period.to, kNow);
}

TEST(QueryTest, MalformedOrInvertedDatesNameTheParameter) {
  EXPECT_EQ(problem_parameter({{"from", "2024-13-01"}}), "from");
  EXPECT_EQ(problem_parameter({{"from", "2023-02-30"}}), "from");
  EXPECT_EQ(problem_parameter({{"from", "yesterday"}}), "from");
  EXPECT_EQ(problem_parameter({{"from", "2024-03-05"}, {"to", "2024-03-01"}}), "to");
  EXPECT_EQ(problem_parameter({{"period", "custom"}}), "from");
  EXPECT_EQ(problem_parameter({{"period", "30"}, {"from", "2024-03-01"}}), "period");
}

TEST(QueryTest, EmptyValuesCountAsNotGiven) {
  auto parsed = scope({{"period", "7"}, {"from", ""}, {"to", ""}, {"branch", ""}});
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->scope.period.days, 7);
  EXPECT_EQ(parsed->scope.branch, "");
}

TEST(QueryTest, UnknownAndRepeatedParametersAreRefused) {
  EXPECT_EQ(problem_parameter({{"colour", "red"}}), "colour");
  EXPECT_EQ(problem_parameter({{"period", "7"}, {"period", "30"}}), "period");
  // Paging belongs to list endpoints only.
  EXPECT_EQ(problem_parameter({{"page", "2"}}), "page");
  EXPECT_EQ(problem_parameter({{"page", "2"}}, QueryRules{true, true, false, 50}), "");
}

TEST(QueryTest, InvalidUtf8AndControlCharactersAreRefused) {
  EXPECT_EQ(problem_parameter({{"branch", "main\xFF"}}), "branch");
  EXPECT_EQ(problem_parameter({{"branch", "\xC0\xAF"}}), "branch");  // overlong '/'
  EXPECT_EQ(problem_parameter({{"event", "push\n"}}), "event");
  auto bad_name = parse_scope_query({{"bra\xFFnch", "x"}}, kNow);
  ASSERT_FALSE(bad_name);
  EXPECT_TRUE(is_valid_utf8(bad_name.error().parameter));
  EXPECT_EQ(problem_parameter({{"branch", std::string(kMaxValueBytes + 1, 'b')}}), "branch");
}

TEST(QueryTest, RepositoryMustBeOwnerSlashName) {
  EXPECT_EQ(problem_parameter({{"repository", "no-slash"}}), "repository");
  EXPECT_EQ(problem_parameter({{"repository", "a/b/c"}}), "repository");
  auto parsed = scope({{"repository", "Octo/App"}});
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->scope.repository, "Octo/App");
}

TEST(QueryTest, CacheKeyIgnoresRepositoryCaseAndTheDaysSpelling) {
  auto a = scope({{"repository", "Octo/App"}, {"days", "7"}});
  auto b = scope({{"repository", "octo/app"}, {"period", "7"}});
  auto c = scope({{"repository", "octo/app"}, {"period", "30"}});
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->cache_key, b->cache_key);
  EXPECT_NE(b->cache_key, c->cache_key);
}

TEST(QueryTest, FiltersAreKeptVerbatimAndEncodedInLinks) {
  auto parsed = scope({{"branch", "feature/a b&c"}, {"event", "push"}, {"workflow", "CI"}});
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->scope.branch, "feature/a b&c");
  EXPECT_EQ(parsed->link_query, "period=30&workflow=CI&branch=feature%2Fa%20b%26c&event=push");
}

TEST(QueryTest, PagingAndOutcomeAreValidated) {
  QueryRules rules{true, true, true, 50};
  auto parsed =
      parse_list_query({{"page", "3"}, {"per_page", "20"}, {"outcome", "failed"}}, rules, kNow);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->page, 3);
  EXPECT_EQ(parsed->per_page, 20);
  EXPECT_EQ(parsed->outcome, Outcome::kFailed);
  EXPECT_EQ(problem_parameter({{"page", "0"}}, rules), "page");
  EXPECT_EQ(problem_parameter({{"per_page", "501"}}, rules), "per_page");
  EXPECT_EQ(problem_parameter({{"per_page", "ten"}}, rules), "per_page");
  EXPECT_EQ(problem_parameter({{"outcome", "cancelled"}}, rules), "outcome");
}

TEST(QueryTest, RerunAndFlakyFiltersAreZeroOrOne) {
  QueryRules rules{true, true, true, 50, true};
  auto both = parse_list_query({{"rerun", "1"}, {"flaky", "1"}}, rules, kNow);
  ASSERT_TRUE(both);
  EXPECT_TRUE(both->reruns_only);
  EXPECT_TRUE(both->flaky_only);
  auto off = parse_list_query({{"rerun", "0"}, {"flaky", ""}}, rules, kNow);
  ASSERT_TRUE(off);
  EXPECT_FALSE(off->reruns_only);
  EXPECT_FALSE(off->flaky_only);
  for (const char* nonsense : {"yes", "true", "2", "-1", "01", " 1"}) {
    EXPECT_EQ(problem_parameter({{"rerun", nonsense}}, rules), "rerun") << nonsense;
    EXPECT_EQ(problem_parameter({{"flaky", nonsense}}, rules), "flaky") << nonsense;
  }
  EXPECT_EQ(problem_parameter({{"flaky", "1"}, {"flaky", "1"}}, rules), "flaky");
  // Only endpoints that list runs take them.
  EXPECT_EQ(problem_parameter({{"flaky", "1"}}, QueryRules{true, true, true, 50}), "flaky");
  EXPECT_EQ(problem_parameter({{"rerun", "1"}}), "rerun");
}

TEST(QueryTest, TheAttemptFiltersArePartOfTheCacheKey) {
  QueryRules rules{true, true, true, 50, true};
  auto none = parse_list_query({}, rules, kNow);
  auto zero = parse_list_query({{"flaky", "0"}}, rules, kNow);
  auto flaky = parse_list_query({{"flaky", "1"}}, rules, kNow);
  auto rerun = parse_list_query({{"rerun", "1"}}, rules, kNow);
  ASSERT_TRUE(none && zero && flaky && rerun);
  EXPECT_EQ(none->cache_key, zero->cache_key);
  EXPECT_NE(none->cache_key, flaky->cache_key);
  EXPECT_NE(none->cache_key, rerun->cache_key);
  EXPECT_NE(flaky->cache_key, rerun->cache_key);
}

TEST(QueryTest, EndpointsWithoutParametersRefuseAny) {
  EXPECT_FALSE(reject_any_parameter({}));
  auto problem = reject_any_parameter({{"verbose", "1"}});
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->parameter, "verbose");
}

TEST(QueryTest, Utf8ValidatorFollowsTheStandard) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x9A\x80"));  // é € 🚀
  EXPECT_FALSE(is_valid_utf8("\x80"));              // lone continuation byte
  EXPECT_FALSE(is_valid_utf8("\xC3"));              // truncated
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\x80"));      // overlong
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate U+D800
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
}

}  // namespace
}  // namespace cipette::web
