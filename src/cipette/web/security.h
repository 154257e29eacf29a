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

// The login cookie's name. Its value is the access token, percent-encoded so that any token
// fits a cookie (set HttpOnly, SameSite=Strict).
inline constexpr std::string_view kAuthCookie = "cipette_token";
std::string auth_cookie_value(std::string_view token);

// Compares two secrets in time that depends only on their lengths.
bool secrets_equal(std::string_view a, std::string_view b);

// The value of cookie `name` in a Cookie header ("a=1; b=2"), or "".
std::string cookie_value(std::string_view cookie_header, std::string_view name);

// True when the request proves it knows `token` with "Authorization: Bearer <token>" or the
// login cookie. REQUIRES: !token.empty().
bool request_authorized(std::string_view token, std::string_view authorization_header,
                        std::string_view cookie_header);

// True for paths served without the token: health checks, the sign-in page and static files.
bool is_public_path(std::string_view path);

// True for addresses only this machine can reach: 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(std::string_view host);

// `next` if it is a local path ("/..." but not "//host" or "/\host"), else "/": the sign-in
// form never redirects to another site.
std::string safe_redirect_target(std::string_view next);

}  // namespace cipette::web
