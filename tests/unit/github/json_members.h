#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

// Test helper of the github suite: JSON objects with one member changed at a time, to break one
// field of a valid run or job per test.

namespace cipette::github {

// Members of a JSON object: key and raw JSON value.
using Members = std::vector<std::pair<std::string, std::string>>;

// `members` as a JSON object on one line, with `changes` replacing members or adding them at the
// end (values are raw JSON; an empty value removes the member).
inline std::string json_object(Members members, const Members& changes) {
  for (const auto& [key, value] : changes) {
    const std::string& wanted = key;
    auto same_key = [&](const auto& member) { return member.first == wanted; };
    auto it = std::find_if(members.begin(), members.end(), same_key);
    if (it == members.end()) {
      members.emplace_back(key, value);
    } else {
      it->second = value;
    }
  }
  std::string out;
  for (const auto& [key, value] : members) {
    if (!value.empty()) out += fmt::format("{}\"{}\": {}", out.empty() ? "{" : ", ", key, value);
  }
  return out + "}";
}

}  // namespace cipette::github
