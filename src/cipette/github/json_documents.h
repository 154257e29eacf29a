#pragma once

#include <simdjson.h>

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

#include "cipette/core/result.h"
#include "cipette/github/json_fields.h"

// Private to cipette_github: the document shapes GitHub's list endpoints answer with and people
// save (a page, a bare array, a single object, an array of pages, pages concatenated), walked
// once for runs and jobs alike.

namespace cipette::github {

// How one kind of object sits in a document.
struct DocumentShape {
  std::string_view page_key;  // the member of a page holding its objects: "workflow_runs"
  std::string_view kind;      // one object, for messages: "run"
  std::string_view plural;    // "runs"
  std::string_view document;  // "workflow-run", for "not a workflow-run document"
  // With "id", the member that makes an object at the top level one object of this kind rather
  // than something else: "workflow_id".
  std::string_view object_key;
};

// Receives the objects of a document walk, in input order.
class ItemSink {
 public:
  virtual ~ItemSink() = default;
  // Forget every object received: the input is walked again from its start.
  virtual void restart() = 0;
  // A page of `more` objects follows.
  virtual void expect(std::size_t more) = 0;
  // One object (any JSON value where an object is expected); an error stops the walk.
  virtual Status add(simdjson::dom::element item) = 0;
};

// Walks `json` (a byte-order mark skipped), handing each object of the kind `shape` describes to
// `sink`. Accepts `{"PAGE_KEY": [...]}`, a bare array of objects, a single object (one with "id"
// and OBJECT_KEY), an array of pages, and any of these concatenated with or without whitespace
// between them. Fails on the first problem: "SOURCE: empty document"; invalid JSON gives
// "SOURCE: line L, column C: WHAT"; a document of another shape "SOURCE: not a DOCUMENT
// document: ..." (with "document #N: " after SOURCE from the second document on); an error of
// the sink as it is.
Status walk_items(std::string_view json, std::string_view source, const DocumentShape& shape,
                  ItemSink& sink);

// Reads one object into a record; fails with "SOURCE: KIND #K (id ID): ...".
template <typename Record>
using ReadItem = Result<Record> (*)(simdjson::dom::element item, const ItemLabel& label);

// walk_items, reading each object with `read`, numbered across the whole input.
template <typename Record>
Result<std::vector<Record>> read_items(std::string_view json, std::string_view source,
                                       const DocumentShape& shape, ReadItem<Record> read) {
  class Sink final : public ItemSink {
   public:
    Sink(std::string_view source, ReadItem<Record> read) : source_(source), read_(read) {}
    void restart() override { records_.clear(); }
    void expect(std::size_t more) override {
      // Grow geometrically: reserving exactly page after page would move every record each time.
      std::size_t needed = records_.size() + more;
      if (needed > records_.capacity()) records_.reserve(std::max(needed, 2 * records_.capacity()));
    }
    Status add(simdjson::dom::element item) override {
      Result<Record> record = read_(item, ItemLabel{source_, records_.size() + 1});
      if (!record) return record.error();
      records_.push_back(std::move(*record));
      return {};
    }
    std::vector<Record> take() { return std::move(records_); }

   private:
    std::string_view source_;
    ReadItem<Record> read_;
    std::vector<Record> records_;
  };
  Sink sink(source, read);
  if (Status walked = walk_items(json, source, shape, sink); !walked) return walked.error();
  return sink.take();
}

// Whether the first object of `json` passes `test`: the first document if it is an object, else
// the first element of the first non-empty array document. False when there is none, or when
// `json` is not valid JSON before it.
bool first_object_passes(std::string_view json, bool (*test)(simdjson::dom::object object));

// Whether `object` has the member `key` (of any value, null too).
bool has_member(simdjson::dom::object object, std::string_view key);

}  // namespace cipette::github
