#pragma once

#include <CLI/CLI.hpp>

#include "cipette/cli/config.h"

namespace cipette::cli {

// Registers --host, --port, --refresh-interval, --cache-ttl, --runner-rates and --debug on
// `command`, bound to `flags`.
void add_serve_flags(CLI::App& command, ServeFlags& flags);

// Serves the dashboard for `config` until SIGINT/SIGTERM; returns the exit code.
int run_server(const ServeConfig& config);

}  // namespace cipette::cli
