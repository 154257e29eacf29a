#include "cipette/github/run_json.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <string>
#include <utility>

#include "cipette/github/json_position.h"
#include "cipette/github/run_object.h"

namespace cipette::github {

namespace dom = simdjson::dom;

namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

// simdjson parses inputs in batches of up to this many bytes (whole documents; a larger document
// gets a batch of its own size). Its buffers, about 15 bytes per batch byte, and the padded copy
// of inputs up to this size stay allocated for the next call on the same thread, as a collector
// parses page after page.
constexpr std::size_t kBatchBytes = std::size_t{4} << 20;

constexpr std::string_view kExpectedShapes =
    "expected {\"workflow_runs\": [...]}, an array of runs or a run object";

bool is_blank(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

bool has_member(dom::object object, std::string_view key) {
  return object.at_key(key).error() == simdjson::SUCCESS;
}

// "an object with keys "a", "b", ...": what a document that is not a run document holds.
std::string describe_document(dom::element document) {
  dom::object object;
  if (document.get_object().get(object) != simdjson::SUCCESS) return describe(document);
  std::string_view message;
  if (object.at_key("message").get(message) == simdjson::SUCCESS) {
    return "GitHub's error message " + quote_for_message(message, 200);
  }
  if (object.size() == 0) return "an empty object";
  std::string keys;
  std::size_t shown = 0;
  for (auto [key, value] : object) {
    if (shown == 4) return "an object with keys " + keys + ", ...";
    keys += (shown++ == 0 ? "" : ", ") + quote_for_message(key, 40);
  }
  return "an object with keys " + keys;
}

// Collects the runs of each document in turn, numbering them across the whole input.
class RunCollector {
 public:
  explicit RunCollector(std::string_view source) : source_(source) {}

  Status add_document(dom::element document, std::size_t number);
  std::vector<RunRecord> take() { return std::move(runs_); }

 private:
  Status add_page(dom::object page);
  Status add_run(dom::element run);
  std::string where() const {
    return document_ > 1 ? fmt::format("{}: document #{}", source_, document_)
                         : std::string(source_);
  }

  std::string_view source_;
  std::size_t document_ = 0;
  std::vector<RunRecord> runs_;
};

Status RunCollector::add_document(dom::element document, std::size_t number) {
  document_ = number;
  dom::array items;
  if (document.get_array().get(items) == simdjson::SUCCESS) {
    // A bare array of runs, or an array of pages (`gh api --paginate --slurp`).
    for (dom::element item : items) {
      dom::object object;
      bool page =
          item.get_object().get(object) == simdjson::SUCCESS && has_member(object, "workflow_runs");
      if (Status added = page ? add_page(object) : add_run(item); !added) return added;
    }
    return {};
  }
  dom::object object;
  if (document.get_object().get(object) == simdjson::SUCCESS) {
    if (has_member(object, "workflow_runs")) return add_page(object);
    if (has_member(object, "id") && has_member(object, "workflow_id")) return add_run(document);
  }
  return fail(fmt::format("{}: not a workflow-run document: {}; got {}", where(), kExpectedShapes,
                          describe_document(document)));
}

Status RunCollector::add_page(dom::object page) {
  dom::element runs = page.at_key("workflow_runs").value_unsafe();
  dom::array items;
  if (runs.get_array().get(items) != simdjson::SUCCESS) {
    return fail(fmt::format("{}: field \"workflow_runs\": expected an array of runs, got {}",
                            where(), describe_document(runs)));
  }
  // Grow geometrically: reserving exactly page after page would move every run each time.
  std::size_t needed = runs_.size() + items.size();
  if (needed > runs_.capacity()) runs_.reserve(std::max(needed, 2 * runs_.capacity()));
  for (dom::element item : items) {
    if (Status added = add_run(item); !added) return added;
  }
  return {};
}

Status RunCollector::add_run(dom::element run) {
  Result<RunRecord> record = read_run(run, RunLabel{source_, runs_.size() + 1});
  if (!record) return record.error();
  runs_.push_back(std::move(*record));
  return {};
}

// "SOURCE: line L, column C: WHAT" for text simdjson refused with `code`.
Error syntax_error(std::string_view text, std::string_view source, simdjson::error_code code,
                   std::size_t document_start) {
  if (auto found = find_json_syntax_error(text)) {
    TextPosition at = position_of(text, found->offset);
    return fail(fmt::format("{}: line {}, column {}: {}", source, at.line, at.column, found->what));
  }
  // simdjson refused something the scanner accepts: point at the document at least.
  TextPosition at = position_of(text, std::min(document_start, text.size()));
  return fail(fmt::format("{}: in the document at line {}, column {}: {}", source, at.line,
                          at.column, simdjson::error_message(code)));
}

// What one thread keeps between calls: the parser's buffers and a padded copy of the input.
struct ParseBuffers {
  ParseBuffers() { reset_parser(); }

  void reset_parser() {
    parser = dom::parser();
#ifdef SIMDJSON_THREADS_ENABLED
    parser.threaded = false;  // no helper thread behind the caller's back
#endif
  }

  dom::parser parser;
  std::string padded;
};

// Parses buffers.padded, holding `text` (no byte-order mark, not blank), a sequence of documents,
// in batches of `batch` bytes. Sets `too_big` and fails when a document is larger than a batch.
Result<std::vector<RunRecord>> parse_documents(std::string_view text, std::string_view source,
                                               ParseBuffers& buffers, std::size_t batch,
                                               bool& too_big) {
  dom::document_stream stream;
  simdjson::error_code error =
      buffers.parser.parse_many(buffers.padded.data(), text.size(), batch).get(stream);
  if (error) return syntax_error(text, source, error, 0);
  RunCollector collector(source);
  std::size_t number = 0;
  for (auto it = stream.begin(); it != stream.end(); ++it) {
    dom::element document;
    if ((error = (*it).get(document))) {
      too_big = error == simdjson::CAPACITY && batch < text.size();
      if (too_big) return Error{};
      return syntax_error(text, source, error, it.current_index());
    }
    if (Status added = collector.add_document(document, ++number); !added) return added.error();
  }
  // parse_many drops an incomplete last document silently.
  if (stream.truncated_bytes() > 0) {
    too_big = batch < text.size();
    if (too_big) return Error{};
    return syntax_error(text, source, simdjson::TAPE_ERROR, text.size() - stream.truncated_bytes());
  }
  return collector.take();
}

}  // namespace

Result<std::vector<RunRecord>> parse_runs_document(std::string_view json, std::string_view source) {
  if (json.starts_with(kByteOrderMark)) json.remove_prefix(kByteOrderMark.size());
  if (is_blank(json)) return fail(fmt::format("{}: empty document", source));
  thread_local ParseBuffers buffers;
  // simdjson reads up to SIMDJSON_PADDING bytes past the end of its input.
  buffers.padded.reserve(json.size() + simdjson::SIMDJSON_PADDING);
  buffers.padded.assign(json);
  buffers.padded.append(simdjson::SIMDJSON_PADDING, '\0');
  // Small batches keep simdjson's buffers small and reused; a document larger than a batch
  // (a big array of runs) needs a batch the size of the input.
  bool too_big = false;
  std::size_t batch = std::clamp(json.size(), simdjson::dom::MINIMAL_BATCH_SIZE, kBatchBytes);
  auto result = parse_documents(json, source, buffers, batch, too_big);
  if (too_big) result = parse_documents(json, source, buffers, json.size(), too_big);
  if (buffers.padded.capacity() > kBatchBytes) std::string().swap(buffers.padded);
  if (buffers.parser.capacity() > kBatchBytes) buffers.reset_parser();
  return result;
}

}  // namespace cipette::github
