#pragma once

#include <string>
#include <string_view>

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace cipette::web {

// Notes when the current thread started on a request (cpp-httplib serves each request on one
// thread), for the duration in the access log.
void mark_request_start();

// Writes one access-log line to stderr:
//   2024-05-01T12:00:00Z 127.0.0.1 "GET /api/v1/metrics?period=90" 200 1234B 0.8ms
// Control characters of the request target are written as \xHH so that a request cannot forge
// log lines.
void log_request(const httplib::Request& req, const httplib::Response& res);

// Writes "cipette: error: <method> <target>: <what>" to stderr (an exception in a handler).
void log_error(const httplib::Request& req, std::string_view what);

// `text` with bytes below 0x20, 0x7F and '"' written as \xHH.
std::string log_safe(std::string_view text);

}  // namespace cipette::web
