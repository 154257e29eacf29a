#pragma once

#include <mstch/mstch.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cipette::web {

// Escapes text for HTML element content and quoted attribute values: & < > " ' become
// entities. Every {{value}} of a template goes through this (see render_template).
std::string html_escape(std::string_view text);

// Percent-encodes a URL query component: everything but unreserved characters (RFC 3986
// letters, digits, - . _ ~) becomes %XX.
std::string url_encode(std::string_view text);

// `url` when it is an http(s) address, else "": a link taken from GitHub's data must never
// become a javascript: or data: link.
std::string safe_http_url(std::string_view url);

// "a=1&b=x%20y" from name/value pairs, skipping pairs whose value is empty.
std::string query_string(const std::vector<std::pair<std::string, std::string>>& pairs);

// Renders the embedded template web/templates/<name>.mustache with `context`. Every other
// embedded template is available as a partial ({{> head}}). Values are HTML-escaped by
// html_escape; templates never use triple mustaches for data. Throws std::runtime_error when the
// template is not embedded (a build error, not an expected failure).
std::string render_template(std::string_view name, const mstch::node& context);

}  // namespace cipette::web
