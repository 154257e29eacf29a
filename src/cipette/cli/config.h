#pragma once

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cipette/cli/dotenv.h"
#include "cipette/core/result.h"
#include "cipette/core/runner_rates.h"
#include "cipette/core/time.h"

namespace cipette::cli {

// A configuration value and where it came from ("--port", "CIPETTE_PORT", ".env: CIPETTE_PORT",
// "default"), so that an error can name the flag or variable the user has to fix.
struct Setting {
  std::string value;
  std::string origin;
};

// The process environment in front of the .env file in the working directory
// (README.md, "Configuration": flag > environment > .env > default).
class Environment {
 public:
  Environment(std::map<std::string, std::string> process, DotenvEntries dotenv);

  // Reads the process environment and `dotenv_path`; fails on a malformed .env.
  static Result<Environment> load(const std::string& dotenv_path = ".env");

  // The first of `names` set (non-empty) in the process environment, else in .env.
  std::optional<Setting> lookup(std::initializer_list<std::string_view> names) const;

 private:
  std::map<std::string, std::string> process_;
  std::map<std::string, std::string> dotenv_;
};

// A flag as given on the command line: empty when absent.
struct Flag {
  explicit Flag(std::string flag_name = "", std::string flag_value = "", bool was_given = false)
      : name(std::move(flag_name)), value(std::move(flag_value)), given(was_given) {}
  std::string name;  // "--port"
  std::string value;
  bool given = false;
};

// Resolves a setting: the flag if given, else the environment, else the default.
Setting resolve(const Flag& flag, const Environment& env,
                std::initializer_list<std::string_view> names, std::string fallback);

// Typed readers; each fails with "ORIGIN: WHAT, got \"VALUE\"".
Result<int> read_int(const Setting& setting, int min, int max);
Result<bool> read_bool(const Setting& setting);
Result<std::vector<std::string>> read_repositories(const Setting& setting);
Result<std::string> read_url(const Setting& setting);
Result<std::string> read_host(const Setting& setting);
// A date "YYYY-MM-DD" (midnight UTC) or a time stamp (parse_date_or_timestamp).
Result<Timestamp> read_date(const Setting& setting);
// Per-minute rates of runner labels, "label=rate,..." (parse_runner_rates); empty: none.
Result<RunnerRates> read_runner_rates(const Setting& setting);

// Everything the subcommands read; each subcommand resolves (and so validates) only the parts
// it uses.
struct ServeConfig {
  std::string database_url;
  std::string host;
  int port = 5000;
  bool debug = false;
  int refresh_interval = 300;
  int cache_ttl = 60;
  int cache_max_mb = 64;
  std::string auth_token;
  int max_connections_per_client = 256;
  std::vector<std::string> allowed_hosts;
  std::string public_url;
  bool create = false;  // serve an empty database where none exists yet
  RunnerRates runner_rates;
};

struct ServeFlags {
  Flag db{"--db"}, host{"--host"}, port{"--port"}, refresh{"--refresh-interval"},
      cache_ttl{"--cache-ttl"}, debug{"--debug"}, create{"--create"},
      runner_rates{"--runner-rates"};
};

inline constexpr std::string_view kDefaultDatabase = "data/cipette.db";
inline constexpr std::string_view kDefaultHost = "127.0.0.1";

// DATABASE_URL (or --db), defaulting to data/cipette.db.
Setting resolve_database(const Flag& db, const Environment& env);

// CIPETTE_RUNNER_RATES (or --runner-rates), read by every command that shows billable minutes
// (serve, demo, metrics); none configured by default. Fails naming the setting and the bad item.
Result<RunnerRates> resolve_runner_rates(const Flag& rates, const Environment& env);

// The `serve` settings: CIPETTE_HOST/FLASK_HOST, CIPETTE_PORT/FLASK_PORT, CIPETTE_DEBUG/
// FLASK_DEBUG, MTTR_REFRESH_INTERVAL, CACHE_TTL_SECONDS, CIPETTE_CACHE_MAX_MB,
// CIPETTE_AUTH_TOKEN, CIPETTE_MAX_CONNECTIONS_PER_CLIENT, CIPETTE_ALLOWED_HOSTS (host names,
// comma-separated, or "*"), CIPETTE_PUBLIC_URL and CIPETTE_RUNNER_RATES.
Result<ServeConfig> resolve_serve_config(const ServeFlags& flags, const Environment& env);

}  // namespace cipette::cli
