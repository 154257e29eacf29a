#include "cipette/github/json_documents.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "cipette/github/json_position.h"

namespace cipette::github {

namespace dom = simdjson::dom;

namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

// simdjson parses inputs in batches of up to this many bytes (whole documents; a larger document
// gets a batch of its own size). Its buffers, about 15 bytes per batch byte, and the padded copy
// of inputs up to this size stay allocated for the next call on the same thread, as a collector
// parses page after page.
constexpr std::size_t kBatchBytes = std::size_t{4} << 20;

bool is_blank(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

// "an object with keys "a", "b", ...": what a document of another shape holds.
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

// Receives the documents of the input in turn.
class DocumentVisitor {
 public:
  virtual ~DocumentVisitor() = default;
  // Forget every document seen: the input is parsed again from its start.
  virtual void restart() = 0;
  // Document number `number` (1-based); an error stops the walk.
  virtual Status visit(dom::element document, std::size_t number) = 0;
  // True once the visitor needs no more documents.
  virtual bool done() const { return false; }
};

// Hands the objects of each document in turn to a sink.
class ItemWalker final : public DocumentVisitor {
 public:
  ItemWalker(std::string_view source, const DocumentShape& shape, ItemSink& sink)
      : source_(source), shape_(shape), sink_(sink) {}

  void restart() override { sink_.restart(); }
  Status visit(dom::element document, std::size_t number) override;

 private:
  Status add_page(dom::object page);
  std::string where() const {
    return document_ > 1 ? fmt::format("{}: document #{}", source_, document_)
                         : std::string(source_);
  }

  std::string_view source_;
  const DocumentShape& shape_;
  ItemSink& sink_;
  std::size_t document_ = 0;
};

Status ItemWalker::visit(dom::element document, std::size_t number) {
  document_ = number;
  dom::array items;
  if (document.get_array().get(items) == simdjson::SUCCESS) {
    // A bare array of objects, or an array of pages (`gh api --paginate --slurp`).
    for (dom::element item : items) {
      dom::object object;
      bool page =
          item.get_object().get(object) == simdjson::SUCCESS && has_member(object, shape_.page_key);
      if (Status added = page ? add_page(object) : sink_.add(item); !added) return added;
    }
    return {};
  }
  dom::object object;
  if (document.get_object().get(object) == simdjson::SUCCESS) {
    if (has_member(object, shape_.page_key)) return add_page(object);
    if (has_member(object, "id") && has_member(object, shape_.object_key)) {
      return sink_.add(document);
    }
  }
  return fail(fmt::format(
      "{}: not a {} document: expected {{\"{}\": [...]}}, an array of {} or a {} object; got {}",
      where(), shape_.document, shape_.page_key, shape_.plural, shape_.kind,
      describe_document(document)));
}

Status ItemWalker::add_page(dom::object page) {
  dom::element members = page.at_key(shape_.page_key).value_unsafe();
  dom::array items;
  if (members.get_array().get(items) != simdjson::SUCCESS) {
    return fail(fmt::format("{}: field \"{}\": expected an array of {}, got {}", where(),
                            shape_.page_key, shape_.plural, describe_document(members)));
  }
  sink_.expect(items.size());
  for (dom::element item : items) {
    if (Status added = sink_.add(item); !added) return added;
  }
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
Status parse_documents(std::string_view text, std::string_view source, ParseBuffers& buffers,
                       std::size_t batch, DocumentVisitor& visitor, bool& too_big) {
  dom::document_stream stream;
  simdjson::error_code error =
      buffers.parser.parse_many(buffers.padded.data(), text.size(), batch).get(stream);
  if (error) return syntax_error(text, source, error, 0);
  std::size_t number = 0;
  for (auto it = stream.begin(); it != stream.end() && !visitor.done(); ++it) {
    dom::element document;
    if ((error = (*it).get(document))) {
      too_big = error == simdjson::CAPACITY && batch < text.size();
      if (too_big) return Error{};
      return syntax_error(text, source, error, it.current_index());
    }
    if (Status visited = visitor.visit(document, ++number); !visited) return visited;
  }
  // parse_many drops an incomplete last document silently.
  if (!visitor.done() && stream.truncated_bytes() > 0) {
    too_big = batch < text.size();
    if (too_big) return Error{};
    return syntax_error(text, source, simdjson::TAPE_ERROR, text.size() - stream.truncated_bytes());
  }
  return {};
}

// Hands each document of `json` to `visitor`; see walk_items.
Status walk_documents(std::string_view json, std::string_view source, DocumentVisitor& visitor) {
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
  Status result = parse_documents(json, source, buffers, batch, visitor, too_big);
  if (too_big) {
    visitor.restart();
    result = parse_documents(json, source, buffers, json.size(), visitor, too_big);
  }
  if (buffers.padded.capacity() > kBatchBytes) std::string().swap(buffers.padded);
  if (buffers.parser.capacity() > kBatchBytes) buffers.reset_parser();
  return result;
}

// Finds the first object of the input (see first_object_passes) and tests it.
class FirstObject final : public DocumentVisitor {
 public:
  explicit FirstObject(bool (*test)(dom::object)) : test_(test) {}

  void restart() override { found_ = passed_ = false; }
  Status visit(dom::element document, std::size_t /*number*/) override {
    dom::array items;
    if (document.get_array().get(items) == simdjson::SUCCESS) {
      if (items.size() == 0) return {};
      document = *items.begin();
    }
    dom::object object;
    found_ = true;
    passed_ = document.get_object().get(object) == simdjson::SUCCESS && test_(object);
    return {};
  }
  bool done() const override { return found_; }
  bool passed() const { return passed_; }

 private:
  bool (*test_)(dom::object);
  bool found_ = false;
  bool passed_ = false;
};

}  // namespace

Status walk_items(std::string_view json, std::string_view source, const DocumentShape& shape,
                  ItemSink& sink) {
  ItemWalker walker(source, shape, sink);
  return walk_documents(json, source, walker);
}

bool first_object_passes(std::string_view json, bool (*test)(dom::object object)) {
  FirstObject first(test);
  // Invalid JSON after the first object does not matter here: the caller parses the input next
  // and reports it.
  static_cast<void>(walk_documents(json, "", first));
  return first.passed();
}

bool has_member(dom::object object, std::string_view key) {
  return object.at_key(key).error() == simdjson::SUCCESS;
}

}  // namespace cipette::github
