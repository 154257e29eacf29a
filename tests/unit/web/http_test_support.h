#pragma once
// What the HTTP server tests share: a sample run table (with hostile names), a raw TCP client
// and a fixture that starts the server in-process on an ephemeral port of 127.0.0.1.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "cipette/core/time.h"
#include "cipette/web/http_server.h"
#include "support/run_fixtures.h"

namespace cipette::web {

using nlohmann::json;

inline const Timestamp kDay0 = days_from_civil(2024, 3, 1) * kSecondsPerDay;
inline const Timestamp kNow = kDay0 + 10 * kSecondsPerDay;
inline const std::string kScriptBranch = "<script>alert(1)</script>";
inline const std::string kImgWorkflow = "\"><img src=x onerror=alert(1)>";

// octo/app's CI run `id` by octocat on main, created `id` hours after kDay0.
inline RunRecord run(std::int64_t id, const std::string& conclusion, Timestamp duration) {
  RunRecord r = testing::listed_ci_run(id, conclusion, kDay0 + id * 3600, duration);
  r.actor = "octocat";
  return r;
}

// Run 6, in octo/lib (repository 2, workflow 20, its own html_url).
inline RunRecord hostile_run() {
  RunRecord r = testing::in_repository(run(6, "success", 60), "octo/lib", 2, 20);
  r.workflow_name = kImgWorkflow;
  r.head_branch = kScriptBranch;
  r.event = "pull_request";
  return r;
}

// octo/app CI on main: S(100s) F(200s) F(300s) S(400s) cancelled(50s), created 1h..5h after
// kDay0; octo/lib's hostile workflow: one success of 60s at 6h.
inline std::shared_ptr<const RunTable> sample_table(int extra_successes = 0) {
  std::vector<RunRecord> runs = {run(1, "success", 100),  run(2, "failure", 200),
                                 run(3, "failure", 300),  run(4, "success", 400),
                                 run(5, "cancelled", 50), hostile_run()};
  for (int i = 0; i < extra_successes; ++i) runs.push_back(run(100 + i, "success", 10));
  return std::make_shared<const RunTable>(testing::table_of(runs, 6 + extra_successes));
}

// A plain TCP connection to 127.0.0.1:port, for what httplib::Client cannot send (pipelined
// requests, Expect: 100-continue, a request sent a byte at a time), from `source` (another
// loopback address stands for another client). Every receive waits at most 5 s.
class RawConnection {
 public:
  explicit RawConnection(int port, const char* source = "127.0.0.1")
      : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    timeval limit{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source, &from.sin_addr);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }
  void send(const std::string& text) { (void)::send(fd_, text.data(), text.size(), MSG_NOSIGNAL); }

  // Reads until `text` has arrived (true) or the connection ends or stalls (false).
  bool receive_until(const std::string& text) {
    while (received_.find(text) == std::string::npos) {
      if (!receive_some()) return false;
    }
    return true;
  }
  // Reads until the server closes the connection (true) or 5 s pass without data (false).
  bool receive_until_closed() {
    char buffer[65536];
    for (;;) {
      ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n == 0) return true;
      if (n < 0) return false;
      received_.append(buffer, static_cast<std::size_t>(n));
    }
  }
  const std::string& received() const { return received_; }
  // Whether anything arrived (or the connection ended) without waiting for it.
  bool readable_now() const {
    char byte;
    return ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT) >= 0;
  }

 private:
  bool receive_some() {
    char buffer[65536];
    ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) return false;
    received_.append(buffer, static_cast<std::size_t>(n));
    return true;
  }

  int fd_;
  bool connected_ = false;
  std::string received_;
};

inline std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void start(ServerOptions options = {}) {
    options.access_log = false;
    if (options.threads == 0) options.threads = 4;
    server_ = std::make_unique<HttpServer>(
        snapshot_, options, [] { return kNow; }, stores_);
    auto port = server_->bind("127.0.0.1", 0);
    ASSERT_TRUE(port) << port.error().message;
    port_ = *port;
    thread_ = std::thread([this] { (void)server_->run(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
  }

  void TearDown() override {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
  }

  httplib::Result get(const std::string& target, const httplib::Headers& headers = {}) {
    return client_->Get(target.c_str(), headers);
  }

  json get_json(const std::string& target, int expected_status = 200) {
    auto res = get(target);
    EXPECT_TRUE(res) << target;
    if (!res) return json();
    EXPECT_EQ(res->status, expected_status) << target << "\n" << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json") << target;
    return json::parse(res->body);
  }

  std::string problem_parameter(const std::string& target) {
    json doc = get_json(target, 400);
    return doc.is_object() ? doc["error"].value("parameter", "") : "";
  }

  Snapshot snapshot_{sample_table()};
  StorePool* stores_ = nullptr;  // set before start() to serve the routes that read the store
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
  int port_ = 0;
};

}  // namespace cipette::web
