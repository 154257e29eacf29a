#include "cipette/github/endpoints.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>

#include "cipette/github/job_json.h"
#include "cipette/github/run_json.h"
#include "cipette/github/url.h"

namespace cipette::github {
namespace {

std::size_t skip_space(std::string_view json, std::size_t i) {
  while (i < json.size() &&
         (json[i] == ' ' || json[i] == '\t' || json[i] == '\n' || json[i] == '\r')) {
    ++i;
  }
  return i;
}

// GitHub writes total_count as the first member: read it there without a second parse of a
// page of a megabyte. nullopt when the page does not start that way.
std::optional<std::int64_t> total_count_up_front(std::string_view json) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  constexpr std::string_view kKey = "\"total_count\"";
  if (json.starts_with(kBom)) json.remove_prefix(kBom.size());
  std::size_t i = skip_space(json, 0);
  if (i >= json.size() || json[i] != '{') return std::nullopt;
  i = skip_space(json, i + 1);
  if (json.substr(i, kKey.size()) != kKey) return std::nullopt;
  i = skip_space(json, i + kKey.size());
  if (i >= json.size() || json[i] != ':') return std::nullopt;
  i = skip_space(json, i + 1);
  std::int64_t total = 0;
  auto [end, ec] = std::from_chars(json.data() + i, json.data() + json.size(), total);
  std::size_t after = skip_space(json, static_cast<std::size_t>(end - json.data()));
  if (ec != std::errc() || after >= json.size() || (json[after] != ',' && json[after] != '}')) {
    return std::nullopt;
  }
  return total;
}

// The total_count of a page that parse_runs_document or parse_jobs_document accepted; nullopt when
// the document is not an object with an integer total_count.
std::optional<std::int64_t> read_total_count(std::string_view json) {
  if (auto total = total_count_up_front(json)) return total;
  thread_local simdjson::ondemand::parser parser;
  simdjson::padded_string padded(json);
  simdjson::ondemand::document document;
  if (parser.iterate(padded).get(document) != simdjson::SUCCESS) return std::nullopt;
  simdjson::ondemand::object page;
  if (document.get_object().get(page) != simdjson::SUCCESS) return std::nullopt;
  std::int64_t total = 0;
  if (page.find_field_unordered("total_count").get_int64().get(total) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  return total;
}

}  // namespace

std::string list_runs_path(std::string_view repository, std::string_view created, int per_page) {
  return fmt::format("/repos/{}/actions/runs?per_page={}&exclude_pull_requests=true&created={}",
                     repository, per_page, encode_query_value(created));
}

std::string attempt_path(std::string_view repository, std::int64_t id, std::int64_t attempt) {
  return fmt::format("/repos/{}/actions/runs/{}/attempts/{}?exclude_pull_requests=true", repository,
                     id, attempt);
}

std::string run_path(std::string_view repository, std::int64_t id) {
  return fmt::format("/repos/{}/actions/runs/{}?exclude_pull_requests=true", repository, id);
}

std::string run_jobs_path(std::string_view repository, std::int64_t id, int per_page) {
  return fmt::format("/repos/{}/actions/runs/{}/jobs?filter=all&per_page={}", repository, id,
                     per_page);
}

std::string organisation_repositories_path(std::string_view organisation, int per_page) {
  return fmt::format("/orgs/{}/repos?per_page={}&type=all", organisation, per_page);
}

bool is_valid_organisation_name(std::string_view name) {
  if (name.empty() || name.size() > 100 || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

bool is_api_repository_name(std::string_view name) {
  if (!is_valid_repository_name(name)) return false;
  auto slash = name.find('/');
  auto dots = [](std::string_view part) { return part == "." || part == ".."; };
  return !dots(name.substr(0, slash)) && !dots(name.substr(slash + 1));
}

// A listing page of `Items` parsed by `parse`, with its total_count; `shape` names the page
// expected in the message when there is none.
template <typename Page, typename Parse>
Result<Page> counted_page(std::string_view json, std::string_view source, const Parse& parse,
                          std::string_view shape) {
  auto items = parse(json, source);
  if (!items) return items.error();
  auto total = read_total_count(json);
  if (!total) return fail(fmt::format("{}: expected a {}", source, shape));
  return Page{*total, std::move(*items)};
}

Result<RunsPage> parse_runs_page(std::string_view json, std::string_view source) {
  return counted_page<RunsPage>(
      json, source, parse_runs_document,
      R"(list-workflow-runs page {"total_count": N, "workflow_runs": [...]})");
}

Result<JobsPage> parse_jobs_page(std::string_view json, std::string_view source) {
  return counted_page<JobsPage>(
      json, source, parse_jobs_document,
      R"(list-jobs-for-workflow-run page {"total_count": N, "jobs": [...]})");
}

Result<std::vector<std::string>> parse_repository_names(std::string_view json,
                                                        std::string_view source) {
  auto page = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (page.is_discarded()) return fail(fmt::format("{}: not valid JSON", source));
  if (!page.is_array()) return fail(fmt::format("{}: expected an array of repositories", source));
  std::vector<std::string> names;
  for (std::size_t i = 0; i < page.size(); ++i) {
    const auto& repository = page[i];
    auto name = repository.is_object() ? repository.find("full_name") : repository.end();
    if (name == repository.end() || !name->is_string() ||
        !is_api_repository_name(name->get_ref<const std::string&>())) {
      return fail(
          fmt::format("{}: repository #{}: expected a \"full_name\" owner/name", source, i + 1));
    }
    names.push_back(name->get<std::string>());
  }
  return names;
}

}  // namespace cipette::github
