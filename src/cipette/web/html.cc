#include "cipette/web/html.h"

#include <map>
#include <mutex>
#include <stdexcept>

#include "cipette/web/assets.h"

namespace cipette::web {

namespace {

constexpr std::string_view kTemplatePrefix = "templates/";
constexpr std::string_view kTemplateSuffix = ".mustache";

// Every embedded template by its short name ("head"), for partials. Built once.
const std::map<std::string, std::string>& partials() {
  static const std::map<std::string, std::string> by_name = [] {
    std::map<std::string, std::string> result;
    for (const EmbeddedFile& file : embedded_files()) {
      std::string_view name = file.name;
      if (!name.starts_with(kTemplatePrefix) || !name.ends_with(kTemplateSuffix)) continue;
      name.remove_prefix(kTemplatePrefix.size());
      name.remove_suffix(kTemplateSuffix.size());
      result.emplace(std::string(name), std::string(file.data));
    }
    return result;
  }();
  return by_name;
}

// mstch's own escaper also rewrites '/' and is global state: install ours once, before the
// first render, so that the escaping the templates rely on is the one tested here.
void install_escaper() {
  static std::once_flag once;
  std::call_once(
      once, [] { mstch::config::escape = [](const std::string& s) { return html_escape(s); }; });
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    bool unreserved = (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
                      (byte >= '0' && byte <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

std::string safe_http_url(std::string_view url) {
  if (!url.starts_with("https://") && !url.starts_with("http://")) return "";
  return std::string(url);
}

std::string query_string(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (value.empty()) continue;
    if (!out.empty()) out += '&';
    out += url_encode(name);
    out += '=';
    out += url_encode(value);
  }
  return out;
}

std::string render_template(std::string_view name, const mstch::node& context) {
  install_escaper();
  auto found = partials().find(std::string(name));
  if (found == partials().end()) {
    throw std::runtime_error("template not embedded: " + std::string(name));
  }
  return mstch::render(found->second, context, partials());
}

}  // namespace cipette::web
