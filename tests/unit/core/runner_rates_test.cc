// Configured per-minute rates (CIPETTE_RUNNER_RATES): parsing, which rate applies to a runner
// label set, and the estimated cost, with figures worked out by hand.
#include "cipette/core/runner_rates.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace cipette {
namespace {

RunnerRates parsed(std::string_view text) {
  auto rates = parse_runner_rates(text);
  EXPECT_TRUE(rates) << rates.error().message;
  return rates ? *rates : RunnerRates{};
}

std::string error_of(std::string_view text) {
  auto rates = parse_runner_rates(text);
  EXPECT_FALSE(rates) << text;
  return rates ? std::string() : rates.error().message;
}

RunnerRow row_of(std::vector<std::string> labels, std::int64_t billable_minutes) {
  RunnerRow row;
  row.labels = std::move(labels);
  row.billable_minutes = billable_minutes;
  return row;
}

// --- Parsing -----------------------------------------------------------------------------------

TEST(RunnerRatesTest, ParsesLabelsAndRatesInTheConfiguredOrderAsMillionths) {
  RunnerRates rates = parsed("ubuntu-latest=0.008, windows-latest = 0.016 ,macos-latest=0.08");
  ASSERT_EQ(rates.size(), 3U);
  EXPECT_EQ(rates[0].label, "ubuntu-latest");
  EXPECT_EQ(rates[0].micros_per_minute, 8'000);
  EXPECT_EQ(rates[1].label, "windows-latest");
  EXPECT_EQ(rates[1].micros_per_minute, 16'000);
  EXPECT_EQ(rates[2].label, "macos-latest");
  EXPECT_EQ(rates[2].micros_per_minute, 80'000);
  EXPECT_DOUBLE_EQ(rates[0].per_minute(), 0.008);
}

TEST(RunnerRatesTest, AcceptsWholeNumbersZeroSixDecimalsAndALeadingPoint) {
  RunnerRates rates = parsed("a=2,b=0,c=0.000001,d=.5,e=1000000,f=12.345678");
  ASSERT_EQ(rates.size(), 6U);
  EXPECT_EQ(rates[0].micros_per_minute, 2'000'000);
  EXPECT_EQ(rates[1].micros_per_minute, 0);
  EXPECT_EQ(rates[2].micros_per_minute, 1);
  EXPECT_EQ(rates[3].micros_per_minute, 500'000);
  EXPECT_EQ(rates[4].micros_per_minute, 1'000'000'000'000);
  EXPECT_EQ(rates[5].micros_per_minute, 12'345'678);
}

TEST(RunnerRatesTest, AnEmptyTextOrEmptyItemsGiveNoRates) {
  EXPECT_TRUE(parsed("").empty());
  EXPECT_TRUE(parsed(" , ,").empty());
  EXPECT_EQ(parsed("a=1,,b=2").size(), 2U);
}

TEST(RunnerRatesTest, AnItemWithoutAnEqualsSignIsRefusedNamingIt) {
  EXPECT_EQ(error_of("ubuntu-latest=0.008,windows-latest"),
            "\"windows-latest\" has no '=' (expected label=rate)");
}

TEST(RunnerRatesTest, AnEmptyLabelIsRefusedNamingTheItem) {
  EXPECT_EQ(error_of(" =0.008"), "\"=0.008\" has an empty runner label");
}

TEST(RunnerRatesTest, ANegativeRateIsRefusedNamingTheItem) {
  EXPECT_EQ(error_of("ubuntu-latest=-0.008"),
            "\"ubuntu-latest=-0.008\": a rate cannot be negative");
}

TEST(RunnerRatesTest, ARateThatIsNotAPlainDecimalIsRefusedNamingTheItem) {
  const std::string why = ": the rate must be a number from 0 to 1000000 with at most 6 decimals";
  for (std::string item : {"a=", "a=abc", "a=0.008$", "a=1e-3", "a=1.", "a=.", "a=+1", "a=nan",
                           "a=0.0000001", "a=1000000.000001", "a=99999999999999999999", "a=0 .5"}) {
    EXPECT_EQ(error_of(item), fmt::format("\"{}\"{}", item, why)) << item;
  }
  // A decimal comma ends the item: "5" is the next one, without '='.
  EXPECT_EQ(error_of("a=1,5"), "\"5\" has no '=' (expected label=rate)");
}

TEST(RunnerRatesTest, ALabelGivenTwiceIgnoringCaseIsRefused) {
  EXPECT_EQ(error_of("ubuntu-latest=0.008,linux=1,Ubuntu-Latest=0.01"),
            "\"Ubuntu-Latest=0.01\": runner label \"Ubuntu-Latest\" is given twice");
}

// --- Which rate applies ------------------------------------------------------------------------

TEST(RunnerRatesTest, TheFirstConfiguredLabelInTheLabelSetApplies) {
  RunnerRates rates = parsed("gpu=0.5,linux=0.01,ubuntu-latest=0.008");
  // Both "linux" and "ubuntu-latest" are in the set: "linux" is configured first.
  const RunnerRate* both = rate_for_labels(rates, {"linux", "self-hosted", "ubuntu-latest"});
  ASSERT_NE(both, nullptr);
  EXPECT_EQ(both->label, "linux");
  // "gpu" comes first in the configuration, whatever the order of the row's labels.
  const RunnerRate* gpu = rate_for_labels(rates, {"linux", "gpu"});
  ASSERT_NE(gpu, nullptr);
  EXPECT_EQ(gpu->label, "gpu");
  const RunnerRate* ubuntu = rate_for_labels(rates, {"ubuntu-latest"});
  ASSERT_NE(ubuntu, nullptr);
  EXPECT_EQ(ubuntu->label, "ubuntu-latest");
}

TEST(RunnerRatesTest, LabelsMatchIgnoringCase) {
  RunnerRates rates = parsed("Ubuntu-Latest=0.008");
  const RunnerRate* rate = rate_for_labels(rates, {"ubuntu-latest"});
  ASSERT_NE(rate, nullptr);
  EXPECT_EQ(rate->micros_per_minute, 8'000);
}

TEST(RunnerRatesTest, NoConfiguredLabelOrNoLabelsOrNoRatesMeansNoRate) {
  RunnerRates rates = parsed("ubuntu-latest=0.008");
  EXPECT_EQ(rate_for_labels(rates, {"self-hosted", "linux", "x64"}), nullptr);
  EXPECT_EQ(rate_for_labels(rates, {}), nullptr);
  // A label is matched whole, not as a part of another.
  EXPECT_EQ(rate_for_labels(rates, {"ubuntu-latest-4-cores"}), nullptr);
  EXPECT_EQ(rate_for_labels({}, {"ubuntu-latest"}), nullptr);
}

// --- The estimated cost ------------------------------------------------------------------------

TEST(RunnerRatesTest, TheCostIsTheBillableMinutesTimesTheRate) {
  RunnerRates rates = parsed("ubuntu-latest=0.008,windows-latest=0.016,macos-latest=0.08");
  // 37 × 0.008 = 0.296.
  auto ubuntu = estimate_cost(rates, row_of({"ubuntu-latest"}, 37));
  ASSERT_TRUE(ubuntu);
  EXPECT_EQ(ubuntu->rate->label, "ubuntu-latest");
  EXPECT_EQ(ubuntu->cost, 0.296);
  // 125 × 0.016 = 2.
  auto windows = estimate_cost(rates, row_of({"windows-latest"}, 125));
  ASSERT_TRUE(windows);
  EXPECT_EQ(windows->cost, 2.0);
  // 3 × 0.08 = 0.24; 0 minutes cost 0.
  EXPECT_EQ(estimate_cost(rates, row_of({"macos-latest"}, 3))->cost, 0.24);
  EXPECT_EQ(estimate_cost(rates, row_of({"macos-latest"}, 0))->cost, 0.0);
  EXPECT_FALSE(estimate_cost(rates, row_of({"self-hosted", "linux"}, 500)));
}

TEST(RunnerRatesTest, TheMetricsDocumentsExampleCosts) {
  // docs/metrics.md, "Jobs, queue time and runners": ubuntu-latest 7 billable minutes,
  // windows-latest 3, [linux, self-hosted] 1, at ubuntu-latest=0.008,windows-latest=0.016.
  RunnerRates rates = parsed("ubuntu-latest=0.008,windows-latest=0.016");
  EXPECT_EQ(estimate_cost(rates, row_of({"ubuntu-latest"}, 7))->cost, 0.056);
  EXPECT_EQ(estimate_cost(rates, row_of({"windows-latest"}, 3))->cost, 0.048);
  EXPECT_FALSE(estimate_cost(rates, row_of({"linux", "self-hosted"}, 1)));
  // The set [gpu, linux] at gpu=0.5,linux=0.01 takes gpu's rate: 4 × 0.5 = 2.
  EXPECT_EQ(estimate_cost(parsed("gpu=0.5,linux=0.01"), row_of({"gpu", "linux"}, 4))->cost, 2.0);
}

TEST(RunnerRatesTest, AmountsAreWrittenWithAtMostSixDecimals) {
  EXPECT_EQ(format_amount(0.296), "0.296");
  EXPECT_EQ(format_amount(0.008), "0.008");
  EXPECT_EQ(format_amount(2.0), "2");
  EXPECT_EQ(format_amount(0.0), "0");
  EXPECT_EQ(format_amount(0.000001), "0.000001");
  EXPECT_EQ(format_amount(1234.5), "1234.5");
  // 1/3 rounded to 6 decimals.
  EXPECT_EQ(format_amount(1.0 / 3.0), "0.333333");
}

}  // namespace
}  // namespace cipette
