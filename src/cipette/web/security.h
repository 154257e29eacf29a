#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace cipette::web {

using HeaderPair = std::pair<std::string_view, std::string_view>;

// Headers sent with every response: a Content-Security-Policy that allows scripts, styles and
// connections only from this origin (so no inline scripts or styles), X-Content-Type-Options,
// Referrer-Policy, X-Frame-Options and Cross-Origin-Opener-Policy.
std::span<const HeaderPair> security_headers();

// The login cookie's name. Its value is not the access token but a digest of it,
// HMAC-SHA256(key = token, message = "cipette session v1") in hex: it fits any cookie whatever
// the token holds, reveals nothing of the token, is the same on every server that shares the
// token, and stops working when the token changes.
inline constexpr std::string_view kAuthCookie = "cipette_session";
std::string session_cookie_value(std::string_view token);

// Compares two secrets in time that depends only on their lengths.
bool secrets_equal(std::string_view a, std::string_view b);

// The value of cookie `name` in a Cookie header ("a=1; b=2"), or "".
std::string cookie_value(std::string_view cookie_header, std::string_view name);

// What a request's credentials prove.
enum class Credentials {
  kValid,    // "Authorization: Bearer <token>" or the login cookie of the token
  kMissing,  // neither was sent
  kWrong,    // one was sent, and it is not the token's
};

// Checks the request's Authorization and Cookie headers against `token` and its cookie value
// `cookie` (session_cookie_value(token)). REQUIRES: !token.empty().
Credentials check_credentials(std::string_view token, std::string_view cookie,
                              std::string_view authorization_header,
                              std::string_view cookie_header);

// True for paths served without the token: health checks, the sign-in page and static files.
bool is_public_path(std::string_view path);

// True for addresses only this machine can reach: 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(std::string_view host);

// True when a request's Host header ("name", "name:port", "[v6]:port") names this server: an
// IP address literal, "localhost", or one of `allowed` (host names without port, compared
// case-insensitively; "*" allows any). A name outside that list may be an attacker's domain
// resolving to this machine (DNS rebinding), whose pages would then read the dashboard.
bool host_allowed(std::string_view host_header, std::span<const std::string> allowed);

// `next` if it is a local path ("/..." but not "//host" or "/\host"), else "/": the sign-in
// form never redirects to another site.
std::string safe_redirect_target(std::string_view next);

}  // namespace cipette::web
