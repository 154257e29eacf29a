#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace cipette::web {

// A file of web/ compiled into the binary by cmake/WebAssets.cmake: templates
// ("templates/dashboard.mustache"), static files ("static/dashboard.css") and the vendored uPlot
// files ("static/vendor/uPlot.iife.min.js").
struct EmbeddedFile {
  std::string_view name;
  std::string_view data;
};

// Every embedded file, in no particular order. Defined in the generated web_assets.cc.
std::span<const EmbeddedFile> embedded_files();

// The bytes of the embedded file `name`, or none.
std::optional<std::string_view> find_embedded(std::string_view name);

// The Content-Type to serve a file with, by its extension ("application/octet-stream" when
// unknown).
std::string_view content_type_for(std::string_view name);

}  // namespace cipette::web
