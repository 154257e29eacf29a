#include "cipette/cli/app.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cipette/cli/command.h"

namespace cipette::cli {

namespace {

// `cipette-collect ARGS` and `cipette-web ARGS` (the original project's command names, installed
// as links to this binary) mean `cipette collect ARGS` and `cipette serve ARGS`.
std::vector<std::string> expand_alias(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  std::string name = args.empty() ? "" : args[0].substr(args[0].find_last_of('/') + 1);
  if (name == "cipette-collect") args.insert(args.begin() + 1, "collect");
  if (name == "cipette-web") args.insert(args.begin() + 1, "serve");
  return args;
}

int run_app(std::vector<std::string> args) {
  CLI::App app{"CIPette: CI/CD insights for GitHub Actions", "cipette"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "cipette 0.1.0");
  app.footer(
      "Configuration: flags > environment > .env > defaults. See README.md for the variables.");

  auto env = Environment::load(".env");
  if (!env) return report_error(env.error(), kExitUsage);
  CommandContext context{&*env};
  add_metrics_command(app, context);
  add_import_command(app, context);
  add_demo_command(app, context);
  add_serve_command(app, context);
  add_collect_command(app, context);
  add_db_command(app, context);

  std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector of arguments
  args.pop_back();                         // without the program name
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "cipette: error: %s\nRun `cipette --help` for usage.\n", e.what());
    return kExitUsage;
  }
  return context.exit_code;
}

}  // namespace

int report_error(const Error& error, int code) {
  std::fprintf(stderr, "cipette: error: %s\n", error.message.c_str());
  return code;
}

Flag flag_of(const CLI::Option* option, const std::string& value) {
  return Flag{option->get_name(), value, option->count() > 0};
}

int run(int argc, char** argv) {
  try {
    return run_app(expand_alias(argc, argv));
  } catch (const std::exception& e) {
    // Anything unexpected ends here, as one line and a failure code, never an abort.
    return report_error(Error{e.what()}, kExitFailure);
  }
}

}  // namespace cipette::cli
