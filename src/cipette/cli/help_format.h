#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <string>

namespace cipette::cli {

// The --help layout of every command: after an option's names, the kind of value it takes, its
// default and the environment variables read in its place, as in
// "--port PORT (default: 5000, env: CIPETTE_PORT or FLASK_PORT)". Type and default are CLI11's
// own type_name and default_str; the variables are recorded here, because CLI11's envname
// would read the process environment itself, past .env and the names config.h gives errors.
class HelpFormatter : public CLI::Formatter {
 public:
  // Records that `option`, when not given, is read from `variables` ("A or B"; "" for none).
  void set_variables(const CLI::Option* option, std::string variables);

  std::string make_option_opts(const CLI::Option* option) const override;

 private:
  std::map<const CLI::Option*, std::string> variables_;
};

// How --help shows an option's value.
struct ValueHelp {
  std::string type;           // "DAYS|all", "PORT"
  std::string default_value;  // "" when it has none (or the variable holds it, captured)
  std::string variables;      // "CIPETTE_PORT or FLASK_PORT"; "" for none
};

// Documents `option` of `command` (whose formatter must be a HelpFormatter) with `help`;
// returns `option`.
CLI::Option* describe(CLI::App& command, CLI::Option* option, const ValueHelp& help);

}  // namespace cipette::cli
