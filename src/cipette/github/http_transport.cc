#include "cipette/github/http_transport.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <mutex>

#include "cipette/core/text.h"

namespace cipette::github {
namespace {

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using CurlPtr = std::unique_ptr<CURL, CurlDeleter>;
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

// libcurl's global state must be set up once, before any handle, and not concurrently.
CURLcode global_init() {
  static std::once_flag once;
  static CURLcode code = CURLE_OK;
  std::call_once(once, [] { code = curl_global_init(CURL_GLOBAL_DEFAULT); });
  return code;
}

// Where the callbacks of one exchange write.
struct Exchange {
  HttpResponse* response = nullptr;
  std::size_t max_body_bytes = 0;
  bool body_too_large = false;
};

std::size_t write_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  std::size_t bytes = size * count;
  std::string& body = exchange->response->body;
  if (body.size() + bytes > exchange->max_body_bytes) {
    exchange->body_too_large = true;
    return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
  }
  body.append(data, bytes);
  return bytes;
}

// Called once per header line, status lines included. A proxy's CONNECT answer or a
// "100 Continue" comes before the final response: a new status line starts its header afresh.
std::size_t write_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  std::size_t bytes = size * count;
  std::string_view line(data, bytes);
  if (line.starts_with("HTTP/")) {
    exchange->response->headers.clear();
    return bytes;
  }
  auto colon = line.find(':');
  if (colon != std::string_view::npos && colon > 0) {
    exchange->response->headers.add(line.substr(0, colon), trim_whitespace(line.substr(colon + 1)));
  }
  return bytes;
}

}  // namespace

void HttpHeaders::add(std::string_view name, std::string_view value) {
  fields_.emplace_back(ascii_lower(trim_whitespace(name)), std::string(trim_whitespace(value)));
}

std::optional<std::string_view> HttpHeaders::find(std::string_view name) const {
  std::string key = ascii_lower(name);
  for (const auto& [field, value] : fields_) {
    if (field == key) return std::string_view(value);
  }
  return std::nullopt;
}

std::vector<std::string_view> HttpHeaders::find_all(std::string_view name) const {
  std::string key = ascii_lower(name);
  std::vector<std::string_view> values;
  for (const auto& [field, value] : fields_) {
    if (field == key) values.emplace_back(value);
  }
  return values;
}

struct CurlTransport::Handle {
  CurlPtr curl;
  char error[CURL_ERROR_SIZE] = {};
};

Result<std::unique_ptr<CurlTransport>> CurlTransport::create(CurlTransportOptions options) {
  if (CURLcode code = global_init(); code != CURLE_OK) {
    return fail("initialising libcurl: ", curl_easy_strerror(code));
  }
  auto handle = std::make_unique<Handle>();
  handle->curl.reset(curl_easy_init());
  if (!handle->curl) return fail("initialising libcurl: curl_easy_init failed");
  // The constructor is private, so std::make_unique cannot reach it.
  return std::unique_ptr<CurlTransport>(new CurlTransport(std::move(handle), options));
}

CurlTransport::CurlTransport(std::unique_ptr<Handle> handle, CurlTransportOptions options)
    : handle_(std::move(handle)), options_(options) {}

CurlTransport::~CurlTransport() = default;

// Options that hold for every request; curl_easy_reset clears them, keeping the connection
// cache, so each request starts from the same known settings.
Status CurlTransport::configure(const HttpRequest& request) {
  CURL* curl = handle_->curl.get();
  curl_easy_reset(curl);
  handle_->error[0] = '\0';
  bool ok = curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str()) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "") == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                             static_cast<long>(options_.connect_timeout.count())) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                             static_cast<long>(options_.total_timeout.count())) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, handle_->error) == CURLE_OK;
  if (!ok) return fail("GET ", request.url, ": cannot configure libcurl");
  return {};
}

Result<HttpResponse> CurlTransport::get(const HttpRequest& request) {
  HttpResponse response;
  if (auto configured = configure(request); !configured) return configured.error();
  CURL* curl = handle_->curl.get();
  SlistPtr headers;
  for (const auto& [name, value] : request.headers) {
    std::string line = name;
    line.append(": ").append(value);
    curl_slist* appended = curl_slist_append(headers.get(), line.c_str());
    if (appended == nullptr) return fail("GET ", request.url, ": out of memory");
    if (!headers) headers.reset(appended);  // later appends return the same head
  }
  Exchange exchange{&response, options_.max_body_bytes};
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &exchange);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, write_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &exchange);
  CURLcode code = curl_easy_perform(curl);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);  // the list dies with this scope
  if (exchange.body_too_large) {
    return fail(fmt::format("GET {}: the response is larger than {} bytes", request.url,
                            options_.max_body_bytes));
  }
  if (code != CURLE_OK) {
    std::string_view detail = handle_->error[0] != '\0' ? handle_->error : curl_easy_strerror(code);
    return fail(fmt::format("GET {}: {}", request.url, trim_whitespace(detail)));
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace cipette::github
