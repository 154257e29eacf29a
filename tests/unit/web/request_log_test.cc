#include "cipette/web/request_log.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <regex>
#include <thread>

namespace cipette::web {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

std::string contents(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string text;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, f)) text.append(buffer, n);
  return text;
}

HttpRequest request(const std::string& target) {
  HttpRequest req;
  req.method = "GET";
  req.target = target;
  req.remote_addr = "127.0.0.1";
  return req;
}

TEST(AccessLogTest, WritesOneLinePerRequestInOrderOnceFlushed) {
  std::unique_ptr<std::FILE, FileCloser> file(std::tmpfile());
  ASSERT_TRUE(file);
  AccessLog log(file.get(), std::chrono::hours(1));  // only flush() writes
  HttpResponse ok;
  ok.status = 200;
  ok.body = std::make_shared<const std::string>("12345");
  HttpResponse missing;
  missing.status = 404;
  log.request(request("/api/v1/metrics?period=90"), ok);
  log.request(request("/nothing"), missing);
  EXPECT_EQ(contents(file.get()), "");  // batched, not yet written
  log.flush();
  std::string text = contents(file.get());
  std::regex line(
      R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ 127\.0\.0\.1 "GET /api/v1/metrics\?period=90" 200 5B \d+\.\dms\n)"
      R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ 127\.0\.0\.1 "GET /nothing" 404 0B \d+\.\dms\n)");
  EXPECT_TRUE(std::regex_match(text, line)) << text;
}

TEST(AccessLogTest, TimesTheRequestFromItsArrival) {
  std::unique_ptr<std::FILE, FileCloser> file(std::tmpfile());
  ASSERT_TRUE(file);
  {
    AccessLog log(file.get());
    HttpResponse res;
    res.status = 200;
    res.body = std::make_shared<const std::string>(49779, 'x');
    HttpRequest req = request("/api/v1/metrics");
    req.received_at -= std::chrono::milliseconds(1500);
    log.request(req, res);
  }  // the destructor writes what is queued
  std::string text = contents(file.get());
  EXPECT_NE(text.find("\"GET /api/v1/metrics\" 200 49779B 1"), std::string::npos) << text;
  EXPECT_TRUE(text.ends_with("ms\n")) << text;
  // At least 1,500 ms, and well under a minute on any machine.
  double ms = std::stod(text.substr(text.rfind(' ') + 1));
  EXPECT_GE(ms, 1500.0) << text;
  EXPECT_LT(ms, 60000.0) << text;
}

TEST(AccessLogTest, ALineAppearsWithinTheDelayWithoutAFlush) {
  std::unique_ptr<std::FILE, FileCloser> file(std::tmpfile());
  ASSERT_TRUE(file);
  AccessLog log(file.get(), std::chrono::milliseconds(10));
  HttpResponse res;
  res.status = 204;
  log.request(request("/healthz"), res);
  std::string text;
  for (int i = 0; i < 1000 && text.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    text = contents(file.get());
  }
  EXPECT_NE(text.find("\"GET /healthz\" 204 0B "), std::string::npos) << text;
}

TEST(AccessLogTest, ErrorsAreWrittenAtOnceAfterTheLinesBeforeThem) {
  std::unique_ptr<std::FILE, FileCloser> file(std::tmpfile());
  ASSERT_TRUE(file);
  AccessLog log(file.get(), std::chrono::hours(1));
  HttpResponse res;
  res.status = 200;
  log.request(request("/a"), res);
  log.error("GET", "/b\nforged", "boom \"x\"");
  std::string text = contents(file.get());
  ASSERT_NE(text.find("\"GET /a\" 200"), std::string::npos) << text;
  EXPECT_TRUE(text.ends_with("cipette: error: GET /b\\x0Aforged: boom \\x22x\\x22\n")) << text;
}

}  // namespace
}  // namespace cipette::web
