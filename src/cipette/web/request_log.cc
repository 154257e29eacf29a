#include "cipette/web/request_log.h"

#include <fmt/format.h>

#include <iterator>

#include "cipette/core/time.h"
#include "cipette/web/json_writer.h"  // append_timestamp

namespace cipette::web {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxTargetBytes = 2048;

bool needs_escape(char c) {
  auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7F || c == '"' || c == '\\';
}

void append_log_safe(std::string& out, std::string_view text) {
  for (char c : text) {
    if (needs_escape(c)) {
      fmt::format_to(std::back_inserter(out), "\\x{:02X}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
}

// The request's line, appended to `out`.
void format_request(std::string& out, const HttpRequest& req, const HttpResponse& res) {
  append_timestamp(out, now_utc());
  out += ' ';
  append_log_safe(out, req.remote_addr);
  out += " \"";
  append_log_safe(out, req.method);
  out += ' ';
  append_log_safe(out, std::string_view(req.target).substr(0, kMaxTargetBytes));
  std::chrono::duration<double, std::milli> elapsed = Clock::now() - req.received_at;
  fmt::format_to(std::back_inserter(out), "\" {} {}B {:.1f}ms\n", res.status, res.body_size(),
                 elapsed.count());
}

}  // namespace

std::string log_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_log_safe(out, text);
  return out;
}

AccessLog::AccessLog(std::FILE* out, std::chrono::milliseconds delay)
    : out_(out), delay_(delay), writer_([this] { run_writer(); }) {}

AccessLog::~AccessLog() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  writer_.join();
  flush();
}

void AccessLog::request(const HttpRequest& req, const HttpResponse& res) {
  thread_local std::string line;
  line.clear();
  format_request(line, req, res);
  queue(line);
}

void AccessLog::error(std::string_view method, std::string_view target, std::string_view what) {
  std::string line = "cipette: error: " + log_safe(method) + " " +
                     log_safe(target.substr(0, kMaxTargetBytes)) + ": " + log_safe(what) + "\n";
  queue(line);
  flush();
}

void AccessLog::queue(std::string_view lines) {
  bool was_empty = false;
  {
    std::lock_guard lock(mutex_);
    was_empty = pending_.empty();
    pending_ += lines;
  }
  if (was_empty) wake_.notify_one();
}

void AccessLog::flush() {
  std::lock_guard write_lock(write_mutex_);
  std::string batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(pending_);
  }
  write_out(batch);
}

void AccessLog::write_out(std::string& batch) {
  if (batch.empty()) return;
  std::fwrite(batch.data(), 1, batch.size(), out_);
  std::fflush(out_);
}

void AccessLog::run_writer() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    // Let more lines gather; stopping cuts the wait short.
    wake_.wait_for(lock, delay_, [this] { return stopping_; });
    lock.unlock();
    flush();
    lock.lock();
  }
}

}  // namespace cipette::web
