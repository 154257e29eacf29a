#include "cipette/web/security.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <iterator>

#include "cipette/core/text.h"

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

Credentials check_credentials(std::string_view token, std::string_view cookie,
                              std::string_view authorization_header,
                              std::string_view cookie_header) {
  constexpr std::string_view kBearer = "Bearer ";
  std::string_view authorization = trim(authorization_header);
  bool sent = false;
  if (!authorization.empty()) {
    sent = true;
    if (authorization.size() > kBearer.size() &&
        equal_ignoring_case(authorization.substr(0, kBearer.size()), kBearer) &&
        secrets_equal(trim(authorization.substr(kBearer.size())), token)) {
      return Credentials::kValid;
    }
  }
  std::string sent_cookie = cookie_value(cookie_header, kAuthCookie);
  if (!sent_cookie.empty()) {
    sent = true;
    if (secrets_equal(sent_cookie, cookie)) return Credentials::kValid;
  }
  return sent ? Credentials::kWrong : Credentials::kMissing;
}

std::string session_cookie_value(std::string_view token) {
  static constexpr std::string_view kMessage = "cipette session v1";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), token.data(), static_cast<int>(token.size()),
       reinterpret_cast<const unsigned char*>(kMessage.data()), kMessage.size(), digest, &length);
  std::string hex;
  hex.reserve(2 * std::size_t{length});
  for (unsigned int i = 0; i < length; ++i)
    fmt::format_to(std::back_inserter(hex), "{:02x}", digest[i]);
  return hex;
}

bool is_public_path(std::string_view path) {
  return path == "/healthz" || path == "/api/v1/healthz" || path == "/login" ||
         path == "/favicon.ico" || path.starts_with("/static/");
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  return host.starts_with("127.");
}

namespace {

bool is_ipv4_literal(std::string_view host) {
  int dots = 0;
  int digits = 0;
  for (char c : host) {
    if (c == '.') {
      if (digits == 0) return false;
      ++dots;
      digits = 0;
    } else if (c >= '0' && c <= '9' && digits < 3) {
      ++digits;
    } else {
      return false;
    }
  }
  return dots == 3 && digits > 0;
}

}  // namespace

bool host_allowed(std::string_view host_header, std::span<const std::string> allowed) {
  std::string_view host = trim(host_header);
  if (host.starts_with('[')) {
    std::size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    std::string_view rest = host.substr(close + 1);
    return rest.empty() || rest.starts_with(':');  // an IPv6 literal
  }
  host = host.substr(0, host.find(':'));
  if (host.empty()) return false;
  if (is_ipv4_literal(host) || equal_ignoring_case(host, "localhost")) return true;
  for (const std::string& name : allowed) {
    if (name == "*" || equal_ignoring_case(host, name)) return true;
  }
  return false;
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
