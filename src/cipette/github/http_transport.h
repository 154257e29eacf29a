#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cipette/core/result.h"

namespace cipette::github {

// Response header fields, names compared case-insensitively (HTTP/2 sends them in lower case,
// HTTP/1.1 servers as they like). Keeps every field in arrival order, repeated ones included.
class HttpHeaders {
 public:
  void add(std::string_view name, std::string_view value);
  void clear() { fields_.clear(); }

  // The value of the first field named `name`, trimmed; nullopt when absent.
  std::optional<std::string_view> find(std::string_view name) const;
  // The values of every field named `name`, in order.
  std::vector<std::string_view> find_all(std::string_view name) const;

  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;  // lower-case name, value
};

// One GET. `headers` are sent as given ("Name: value" pairs); they may hold credentials, so
// a transport never logs them or puts them in a message.
struct HttpRequest {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
};

// A complete response, of any status. Redirects are returned, not followed.
struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;
};

// The port through which the GitHub client reaches the network. Implementations need not be
// thread-safe: use one object per thread.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;

  // Sends one GET and returns the response, whatever its status. Fails, with a message naming
  // the URL (never a request header), when no complete response arrived: DNS, connection, TLS,
  // a timeout, a body cut short or larger than the transport accepts.
  virtual Result<HttpResponse> get(const HttpRequest& request) = 0;
};

struct CurlTransportOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds total_timeout{60'000};  // the whole exchange, body included
  std::size_t max_body_bytes = std::size_t{128} << 20;
};

// HttpTransport on libcurl: HTTPS with the system's CA certificates and peer verification,
// proxies from the environment as libcurl reads them (https_proxy / HTTPS_PROXY, http_proxy,
// no_proxy / NO_PROXY), compressed responses, HTTP and HTTPS only, redirects not followed.
// One easy handle is reused for every request, so connections to the same host are kept
// alive between requests. Not thread-safe: one object per thread.
class CurlTransport final : public HttpTransport {
 public:
  // Fails when libcurl cannot be initialised.
  static Result<std::unique_ptr<CurlTransport>> create(CurlTransportOptions options = {});

  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  Result<HttpResponse> get(const HttpRequest& request) override;

 private:
  struct Handle;
  CurlTransport(std::unique_ptr<Handle> handle, CurlTransportOptions options);
  Status configure(const HttpRequest& request);

  std::unique_ptr<Handle> handle_;
  CurlTransportOptions options_;
};

}  // namespace cipette::github
