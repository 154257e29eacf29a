#include "cipette/cli/config.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>

#include "cipette/core/run.h"
#include "cipette/core/text.h"

extern char** environ;

namespace cipette::cli {

namespace {

Error bad(const Setting& setting, std::string_view what) {
  return fail(fmt::format("{}: {}, got \"{}\"", setting.origin, what, setting.value));
}

// The items of a comma-separated list ("a, b,,c" -> a, b, c), trimmed, empty ones dropped.
std::vector<std::string_view> comma_items(std::string_view list) {
  std::vector<std::string_view> items;
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    std::string_view item = trim_whitespace(list.substr(0, comma));
    if (!item.empty()) items.push_back(item);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
  }
  return items;
}

}  // namespace

Environment::Environment(std::map<std::string, std::string> process, DotenvEntries dotenv)
    : process_(std::move(process)) {
  for (auto& entry : dotenv)
    dotenv_.insert_or_assign(std::move(entry.first), std::move(entry.second));
}

Result<Environment> Environment::load(const std::string& dotenv_path) {
  std::map<std::string, std::string> process;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    auto eq = text.find('=');
    if (eq != std::string_view::npos) {
      process.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
    }
  }
  auto dotenv = load_dotenv(dotenv_path);
  if (!dotenv) return dotenv.error();
  return Environment(std::move(process), std::move(*dotenv));
}

std::optional<Setting> Environment::lookup(std::initializer_list<std::string_view> names) const {
  for (std::string_view name : names) {
    auto it = process_.find(std::string(name));
    if (it != process_.end() && !it->second.empty()) return Setting{it->second, it->first};
  }
  for (std::string_view name : names) {
    auto it = dotenv_.find(std::string(name));
    if (it != dotenv_.end() && !it->second.empty()) {
      return Setting{it->second, ".env: " + it->first};
    }
  }
  return std::nullopt;
}

Setting resolve(const Flag& flag, const Environment& env,
                std::initializer_list<std::string_view> names, std::string fallback) {
  if (flag.given) return Setting{flag.value, flag.name};
  if (auto found = env.lookup(names)) return *found;
  return Setting{std::move(fallback), "default"};
}

Result<int> read_int(const Setting& setting, int min, int max) {
  std::string_view text = trim_whitespace(setting.value);
  long long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min ||
      value > max) {
    return bad(setting, fmt::format("expected a whole number from {} to {}", min, max));
  }
  return static_cast<int>(value);
}

Result<Timestamp> read_date(const Setting& setting) {
  auto parsed = parse_date_or_timestamp(trim_whitespace(setting.value));
  if (!parsed) return bad(setting, "expected a date YYYY-MM-DD or a time stamp");
  return *parsed;
}

Result<bool> read_bool(const Setting& setting) {
  std::string value = ascii_lower(trim_whitespace(setting.value));
  if (value == "1" || value == "true" || value == "yes" || value == "on") return true;
  if (value == "0" || value == "false" || value == "no" || value == "off") return false;
  return bad(setting, "expected true or false");
}

Result<std::vector<std::string>> read_repositories(const Setting& setting) {
  std::vector<std::string> repositories;
  for (std::string_view item : comma_items(setting.value)) {
    if (!is_valid_repository_name(item)) {
      return bad(setting, fmt::format("\"{}\" is not a repository in the form owner/name", item));
    }
    repositories.emplace_back(item);
  }
  return repositories;
}

Result<std::string> read_url(const Setting& setting) {
  std::string_view url = trim_whitespace(setting.value);
  bool scheme = url.starts_with("https://") || url.starts_with("http://");
  if (!scheme || url.size() <= 8 || url.find_first_of(" \t\r\n") != std::string_view::npos) {
    return bad(setting, "expected an http:// or https:// URL");
  }
  while (url.ends_with('/')) url.remove_suffix(1);
  return std::string(url);
}

Result<std::string> read_host(const Setting& setting) {
  std::string_view host = trim_whitespace(setting.value);
  bool ok = !host.empty() && host.size() < 254 && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
           c == '_';
  });
  if (!ok) return bad(setting, "expected a host name or IP address");
  return std::string(host);
}

Result<RunnerRates> read_runner_rates(const Setting& setting) {
  auto rates = parse_runner_rates(setting.value);
  if (!rates) {
    return fail(
        fmt::format("{}: {}; expected runner label=per-minute rate items separated by "
                    "commas, e.g. ubuntu-latest=0.008,windows-latest=0.016",
                    setting.origin, rates.error().message));
  }
  return rates;
}

Setting resolve_database(const Flag& db, const Environment& env) {
  return resolve(db, env, {"DATABASE_URL"}, std::string(kDefaultDatabase));
}

Result<RunnerRates> resolve_runner_rates(const Flag& rates, const Environment& env) {
  return read_runner_rates(resolve(rates, env, {"CIPETTE_RUNNER_RATES"}, ""));
}

namespace {

// "a.example, b.example" -> {"a.example", "b.example"}; each a host name or "*".
Result<std::vector<std::string>> read_host_list(const Setting& setting) {
  std::vector<std::string> hosts;
  for (std::string_view name : comma_items(setting.value)) {
    if (name == "*") {
      hosts.emplace_back(name);
      continue;
    }
    auto host = read_host(Setting{std::string(name), setting.origin});
    if (!host) return bad(setting, "expected host names separated by commas, or *");
    hosts.push_back(*host);
  }
  return hosts;
}

// The settings that bound what clients may take of `serve`, and where it is reached.
Result<ServeConfig> resolve_serve_limits(const ServeFlags& flags, const Environment& env,
                                         ServeConfig config) {
  auto per_client =
      read_int(resolve(Flag{}, env, {"CIPETTE_MAX_CONNECTIONS_PER_CLIENT"}, "256"), 0, 100000);
  if (!per_client) return per_client.error();
  config.max_connections_per_client = *per_client;
  auto cache_mb = read_int(resolve(Flag{}, env, {"CIPETTE_CACHE_MAX_MB"}, "64"), 1, 65536);
  if (!cache_mb) return cache_mb.error();
  config.cache_max_mb = *cache_mb;
  auto hosts = read_host_list(resolve(Flag{}, env, {"CIPETTE_ALLOWED_HOSTS"}, ""));
  if (!hosts) return hosts.error();
  config.allowed_hosts = *hosts;
  if (auto public_url = env.lookup({"CIPETTE_PUBLIC_URL"})) {
    auto url = read_url(*public_url);
    if (!url) return url.error();
    config.public_url = *url;
  }
  config.create = flags.create.given;
  auto rates = resolve_runner_rates(flags.runner_rates, env);
  if (!rates) return rates.error();
  config.runner_rates = std::move(*rates);
  return config;
}

}  // namespace

Result<ServeConfig> resolve_serve_config(const ServeFlags& flags, const Environment& env) {
  ServeConfig config;
  config.database_url = resolve_database(flags.db, env).value;
  auto host = read_host(
      resolve(flags.host, env, {"CIPETTE_HOST", "FLASK_HOST"}, std::string(kDefaultHost)));
  if (!host) return host.error();
  config.host = *host;
  auto port = read_int(resolve(flags.port, env, {"CIPETTE_PORT", "FLASK_PORT"}, "5000"), 1, 65535);
  if (!port) return port.error();
  config.port = *port;
  auto debug = read_bool(resolve(flags.debug, env, {"CIPETTE_DEBUG", "FLASK_DEBUG"}, "false"));
  if (!debug) return debug.error();
  config.debug = *debug;
  auto refresh = read_int(resolve(flags.refresh, env, {"MTTR_REFRESH_INTERVAL"}, "300"), 1, 604800);
  if (!refresh) return refresh.error();
  config.refresh_interval = *refresh;
  auto ttl = read_int(resolve(flags.cache_ttl, env, {"CACHE_TTL_SECONDS"}, "60"), 0, 86400);
  if (!ttl) return ttl.error();
  config.cache_ttl = *ttl;
  if (auto token = env.lookup({"CIPETTE_AUTH_TOKEN"})) config.auth_token = token->value;
  return resolve_serve_limits(flags, env, std::move(config));
}

}  // namespace cipette::cli
