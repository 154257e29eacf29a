#include "cipette/web/server.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "cipette/web/http_server.h"
#include "cipette/web/security.h"

namespace cipette::web {

namespace {

std::atomic<bool> shutdown_requested = false;
static_assert(std::atomic<bool>::is_always_lock_free, "used from a signal handler");

extern "C" void on_shutdown_signal(int) { shutdown_requested.store(true); }

// While alive, SIGINT and SIGTERM make the server stop (in-flight requests are answered); a
// second signal, once the first is seen, gets the default action. Restores the previous
// handlers when destroyed.
class ShutdownOnSignal {
 public:
  explicit ShutdownOnSignal(HttpServer& server) : server_(server) {
    shutdown_requested = false;
    struct sigaction action {};
    action.sa_handler = on_shutdown_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &previous_int_);
    sigaction(SIGTERM, &action, &previous_term_);
    watcher_ = std::thread([this] { watch(); });
  }
  ~ShutdownOnSignal() {
    done_ = true;
    watcher_.join();
    sigaction(SIGINT, &previous_int_, nullptr);
    sigaction(SIGTERM, &previous_term_, nullptr);
  }
  ShutdownOnSignal(const ShutdownOnSignal&) = delete;
  ShutdownOnSignal& operator=(const ShutdownOnSignal&) = delete;

 private:
  // Signal handlers may not call into the server, so a thread polls the flag.
  void watch() {
    while (!done_) {
      if (shutdown_requested) {
        std::signal(SIGINT, SIG_DFL);
        std::signal(SIGTERM, SIG_DFL);
        std::fputs("cipette: shutting down (finishing the requests in flight)\n", stderr);
        server_.stop();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  HttpServer& server_;
  struct sigaction previous_int_ {};
  struct sigaction previous_term_ {};
  std::atomic<bool> done_ = false;
  std::thread watcher_;
};

void warn_if_exposed(const ServerOptions& options) {
  if (!options.auth_token.empty() || is_loopback_host(options.host)) return;
  fmt::print(stderr,
             "cipette: WARNING: listening on {} without access control.\n"
             "cipette: WARNING: anyone who can reach this address can read your CI data.\n"
             "cipette: WARNING: set CIPETTE_AUTH_TOKEN, or listen on 127.0.0.1.\n",
             options.host);
}

std::string url_of(const std::string& host, int port) {
  bool ipv6 = host.find(':') != std::string::npos;
  std::string shown = host == "0.0.0.0" ? "127.0.0.1" : host == "::" ? "[::1]" : host;
  if (ipv6 && shown.front() != '[') shown = "[" + shown + "]";
  return fmt::format("http://{}:{}/", shown, port);
}

// glibc gives threads their own malloc arenas (up to 8 per core), and each keeps what its
// thread freed: with a hundred worker threads taking turns at rendering, resident memory would
// climb far past what is in use. Renderings are limited to one per core, so that many arenas
// suffice.
void limit_malloc_arenas() {
#if defined(__GLIBC__)
  mallopt(M_ARENA_MAX, static_cast<int>(std::max(2u, std::thread::hardware_concurrency())));
#endif
}

}  // namespace

Status serve(const ServerOptions& options, const StoreOpener& open_store,
             const std::function<void(const std::string& url)>& on_listening) {
  limit_malloc_arenas();
  Snapshot snapshot;
  SnapshotRefresher refresher(snapshot, open_store,
                              std::chrono::seconds(std::max(1, options.refresh_interval_seconds)));
  if (auto loaded = refresher.refresh(); !loaded) return loaded.error();
  fmt::print(stderr, "cipette: loaded {} runs and {} jobs\n", snapshot.current()->table->size(),
             snapshot.current()->jobs->size());
  ServerOptions with_store = options;
  with_store.open_store = open_store;
  HttpServer server(snapshot, with_store);
  auto port = server.bind(options.host, options.port);
  if (!port) return port.error();
  warn_if_exposed(options);
  ShutdownOnSignal on_signal(server);
  refresher.start();
  if (on_listening) on_listening(url_of(options.host, *port));
  Status result = server.run();
  refresher.stop();
  return result;
}

}  // namespace cipette::web
