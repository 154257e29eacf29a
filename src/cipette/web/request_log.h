#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "cipette/web/http_message.h"

namespace cipette::web {

// The access log: one line per request,
//   2024-05-01T12:00:00Z 127.0.0.1 "GET /api/v1/metrics?period=90" 200 1234B 0.8ms
// written to `out` in batches rather than with a system call per request: a writer thread
// wakes when a line is queued, waits `delay` for more, then writes all of them at once. So a
// line appears at most about `delay` after its request, and under load one write carries
// hundreds of lines. Error lines are written at once. Nothing queued is lost: the destructor
// writes what remains. Control characters of the request target are written as \xHH so that a
// request cannot forge log lines. Thread-safe.
class AccessLog {
 public:
  static constexpr std::chrono::milliseconds kDefaultDelay{50};

  explicit AccessLog(std::FILE* out = stderr, std::chrono::milliseconds delay = kDefaultDelay);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  // Queues the line of a request answered with `res` (the duration runs from
  // req.received_at until now).
  void request(const HttpRequest& req, const HttpResponse& res);

  // Writes "cipette: error: <method> <target>: <what>" (an exception in a handler), after the
  // lines queued before it.
  void error(std::string_view method, std::string_view target, std::string_view what);

  // Writes every queued line now.
  void flush();

 private:
  void queue(std::string_view lines);
  void run_writer();
  void write_out(std::string& batch);  // REQUIRES: write_mutex_ held

  std::FILE* out_;
  std::chrono::milliseconds delay_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::string pending_;     // GUARDED_BY(mutex_)
  bool stopping_ = false;   // GUARDED_BY(mutex_)
  std::mutex write_mutex_;  // keeps batches in order
  std::thread writer_;
};

// `text` with bytes below 0x20, 0x7F, '"' and '\\' written as \xHH.
std::string log_safe(std::string_view text);

}  // namespace cipette::web
