#include "cipette/collector/progress.h"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "cipette/core/format.h"

namespace cipette::collector {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kLogInterval = std::chrono::seconds(5);
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);
constexpr std::size_t kMinSecretSize = 8;

std::size_t terminal_width(std::FILE* out) {
  winsize size{};
  if (ioctl(fileno(out), TIOCGWINSZ, &size) == 0 && size.ws_col > 10) return size.ws_col;
  return 100;
}

// Cuts a line to `width` columns (counting bytes: the text is ASCII but for names).
std::string fit(std::string text, std::size_t width) {
  if (text.size() >= width) text.resize(width - 1);
  return text;
}

}  // namespace

std::string format_wait(std::chrono::seconds wait) {
  auto s = wait.count();
  if (s >= 3600) return fmt::format("{}h {:02}m {:02}s", s / 3600, s % 3600 / 60, s % 60);
  if (s >= 60) return fmt::format("{}m {:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

std::string redact(std::string text, std::string_view secret) {
  // Real tokens are 40 characters or more; replacing a very short "secret" everywhere would
  // only garble the output.
  if (secret.size() < kMinSecretSize) return text;
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
    text.replace(at, secret.size(), "***");
  }
  return text;
}

std::optional<std::chrono::seconds> job_backlog_eta(std::int64_t runs, double requests_per_run,
                                                    const github::RateLimit& rate,
                                                    std::int64_t reserve, Timestamp now) {
  if (runs <= 0) return std::chrono::seconds(0);
  if (!rate.known) return std::nullopt;
  auto needed = static_cast<std::int64_t>(std::ceil(static_cast<double>(runs) * requests_per_run));
  std::int64_t now_left = std::max<std::int64_t>(0, rate.remaining - reserve);
  if (needed <= now_left) return std::chrono::seconds(0);
  std::int64_t per_hour = rate.limit - reserve;
  if (per_hour <= 0) return std::nullopt;
  // The windows after the next reset that the rest takes; the last one is counted whole.
  std::int64_t windows = (needed - now_left + per_hour - 1) / per_hour;
  std::int64_t until_reset = std::max<Timestamp>(0, rate.reset - now);
  return std::chrono::seconds(until_reset + windows * 3600);
}

std::string describe_job_backlog(std::int64_t runs, std::optional<std::chrono::seconds> eta) {
  if (runs <= 0) return "jobs: none left to fetch";
  std::string text =
      fmt::format("jobs: {} run{} to fetch", format_count(runs), runs == 1 ? "" : "s");
  if (!eta) return text;
  if (eta->count() == 0) return text + ", within the current rate budget";
  auto hours = static_cast<double>(eta->count()) / 3600.0;
  if (hours < 1.5)
    return text + fmt::format(", ~{} min at the current rate budget",
                              std::max<std::int64_t>(1, (eta->count() + 59) / 60));
  return text + fmt::format(", ~{} h at the current rate budget", std::llround(hours));
}

std::string describe_report(const RepositoryReport& report) {
  std::string ignored =
      report.foreign_runs == 0
          ? ""
          : fmt::format("{} runs of other repositories ignored", report.foreign_runs);
  if (!report.done) {
    std::string text = fmt::format("{}: failed: {}", report.repository, report.error);
    return ignored.empty() ? text : text + "; " + ignored;
  }
  if (!report.synced_by.empty()) {
    return fmt::format("{}: synced by another collector ({})", report.repository, report.synced_by);
  }
  std::string text =
      fmt::format("{}: {} new, {} updated", report.repository, report.inserted, report.updated);
  if (report.reruns > 0) text += fmt::format(" ({} re-run)", report.reruns);
  if (report.attempts > 0) text += fmt::format(", {} earlier attempts", report.attempts);
  text += fmt::format(", {} requests", report.requests);
  if (report.not_modified > 0) text += fmt::format(" ({} answered 304)", report.not_modified);
  if (report.job_requests > 0 || report.jobs_wanted) {
    text += fmt::format("; jobs: {} requests, {} runs, {} jobs stored", report.job_requests,
                        report.job_runs, report.jobs_stored);
    if (report.job_gaps > 0) text += fmt::format(", {} runs deleted", report.job_gaps);
    if (report.job_failures > 0)
      text += fmt::format(", {} runs left for a bad answer", report.job_failures);
    if (report.jobs_wanted)
      text += fmt::format(", {} runs left", format_count(*report.jobs_wanted));
    if (!report.jobs_paused.empty()) text += " (paused: " + report.jobs_paused + ")";
  }
  if (!ignored.empty()) text += ", " + ignored;
  return text;
}

std::string describe_status(const SyncStatus& status) {
  std::string text =
      fmt::format("{}: {} pages, {} runs", status.repository, status.pages, status.runs_read);
  if (status.rate.known) {
    text += fmt::format(", {}/{} requests left", status.rate.remaining, status.rate.limit);
  }
  if (status.jobs_wanted) text += ", " + describe_job_backlog(*status.jobs_wanted, status.jobs_eta);
  if (!status.activity.empty()) text += ": " + status.activity;
  return text;
}

void LogProgress::line(std::string text) {
  text = redact(std::move(text), secret_);
  std::fprintf(out_, "cipette collect: %s\n", text.c_str());
  std::fflush(out_);
}

void LogProgress::update(const SyncStatus& status) {
  std::lock_guard lock(mutex_);
  auto now = Clock::now();
  auto [last, inserted] = last_update_.try_emplace(status.repository, now);
  if (!inserted && now - last->second < kLogInterval) return;
  last->second = now;
  line(describe_status(status));
}

void LogProgress::note(std::string_view repository, std::string_view message) {
  std::lock_guard lock(mutex_);
  line(fmt::format("{}: {}", repository, message));
}

void LogProgress::waiting(std::string_view repository, std::chrono::seconds left,
                          std::string_view reason) {
  std::lock_guard lock(mutex_);
  // A countdown calls again every second: log only when a wait starts (a new reason, or more
  // time left than at the previous call).
  auto [wait, inserted] = waits_.try_emplace(std::string(repository), std::string(reason), left);
  bool starts = inserted || wait->second.first != reason || left > wait->second.second;
  wait->second = {std::string(reason), left};
  if (starts) line(fmt::format("{}: waiting {}: {}", repository, format_wait(left), reason));
}

void LogProgress::finished(const RepositoryReport& report) {
  std::lock_guard lock(mutex_);
  last_update_.erase(report.repository);
  waits_.erase(report.repository);
  line(describe_report(report));
}

TerminalProgress::~TerminalProgress() {
  std::lock_guard lock(mutex_);
  erase();
  std::fflush(out_);
}

void TerminalProgress::update(const SyncStatus& status) {
  std::lock_guard lock(mutex_);
  active_[status.repository] = status;
  if (Clock::now() - last_draw_ < kRedrawInterval) return;
  erase();
  redraw();
}

void TerminalProgress::note(std::string_view repository, std::string_view message) {
  std::lock_guard lock(mutex_);
  print_above(fmt::format("{}: {}", repository, message));
}

void TerminalProgress::waiting(std::string_view repository, std::chrono::seconds left,
                               std::string_view reason) {
  std::lock_guard lock(mutex_);
  SyncStatus& status = active_[std::string(repository)];
  status.repository = std::string(repository);
  status.activity = fmt::format("waiting {}: {}", format_wait(left), reason);
  erase();
  redraw();
}

void TerminalProgress::finished(const RepositoryReport& report) {
  std::lock_guard lock(mutex_);
  active_.erase(report.repository);
  print_above(describe_report(report));
}

void TerminalProgress::print_above(std::string text) {
  erase();
  std::fprintf(out_, "%s\n", redact(std::move(text), secret_).c_str());
  redraw();
}

void TerminalProgress::erase() {
  // Up to the first live line, then clear to the end of the screen.
  if (drawn_lines_ > 0) std::fprintf(out_, "\033[%dA\033[J", drawn_lines_);
  drawn_lines_ = 0;
}

void TerminalProgress::redraw() {
  std::size_t width = terminal_width(out_);
  for (const auto& [repository, status] : active_) {
    std::string text = fit(redact(describe_status(status), secret_), width);
    std::fprintf(out_, "%s\n", text.c_str());
    ++drawn_lines_;
  }
  std::fflush(out_);
  last_draw_ = Clock::now();
}

}  // namespace cipette::collector
