#include "cipette/web/request_log.h"

#include <fmt/format.h>
#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <optional>

#include "cipette/core/time.h"

namespace cipette::web {

namespace {

using Clock = std::chrono::steady_clock;

thread_local std::optional<Clock::time_point> request_start;

}  // namespace

void mark_request_start() { request_start = Clock::now(); }

std::string log_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F || c == '"' || c == '\\') {
      out += fmt::format("\\x{:02X}", byte);
    } else {
      out += c;
    }
  }
  return out;
}

void log_request(const httplib::Request& req, const httplib::Response& res) {
  std::string duration = "-";
  if (request_start) {
    std::chrono::duration<double, std::milli> elapsed = Clock::now() - *request_start;
    duration = fmt::format("{:.1f}ms", elapsed.count());
    request_start.reset();
  }
  std::string line =
      fmt::format("{} {} \"{} {}\" {} {}B {}\n", format_timestamp(now_utc()),
                  log_safe(req.remote_addr), log_safe(req.method),
                  log_safe(req.target.substr(0, 2048)), res.status, res.body.size(), duration);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

void log_error(const httplib::Request& req, std::string_view what) {
  std::string line = fmt::format("cipette: error: {} {}: {}\n", log_safe(req.method),
                                 log_safe(req.target.substr(0, 2048)), log_safe(what));
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace cipette::web
