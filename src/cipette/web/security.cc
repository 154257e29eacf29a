#include "cipette/web/security.h"

#include <array>

#include "cipette/web/html.h"

namespace cipette::web {

namespace {

constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'";

constexpr std::array<HeaderPair, 5> kSecurityHeaders = {{
    {"Content-Security-Policy", kContentSecurityPolicy},
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "same-origin"},
    {"X-Frame-Options", "DENY"},
    {"Cross-Origin-Opener-Policy", "same-origin"},
}};

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

std::span<const HeaderPair> security_headers() { return kSecurityHeaders; }

bool secrets_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char difference = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return difference == 0;
}

std::string cookie_value(std::string_view cookie_header, std::string_view name) {
  while (!cookie_header.empty()) {
    std::size_t end = cookie_header.find(';');
    std::string_view pair = trim(cookie_header.substr(0, end));
    std::size_t eq = pair.find('=');
    if (eq != std::string_view::npos && trim(pair.substr(0, eq)) == name) {
      return std::string(trim(pair.substr(eq + 1)));
    }
    if (end == std::string_view::npos) break;
    cookie_header.remove_prefix(end + 1);
  }
  return "";
}

bool request_authorized(std::string_view token, std::string_view authorization_header,
                        std::string_view cookie_header) {
  constexpr std::string_view kBearer = "Bearer ";
  std::string_view authorization = trim(authorization_header);
  if (authorization.size() > kBearer.size() && authorization.substr(0, kBearer.size()) == kBearer &&
      secrets_equal(trim(authorization.substr(kBearer.size())), token)) {
    return true;
  }
  std::string cookie = cookie_value(cookie_header, kAuthCookie);
  return !cookie.empty() && secrets_equal(cookie, auth_cookie_value(token));
}

std::string auth_cookie_value(std::string_view token) { return url_encode(token); }

bool is_public_path(std::string_view path) {
  return path == "/healthz" || path == "/api/v1/healthz" || path == "/login" ||
         path == "/favicon.ico" || path.starts_with("/static/");
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  return host.starts_with("127.");
}

std::string safe_redirect_target(std::string_view next) {
  if (next.empty() || next.front() != '/' || next.starts_with("//") || next.starts_with("/\\")) {
    return "/";
  }
  for (char c : next) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return "/";
  }
  return std::string(next);
}

}  // namespace cipette::web
