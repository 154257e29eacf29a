#pragma once

#include <string>
#include <utility>
#include <vector>

#include "fake_github/fake_state.h"
#include "fake_github/pagination.h"

// Private to the fake GitHub server: the API endpoints, as pure request -> reply functions over
// the state (the gate in fake_http.cc does authentication, rate limits, faults and ETags).

namespace cipette::fake_github::detail {

struct ApiRequest {
  std::string path;      // without the server's path prefix, decoded
  QueryParams params;    // decoded
  std::string api_base;  // "http://127.0.0.1:PORT[/api/v3]"
  bool stale = false;    // answer from the saved replica where there is one (kStaleReplica)
};

struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;
};

// Answers a GET of one of the API paths (see fake_github.h); 404 for anything else.
Reply route_api(ServerState& state, const ApiRequest& request);

// A reply with a JSON body already serialised.
Reply json_text_reply(int status, std::string body);

// A JSON error reply: {"message": message, "documentation_url": ...}.
Reply error_reply(int status, std::string_view message);

}  // namespace cipette::fake_github::detail
