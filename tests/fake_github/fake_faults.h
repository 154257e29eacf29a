#pragma once

#include <httplib.h>

#include <optional>
#include <string_view>

#include "fake_github/fake_github.h"
#include "fake_github/fake_routes.h"
#include "fake_github/fake_state.h"

// Private to the fake GitHub server: how each injected fault shapes an answer.

namespace cipette::fake_github::detail {

// A reply and how to send it.
struct Answer {
  Reply reply;
  bool truncate = false;  // declare the body's full length, send half of it, close
};

// The whole answer of faults that replace the endpoint's (kHttpError, kSecondaryRateLimit,
// kRedirect); nullopt for the others. `target` is the request's path and query.
std::optional<Reply> fault_before_routing(const Fault& fault, std::string_view target);

// Reshapes the endpoint's answer for kTruncatedBody, kHalfJson, kInvalidJson, kWrongShape,
// kForeignLink, kSelfLink, kEndlessLink, kTotalCount, kForeignRuns and kRunField; leaves it
// alone for the others. Takes the state's mutex itself.
void fault_after_routing(ServerState& state, const Fault& fault, const httplib::Request& req,
                         Answer& answer);

}  // namespace cipette::fake_github::detail
