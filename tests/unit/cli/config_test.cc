// The configuration of the subcommands: where a setting comes from, how .env files are read,
// and the one-line errors that name the flag or variable to fix.
#include "cipette/cli/config.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "cipette/cli/dotenv.h"

namespace cipette::cli {
namespace {

Environment env_of(std::map<std::string, std::string> process, DotenvEntries dotenv = {}) {
  return {std::move(process), std::move(dotenv)};
}

// --- .env files --------------------------------------------------------------------------------

TEST(DotenvTest, ReadsTheOriginalProjectsFormat) {
  auto entries = parse_dotenv(
      "# CIPette\n"
      "GITHUB_TOKEN=ghp_abc  # a comment after an unquoted value\n"
      "\n"
      "export TARGET_REPOSITORIES=\"octo/app, octo/lib # not a comment\"\n"
      "FLASK_PORT='5001'\n",
      ".env");
  ASSERT_TRUE(entries) << entries.error().message;
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[0], (std::pair<std::string, std::string>{"GITHUB_TOKEN", "ghp_abc"}));
  EXPECT_EQ((*entries)[1].second, "octo/app, octo/lib # not a comment");
  EXPECT_EQ((*entries)[2], (std::pair<std::string, std::string>{"FLASK_PORT", "5001"}));
}

TEST(DotenvTest, AMalformedLineIsRefusedNamingItsLine) {
  auto no_equals = parse_dotenv("A=1\nJUST_A_WORD\n", "/srv/.env");
  ASSERT_FALSE(no_equals);
  EXPECT_EQ(no_equals.error().message.substr(0, 11), "/srv/.env:2");
  auto bad_key = parse_dotenv("1ABC=x\n", ".env");
  ASSERT_FALSE(bad_key);
  EXPECT_NE(bad_key.error().message.find(".env:1"), std::string::npos);
  EXPECT_FALSE(parse_dotenv("A=\"unclosed\n", ".env"));
}

// --- Precedence: flag > environment > .env > default -------------------------------------------

TEST(ConfigTest, AFlagBeatsTheEnvironmentWhichBeatsDotenvWhichBeatsTheDefault) {
  Environment both = env_of({{"CIPETTE_PORT", "6000"}}, {{"CIPETTE_PORT", "7000"}});
  Setting from_flag = resolve(Flag("--port", "5555", true), both, {"CIPETTE_PORT"}, "5000");
  EXPECT_EQ(from_flag.value, "5555");
  EXPECT_EQ(from_flag.origin, "--port");
  Setting from_env = resolve(Flag("--port"), both, {"CIPETTE_PORT"}, "5000");
  EXPECT_EQ(from_env.value, "6000");
  EXPECT_EQ(from_env.origin, "CIPETTE_PORT");
  Setting from_dotenv =
      resolve(Flag("--port"), env_of({}, {{"CIPETTE_PORT", "7000"}}), {"CIPETTE_PORT"}, "5000");
  EXPECT_EQ(from_dotenv.value, "7000");
  EXPECT_EQ(from_dotenv.origin, ".env: CIPETTE_PORT");
  Setting fallback = resolve(Flag("--port"), env_of({}), {"CIPETTE_PORT"}, "5000");
  EXPECT_EQ(fallback.value, "5000");
}

TEST(ConfigTest, TheOriginalFlaskNamesAreAcceptedAfterOurs) {
  auto config = resolve_serve_config(ServeFlags{}, env_of({{"FLASK_PORT", "5002"}}));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->port, 5002);
  auto ours = resolve_serve_config(ServeFlags{},
                                   env_of({{"FLASK_PORT", "5002"}, {"CIPETTE_PORT", "5003"}}));
  ASSERT_TRUE(ours);
  EXPECT_EQ(ours->port, 5003);
}

TEST(ConfigTest, AnEmptyVariableCountsAsUnset) {
  auto config = resolve_serve_config(ServeFlags{}, env_of({{"CIPETTE_PORT", ""}}));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->port, 5000);
}

// --- Errors name the flag or variable and the value --------------------------------------------

TEST(ConfigTest, ABadValueNamesWhereItCameFromAndWhatItWas) {
  auto port = resolve_serve_config(ServeFlags{}, env_of({}, {{"CIPETTE_PORT", "80a"}}));
  ASSERT_FALSE(port);
  EXPECT_EQ(port.error().message,
            ".env: CIPETTE_PORT: expected a whole number from 1 to 65535, got \"80a\"");
  ServeFlags flags;
  flags.refresh = Flag("--refresh-interval", "-5", true);
  auto refresh = resolve_serve_config(flags, env_of({}));
  ASSERT_FALSE(refresh);
  EXPECT_NE(refresh.error().message.find("--refresh-interval: "), std::string::npos);
  EXPECT_NE(refresh.error().message.find("\"-5\""), std::string::npos);
}

TEST(ConfigTest, ServeReadsItsLimitsAndWhereItIsReached) {
  auto config = resolve_serve_config(
      ServeFlags{}, env_of({{"CIPETTE_MAX_CONNECTIONS_PER_CLIENT", "32"},
                            {"CIPETTE_ALLOWED_HOSTS", "ci.example.com, dash.example.com ,"},
                            {"CIPETTE_PUBLIC_URL", "https://ci.example.com/"},
                            {"CIPETTE_CACHE_MAX_MB", "16"}}));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->max_connections_per_client, 32);
  EXPECT_EQ(config->allowed_hosts,
            (std::vector<std::string>{"ci.example.com", "dash.example.com"}));
  EXPECT_EQ(config->public_url, "https://ci.example.com");
  EXPECT_EQ(config->cache_max_mb, 16);
  EXPECT_FALSE(config->create);
}

TEST(ConfigTest, ServeDefaultsAreTheDocumentedOnes) {
  auto config = resolve_serve_config(ServeFlags{}, env_of({}));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->host, "127.0.0.1");
  EXPECT_EQ(config->port, 5000);
  EXPECT_EQ(config->refresh_interval, 300);
  EXPECT_EQ(config->cache_ttl, 60);
  EXPECT_EQ(config->cache_max_mb, 64);
  EXPECT_EQ(config->max_connections_per_client, 256);
  EXPECT_TRUE(config->allowed_hosts.empty());
  EXPECT_EQ(config->database_url, "data/cipette.db");
}

TEST(ConfigTest, BadServeLimitsAreRefusedNamingTheVariable) {
  auto hosts = resolve_serve_config(ServeFlags{},
                                    env_of({{"CIPETTE_ALLOWED_HOSTS", "ok.example, bad host"}}));
  ASSERT_FALSE(hosts);
  EXPECT_EQ(hosts.error().message,
            "CIPETTE_ALLOWED_HOSTS: expected host names separated by commas, or *, got "
            "\"ok.example, bad host\"");
  auto url = resolve_serve_config(ServeFlags{}, env_of({{"CIPETTE_PUBLIC_URL", "ci.example.com"}}));
  ASSERT_FALSE(url);
  EXPECT_NE(url.error().message.find("CIPETTE_PUBLIC_URL: expected an http:// or https:// URL"),
            std::string::npos);
  auto cache = resolve_serve_config(ServeFlags{}, env_of({{"CIPETTE_CACHE_MAX_MB", "0"}}));
  ASSERT_FALSE(cache);
  EXPECT_NE(cache.error().message.find("CIPETTE_CACHE_MAX_MB"), std::string::npos);
  auto per_client =
      resolve_serve_config(ServeFlags{}, env_of({{"CIPETTE_MAX_CONNECTIONS_PER_CLIENT", "-1"}}));
  ASSERT_FALSE(per_client);
}

TEST(ConfigTest, RepositoriesMustBeOwnerSlashName) {
  auto good = read_repositories(Setting{"octo/app, octo/lib", "TARGET_REPOSITORIES"});
  ASSERT_TRUE(good) << good.error().message;
  EXPECT_EQ(*good, (std::vector<std::string>{"octo/app", "octo/lib"}));
  auto bad = read_repositories(Setting{"octo/app,not-a-repo", "--repo"});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("--repo"), std::string::npos);
  EXPECT_NE(bad.error().message.find("not-a-repo"), std::string::npos);
}

TEST(ConfigTest, DatesAreADayOrATimeStampAndABadOneNamesItsOrigin) {
  auto day = read_date(Setting{"2024-03-01", "--jobs-since"});
  ASSERT_TRUE(day.has_value());
  EXPECT_EQ(*day, 1709251200);  // 2024-03-01T00:00:00Z
  auto stamp = read_date(Setting{" 2024-03-01T01:00:00Z ", "CIPETTE_JOBS_SINCE"});
  ASSERT_TRUE(stamp.has_value());
  EXPECT_EQ(*stamp, 1709251200 + 3600);
  auto bad = read_date(Setting{"last week", "--jobs-since"});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message,
            "--jobs-since: expected a date YYYY-MM-DD or a time stamp, got \"last week\"");
  EXPECT_FALSE(read_date(Setting{"2024-13-01", "CIPETTE_JOBS_SINCE"}).has_value());
  EXPECT_FALSE(read_date(Setting{"", "--jobs-since"}).has_value());
}

// --- Runner rates (CIPETTE_RUNNER_RATES, --runner-rates) ---------------------------------------

TEST(ConfigTest, RunnerRatesComeFromTheFlagTheEnvironmentOrDotenvAndDefaultToNone) {
  auto none = resolve_runner_rates(Flag("--runner-rates"), env_of({}));
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_TRUE(none->empty());
  auto from_dotenv = resolve_runner_rates(
      Flag("--runner-rates"), env_of({}, {{"CIPETTE_RUNNER_RATES", "ubuntu-latest=0.008"}}));
  ASSERT_TRUE(from_dotenv) << from_dotenv.error().message;
  ASSERT_EQ(from_dotenv->size(), 1U);
  EXPECT_EQ((*from_dotenv)[0].label, "ubuntu-latest");
  EXPECT_EQ((*from_dotenv)[0].micros_per_minute, 8'000);
  auto from_flag = resolve_runner_rates(Flag("--runner-rates", "macos-latest=0.08", true),
                                        env_of({{"CIPETTE_RUNNER_RATES", "ubuntu-latest=0.008"}}));
  ASSERT_TRUE(from_flag) << from_flag.error().message;
  ASSERT_EQ(from_flag->size(), 1U);
  EXPECT_EQ((*from_flag)[0].label, "macos-latest");
  EXPECT_EQ((*from_flag)[0].micros_per_minute, 80'000);
}

TEST(ConfigTest, ServeReadsTheRunnerRates) {
  auto config = resolve_serve_config(
      ServeFlags{}, env_of({{"CIPETTE_RUNNER_RATES", "ubuntu-latest=0.008,windows-latest=0.016"}}));
  ASSERT_TRUE(config) << config.error().message;
  ASSERT_EQ(config->runner_rates.size(), 2U);
  EXPECT_EQ(config->runner_rates[1].label, "windows-latest");
  EXPECT_EQ(config->runner_rates[1].micros_per_minute, 16'000);
  auto defaults = resolve_serve_config(ServeFlags{}, env_of({}));
  ASSERT_TRUE(defaults) << defaults.error().message;
  EXPECT_TRUE(defaults->runner_rates.empty());
}

TEST(ConfigTest, AMalformedRunnerRateIsRefusedNamingTheSettingAndTheItem) {
  const std::string expected =
      "; expected runner label=per-minute rate items separated by "
      "commas, e.g. ubuntu-latest=0.008,windows-latest=0.016";
  const std::pair<std::string, std::string> cases[] = {
      {"ubuntu-latest", "\"ubuntu-latest\" has no '=' (expected label=rate)"},
      {"=0.008", "\"=0.008\" has an empty runner label"},
      {"a=0.008,b=-1", "\"b=-1\": a rate cannot be negative"},
      {"a=cheap",
       "\"a=cheap\": the rate must be a number from 0 to 1000000 with at most 6 "
       "decimals"},
      {"a=1,A=2", R"("A=2": runner label "A" is given twice)"},
  };
  for (const auto& [value, why] : cases) {
    auto serve = resolve_serve_config(ServeFlags{}, env_of({{"CIPETTE_RUNNER_RATES", value}}));
    ASSERT_FALSE(serve) << value;
    EXPECT_EQ(serve.error().message, fmt::format("CIPETTE_RUNNER_RATES: {}{}", why, expected));
  }
  auto dotenv = resolve_runner_rates(Flag("--runner-rates"),
                                     env_of({}, {{"CIPETTE_RUNNER_RATES", "ubuntu-latest"}}));
  ASSERT_FALSE(dotenv);
  EXPECT_TRUE(dotenv.error().message.starts_with(".env: CIPETTE_RUNNER_RATES: \"ubuntu-latest\""))
      << dotenv.error().message;
  auto flag = resolve_runner_rates(Flag("--runner-rates", "x=-2", true), env_of({}));
  ASSERT_FALSE(flag);
  EXPECT_TRUE(flag.error().message.starts_with("--runner-rates: \"x=-2\": a rate cannot"))
      << flag.error().message;
}

TEST(ConfigTest, BooleansTakeTheUsualSpellings) {
  for (const char* yes : {"true", "1", "yes", "on", "TRUE"}) {
    auto value = read_bool(Setting{yes, "CIPETTE_DEBUG"});
    ASSERT_TRUE(value) << yes;
    EXPECT_TRUE(*value) << yes;
  }
  for (const char* no : {"false", "0", "no", "off"}) {
    auto value = read_bool(Setting{no, "CIPETTE_DEBUG"});
    ASSERT_TRUE(value) << no;
    EXPECT_FALSE(*value) << no;
  }
  EXPECT_FALSE(read_bool(Setting{"maybe", "CIPETTE_DEBUG"}));
}

}  // namespace
}  // namespace cipette::cli
