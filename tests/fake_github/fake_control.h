#pragma once

#include <httplib.h>

#include <string_view>

#include "fake_github/fake_state.h"

// Private to the fake GitHub server: the test control endpoints under /_fake/ (see
// fake_github.h), used by end-to-end tests that run the `fake-github` program.

namespace cipette::fake_github::detail {

inline constexpr std::string_view kControlPrefix = "/_fake/";

// Answers a request whose path starts with kControlPrefix.
void handle_control(ServerState& state, const httplib::Request& req, httplib::Response& res);

// Every run as a JSON array of GitHub run objects, repositories in the order added.
std::string runs_document(ServerState& state, std::string_view api_base);

}  // namespace cipette::fake_github::detail
