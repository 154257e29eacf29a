#pragma once

// PostgreSQL's binary COPY format for runs, both ways: the rows the writer stages with
// COPY ... FROM STDIN (FORMAT binary) and the rows scan_runs reads with COPY ... TO STDOUT
// (FORMAT binary). Binary needs no escaping and no number parsing.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "cipette/core/job.h"
#include "cipette/core/result.h"
#include "cipette/core/run.h"
#include "cipette/core/run_store.h"

namespace cipette::storage {

// Fails, naming the run and the field, when a text field of `run` (or of one of its earlier
// attempts) cannot be stored in a PostgreSQL text column: it holds a NUL byte, or is not valid
// UTF-8.
Status check_storable_in_postgres(const RunRecord& run);
// The same for an attempt's text fields, naming the run, the attempt and the field.
Status check_storable_in_postgres(const AttemptRecord& attempt);
// The same for a job's text fields, its labels and its steps', naming the job and the field.
Status check_storable_in_postgres(const JobRecord& job);

// Builds the input of COPY staged_runs FROM STDIN (FORMAT binary): the header, then one row
// per add(), then the trailer from finish(). Column order: ord, round, id, repository_id,
// workflow_id, run_number, run_attempt, created_at, run_started_at, updated_at, status,
// conclusion, event, head_branch, head_sha, actor, workflow_name, path, html_url, version
// (RunRecord::version()); all integers are bigint. An empty conclusion and a missing
// run_started_at are sent as NULL.
class StagedRunsEncoder {
 public:
  StagedRunsEncoder();
  void add(const RunRecord& run, std::int64_t ord, std::int64_t round, std::int64_t repository_id);
  // The complete input. The encoder is spent afterwards.
  std::string finish();

 private:
  void put_int16(std::int16_t value);
  void put_int32(std::int32_t value);
  void put_bigint(std::int64_t value);
  void put_null();
  void put_text(std::string_view text);

  std::string out_;
};

// Reads the rows of COPY (SELECT <kColumns>, <kAttempts> FROM runs r ...) TO STDOUT
// (FORMAT binary), one data message at a time (the first carries the file header, the last
// only the trailer).
class ScannedRunsDecoder {
 public:
  // The columns of runs a scan selects, in the order the decoder reads them.
  static constexpr std::string_view kColumns =
      "id, change_seq, repository_id, workflow_id, run_number, run_attempt, created_at, "
      "run_started_at, updated_at, status, conclusion, event, head_branch, head_sha, actor, "
      "workflow_name, path, html_url";
  // The last column: the run's stored earlier attempts below its run_attempt, in attempt order,
  // as a two-dimensional text[] of one row per attempt (attempt, found as 1 or 0,
  // run_started_at, updated_at, status, conclusion); NULL when there are none. Looked up only
  // for runs with run_attempt > 1 (CASE evaluates the subquery only then): the others cost
  // nothing. Binary COPY sends every element with its length, so no text is ever unescaped.
  static constexpr std::string_view kAttempts =
      "CASE WHEN r.run_attempt > 1 THEN (SELECT array_agg(ARRAY[a.attempt::text, "
      "a.found::integer::text, a.run_started_at::text, a.updated_at::text, a.status, "
      "a.conclusion] ORDER BY a.attempt) FROM attempts a WHERE a.run_id = r.id AND "
      "a.attempt < r.run_attempt) END";

  // Decodes one message into `run` (all fields but `repository`, earlier_attempts included) and
  // `seq`. Returns true for a row, false for the trailer; fails on a malformed message.
  Result<bool> decode(std::string_view message, RunRecord& run, ChangeSeq& seq);

 private:
  bool header_seen_ = false;
};

}  // namespace cipette::storage
