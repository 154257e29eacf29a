// `cipette serve` (alias `cipette-web`): the dashboard and JSON API.
#include <cstdio>

#include "cipette/cli/command.h"
#include "cipette/cli/help_format.h"
#include "cipette/cli/serve_runner.h"
#include "cipette/cli/store_access.h"
#include "cipette/storage/store_factory.h"
#include "cipette/web/server.h"

namespace cipette::cli {

namespace {

// Binds an option to `flag`, marking it given when the user passes it.
void bind(CLI::App& command, const std::string& names, Flag& flag, const std::string& help,
          const ValueHelp& value) {
  CLI::Option* option =
      command.add_option(names, flag.value, help)->each([&flag](const std::string&) {
        flag.given = true;
      });
  describe(command, option, value);
}

}  // namespace

void add_serve_flags(CLI::App& command, ServeFlags& flags) {
  const ServeConfig defaults;
  bind(command, "--host", flags.host, "Address to listen on",
       {"HOST", std::string(kDefaultHost), "CIPETTE_HOST or FLASK_HOST"});
  bind(command, "--port", flags.port, "Port to listen on, 1-65535",
       {"PORT", std::to_string(defaults.port), "CIPETTE_PORT or FLASK_PORT"});
  bind(command, "--refresh-interval", flags.refresh, "Seconds between data refreshes",
       {"SECONDS", std::to_string(defaults.refresh_interval), "MTTR_REFRESH_INTERVAL"});
  bind(command, "--cache-ttl", flags.cache_ttl, "Seconds a response may be cached, 0 = off",
       {"SECONDS", std::to_string(defaults.cache_ttl), "CACHE_TTL_SECONDS"});
  bind(command, "--runner-rates", flags.runner_rates,
       "Per-minute rates for the estimated cost of billable minutes, e.g. "
       "ubuntu-latest=0.008,windows-latest=0.016",
       {"LABEL=RATE,...", "none", "CIPETTE_RUNNER_RATES"});
  CLI::Option* debug = command.add_flag_callback(
      "--debug",
      [&flags] {
        flags.debug.value = "true";
        flags.debug.given = true;
      },
      "Verbose logging");
  describe(command, debug, {"", "", "CIPETTE_DEBUG or FLASK_DEBUG"});
}

void add_create_flag(CLI::App& command, ServeFlags& flags) {
  command.add_flag_callback(
      "--create", [&flags] { flags.create.given = true; },
      "Serve an empty dashboard when the SQLite database does not exist yet (it is created)");
}

int run_server(const ServeConfig& config) {
  web::ServerOptions options;
  options.host = config.host;
  options.port = config.port;
  options.refresh_interval_seconds = config.refresh_interval;
  options.cache_ttl_seconds = config.cache_ttl;
  options.auth_token = config.auth_token;
  options.debug = config.debug;
  options.max_connections_per_client = config.max_connections_per_client;
  options.allowed_hosts = config.allowed_hosts;
  options.public_url = config.public_url;
  options.cache_max_bytes = static_cast<std::size_t>(config.cache_max_mb) << 20;
  options.runner_rates = config.runner_rates;
  std::string database = config.database_url;
  if (!config.create) {
    // A mistyped path would otherwise serve a new, empty database without a word.
    auto existing = open_existing_store(database);
    if (!existing) {
      return report_error(
          Error{existing.error().message + "; or pass --create to serve an empty one"}, kExitUsage);
    }
  }
  web::StoreOpener opener = [database]() -> Result<web::StoreReader> {
    auto store = storage::open_store(database);
    if (!store) return store.error();
    JobReader* jobs = store->get();
    return web::StoreReader{std::unique_ptr<RunReader>(std::move(*store)), jobs};
  };
  auto served = web::serve(options, opener, [](const std::string& url) {
    std::fprintf(stderr, "CIPette dashboard: %s  (Ctrl-C to stop)\n", url.c_str());
  });
  if (!served) return report_error(served.error(), kExitFailure);
  return kExitOk;
}

void add_serve_command(CLI::App& app, CommandContext& context) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* cmd = app.add_subcommand("serve", "Serve the web dashboard and JSON API");
  CLI::Option* db = add_database_option(*cmd, flags->db.value);
  db->each([flags](const std::string&) { flags->db.given = true; });
  cmd->footer(app.get_footer() +
              "\nAlso read from the environment or .env: CIPETTE_AUTH_TOKEN, CIPETTE_PUBLIC_URL, "
              "CIPETTE_ALLOWED_HOSTS, CIPETTE_MAX_CONNECTIONS_PER_CLIENT, CIPETTE_CACHE_MAX_MB "
              "(README.md, \"Configuration\").");
  add_serve_flags(*cmd, *flags);
  add_create_flag(*cmd, *flags);
  cmd->callback([flags, &context] {
    auto config = resolve_serve_config(*flags, *context.env);
    context.exit_code = config ? run_server(*config) : report_error(config.error(), kExitUsage);
  });
}

}  // namespace cipette::cli
