#include "core/grpc/transport.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <deque>
#include <mutex>
#include <ostream>

#include "core/grpc/base64.hpp"
#include "core/grpc/probe.hpp"
#include "core/grpc/status.hpp"
#include "core/tls/openssl_util.hpp"
#include "core/util/error.hpp"
#include "core/version.hpp"

namespace grpcmesh::grpc {
namespace {

constexpr int kCancelled = 1;
constexpr int kUnknown = 2;
constexpr int kDeadlineExceeded = 4;
constexpr int kResourceExhausted = 8;
constexpr int kInternal = 13;
// A dial that did not finish in time, in grpc-go's words.
constexpr std::string_view kHandshakeTimeout =
    "context deadline exceeded (the TLS handshake did not finish within -connect-timeout or -max-time)";
// The largest response header list accepted and advertised (grpc-go's
// defaultClientMaxHeaderListSize).
constexpr std::uint32_t kMaxHeaderList = 16U << 20;
constexpr int kUnavailable = 14;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::pair<std::string, std::string> host_port(const std::string& address) {
  if (!address.empty() && address.front() == '[') {
    auto close = address.find(']');
    return {address.substr(0, close + 1), close + 2 <= address.size() ? address.substr(close + 2) : ""};
  }
  auto colon = address.rfind(':');
  if (colon == std::string::npos) {
    return {address, ""};
  }
  return {address.substr(0, colon), address.substr(colon + 1)};
}

// grpc-message is percent-encoded (PROTOCOL-HTTP2.md).
std::string percent_decode(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool is_binary_key(const std::string& key) { return key.size() > 4 && key.compare(key.size() - 4, 4, "-bin") == 0; }

// The metadata a gRPC client shows: what grpc-go hands to grpcurl (the
// status fields and HTTP/2 machinery left out, content-type kept), -bin
// values decoded; over gRPC-Web also without HTTP/1.1 and CORS headers.
Metadata shown(const Metadata& raw, Wire wire) {
  Metadata out;
  for (const auto& [k, v] : raw) {
    if (k.empty() || k.front() == ':' || k == "grpc-status" || k == "grpc-message" ||
        k == "grpc-status-details-bin" || k == "grpc-encoding" || k == "grpc-accept-encoding" || k == "te" ||
        k == "grpc-timeout" || k == "grpc-message-type") {
      continue;
    }
    if (wire != Wire::kGrpc && (k.rfind("access-control-", 0) == 0 || k == "date" || k == "vary" ||
                                k == "content-length" || k == "transfer-encoding" || k == "connection" ||
                                k == "keep-alive")) {
      continue;
    }
    if (is_binary_key(k)) {
      out.emplace(k, base64_decode(v).value_or(v));
    } else {
      out.emplace(k, v);
    }
  }
  return out;
}

const char* content_type(Wire wire) {
  switch (wire) {
    case Wire::kWeb:
      return "application/grpc-web+proto";
    case Wire::kWebText:
      return "application/grpc-web-text";
    default:
      return "application/grpc";
  }
}

std::string grpc_timeout(std::chrono::system_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::system_clock::now());
  return std::to_string(std::max<long>(1, static_cast<long>(left.count()))) + "m";
}

// Header values that must never reach a log.
bool secret_header(const std::string& name) {
  const std::string n = lower(name);
  return n == "authorization" || n == "proxy-authorization" || n == "cookie" || n == "set-cookie";
}

// -vv: libcurl's own account of the connection, headers redacted.
int debug_log(CURL*, curl_infotype type, char* data, size_t size, void* user) {
  auto& log = *static_cast<std::ostream*>(user);
  std::string_view text(data, size);
  const char* mark = type == CURLINFO_TEXT ? "* " : type == CURLINFO_HEADER_OUT ? "> " : type == CURLINFO_HEADER_IN ? "< " : nullptr;
  if (mark == nullptr) {
    return 0;
  }
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string line(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) {
      line.pop_back();
    }
    if (line.empty()) {
      continue;
    }
    if (type != CURLINFO_TEXT) {
      if (auto colon = line.find(':'); colon != std::string::npos && colon > 0 && secret_header(line.substr(0, colon))) {
        line = line.substr(0, colon) + ": <redacted>";
      }
    }
    log << mark << line << '\n';
  }
  return 0;
}

}  // namespace

// ------------------------------------------------------------------ targets

Target target_from(const Options& o) { return Target{o.address, o.plaintext, o.authority, o.servername}; }

Endpoint endpoint_for(const Target& t) {
  auto [host, port] = host_port(t.address);
  if (port.empty()) {
    port = t.plaintext ? "80" : "443";
  }
  std::string url_host = host;
  if (!t.plaintext && !t.servername.empty()) {
    url_host = t.servername;
  } else if (!t.plaintext && !t.authority.empty()) {
    url_host = host_port(t.authority).first;
  }
  Endpoint e;
  e.url_base = fmt::format("{}://{}:{}", t.plaintext ? "http" : "https", url_host, port);
  if (url_host != host) {
    e.connect_to = fmt::format("{}:{}:{}:{}", url_host, port, host, port);
  }
  // As grpc-go: -authority, else the TLS name override, else the address.
  if (!t.authority.empty()) {
    e.authority = t.authority;
  } else if (!t.plaintext && !t.servername.empty()) {
    e.authority = t.servername;
  } else {
    e.authority = t.address;
  }
  return e;
}

// ------------------------------------------------------------------ calls

struct Call::Impl {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  curl_slist* connect_to = nullptr;
  std::string url;
  std::string path;
  std::string body;  // the whole request, when known up front
  char errbuf[CURL_ERROR_SIZE] = {0};
  WebFrameParser frames;
  WebTextDecoder text;
  size_t header_list = 0;  // the response's header list so far, as HPACK counts it
  std::deque<std::string> inbound;
  std::optional<std::chrono::system_clock::time_point> deadline;
  bool added = false;      // libcurl: in the multi handle
  int32_t stream_id = -1;  // nghttp2: the stream, while open
  bool deferred = false;   // nghttp2: the request body waits for data

  // Shared with the threads that write requests.
  std::mutex mu;
  std::string outbound;
  bool send_closed = false;
  bool upload_paused = false;
  bool cancel_requested = false;
  bool ended = false;
};

struct CallCallbacks {
  static size_t header(char* data, size_t size, size_t count, void* user) {
    return static_cast<Call*>(user)->on_header(std::string_view(data, size * count));
  }
  static size_t body(char* data, size_t size, size_t count, void* user) {
    return static_cast<Call*>(user)->on_body(std::string_view(data, size * count));
  }
  static size_t read(char* buffer, size_t size, size_t count, void* user) {
    return static_cast<Call*>(user)->on_read(buffer, size * count);
  }
};

Call::Call(Connection& connection) : connection_(connection), impl_(std::make_unique<Impl>()) {}

Call::~Call() {
  if (impl_->stream_id >= 0) {
    connection_.h2_abandon(*this);
  }
  if (impl_->easy != nullptr) {
    if (impl_->added) {
      curl_multi_remove_handle(connection_.multi_, impl_->easy);
      connection_.forget(this);
    }
    curl_easy_cleanup(impl_->easy);
  }
  curl_slist_free_all(impl_->headers);
  curl_slist_free_all(impl_->connect_to);
}

bool Call::write(std::string_view message) {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->ended || impl_->send_closed || impl_->cancel_requested) {
      return false;
    }
    const std::string framed = web_frame(message);
    impl_->outbound += connection_.wire_ == Wire::kWebText ? base64_encode(framed) : framed;
  }
  connection_.wake();
  return true;
}

void Call::close_send() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->send_closed = true;
  }
  connection_.wake();
}

void Call::cancel() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->cancel_requested = true;
  }
  connection_.wake();
}

size_t Call::on_read(char* buffer, size_t size) {
  std::lock_guard lock(impl_->mu);
  if (impl_->cancel_requested) {
    return CURL_READFUNC_ABORT;
  }
  if (!impl_->outbound.empty()) {
    const size_t n = std::min(size, impl_->outbound.size());
    std::copy_n(impl_->outbound.data(), n, buffer);
    impl_->outbound.erase(0, n);
    return n;
  }
  if (impl_->send_closed) {
    return 0;  // END_STREAM
  }
  impl_->upload_paused = true;
  return CURL_READFUNC_PAUSE;
}

size_t Call::on_header(std::string_view raw) {
  std::string line(raw);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.pop_back();
  }
  if (line.rfind("HTTP/", 0) == 0) {
    // A new response head (after an interim 1xx, or the first).
    head_.headers.clear();
    headers_done_ = false;
    auto space = line.find(' ');
    head_.status = space == std::string::npos ? 0 : std::atol(line.c_str() + space + 1);
    return raw.size();
  }
  if (line.empty()) {
    if (!headers_done_ && head_.status >= 200) {
      end_of_headers();
    }
    return raw.size();
  }
  auto colon = line.find(':');
  if (colon == std::string::npos) {
    return raw.size();
  }
  std::string value = line.substr(colon + 1);
  value.erase(0, value.find_first_not_of(" \t"));
  (headers_done_ ? raw_trailers_ : head_.headers).emplace(lower(line.substr(0, colon)), value);
  return raw.size();
}

void Call::end_of_headers() {
  headers_done_ = true;
  connection_.connected_ = true;
  // Trailers-Only: the status in the only HEADERS frame. grpc-go then shows
  // no headers and all of it as trailers; so do we.
  trailers_only_ = head_.has("grpc-status");
  if (!trailers_only_) {
    headers_ = shown(head_.headers, connection_.wire_);
  }
}

size_t Call::on_body(std::string_view bytes) {
  if (impl_->cancel_requested) {
    return 0;
  }
  // Only a gRPC response is framed; anything else (an HTML error page) is
  // judged by its HTTP status.
  const std::string type = head_.header("content-type");
  if (head_.status != 200 || type.rfind("application/grpc", 0) != 0) {
    return bytes.size();
  }
  if (connection_.wire_ == Wire::kWebText) {
    auto decoded = impl_->text.feed(bytes);
    if (!decoded) {
      local_status_ = CallOutcome{kInternal, "the gRPC-Web text response is not valid base64", ""};
      return 0;
    }
    impl_->frames.feed(*decoded);
  } else {
    impl_->frames.feed(bytes);
  }
  const size_t max = connection_.options_.max_msg_sz > 0 ? static_cast<size_t>(connection_.options_.max_msg_sz)
                                                          : 4 * 1024 * 1024;
  for (;;) {
    if (auto n = impl_->frames.next_length(); n && *n > max) {
      local_status_ = CallOutcome{
          kResourceExhausted, fmt::format("grpc: received message larger than max ({} vs. {})", *n, max), ""};
      return 0;
    }
    auto frame = impl_->frames.next();
    if (!frame) {
      break;
    }
    if (connection_.wire_ == Wire::kGrpc && (frame->flags & ~0x01) != 0) {
      // grpc-go refuses any flag but "compressed" (rpc_util.go checkRecvPayload).
      local_status_ = CallOutcome{kInternal, fmt::format("grpc: received unexpected payload format {}", frame->flags), ""};
      return 0;
    }
    if (frame->trailer && connection_.wire_ != Wire::kGrpc) {
      for (auto& kv : parse_trailer_block(frame->data)) {
        raw_trailers_.insert(std::move(kv));
      }
    } else if (frame->compressed) {
      local_status_ = CallOutcome{kInternal, "the server sent a compressed message, but no compression was agreed", ""};
      return 0;
    } else {
      impl_->inbound.push_back(std::move(frame->data));
    }
  }
  return bytes.size();
}

void Call::throw_if_dial_failed() {
  if (!dial_error_) {
    return;
  }
  const Options& o = connection_.options_;
  const Target& t = connection_.target_;
  ProbeRequest probe{t.address, t.plaintext, o.insecure, o.cacert,
                     t.servername.empty() ? t.authority : t.servername, std::min(o.connect_timeout, 5.0),
                     !o.cert.empty()};
  // A handshake that ran out of time is not diagnosed: that would take as long again.
  // Nor is a -cacert, -cert or -key that could not be used ("cannot ..."):
  // the files are at fault, not the server, whatever a probe would say.
  std::string why = connection_.diagnose_ && !dial_error_->starts_with(kHandshakeTimeout.substr(0, 26)) &&
                            !dial_error_->starts_with("cannot ")
                        ? diagnose_connection(probe)
                        : std::string();
  if (why.empty()) {
    why = *dial_error_;
  }
  throw Error(fmt::format("failed to dial target host \"{}\": {}", t.address, why));
}

const Metadata& Call::headers() {
  connection_.drive([this] { return headers_done_ || done_; });
  throw_if_dial_failed();
  return headers_;
}

bool Call::read(std::string& message) {
  connection_.drive([this] { return !impl_->inbound.empty() || done_; });
  if (!impl_->inbound.empty()) {
    message = std::move(impl_->inbound.front());
    impl_->inbound.pop_front();
    return true;
  }
  throw_if_dial_failed();
  return false;
}

CallOutcome Call::finish() {
  connection_.drive([this] { return done_; });
  throw_if_dial_failed();
  if (!local_status_ && connection_.wire_ == Wire::kWebText && impl_->text.pending() > 0) {
    local_status_ = CallOutcome{
        kInternal, "the gRPC-Web text response is not valid base64 (it ends inside a group of four characters)", ""};
  }
  if (!local_status_ && impl_->frames.pending() > 0 && outcome_now().code == 0) {
    // The response ended inside a message: grpc-go's io.ErrUnexpectedEOF.
    local_status_ = CallOutcome{
        kInternal, fmt::format("unexpected EOF (the response ended {} bytes into a message)", impl_->frames.pending()),
        ""};
  }
  trailers_ = shown(trailers_only_ ? head_.headers : raw_trailers_, connection_.wire_);
  return outcome_now();
}

CallOutcome Call::outcome_now() const {
  if (local_status_) {
    return *local_status_;
  }
  const Metadata* source = nullptr;
  if (raw_trailers_.count("grpc-status")) {
    source = &raw_trailers_;
  } else if (head_.has("grpc-status")) {
    source = &head_.headers;
  }
  CallOutcome out;
  const bool web = connection_.wire_ != Wire::kGrpc;
  const std::string type = head_.header("content-type");
  if (source != nullptr) {
    const std::string& code = source->find("grpc-status")->second;
    int parsed = 0;
    const auto [end, ec] = std::from_chars(code.data(), code.data() + code.size(), parsed);
    if (code.empty() || ec != std::errc() || end != code.data() + code.size() || parsed < 0) {
      // grpc-go: strconv.ParseInt fails, the call is Internal.
      out.code = kInternal;
      out.message = fmt::format("transport: malformed grpc-status: \"{}\"", code);
      return out;
    }
    out.code = parsed;
    if (auto m = source->find("grpc-message"); m != source->end()) {
      out.message = percent_decode(m->second);
    }
    if (auto d = source->find("grpc-status-details-bin"); d != source->end()) {
      out.details = base64_decode(d->second).value_or("");
    }
  } else if (!web && head_.status == 200 && !type.starts_with("application/grpc")) {
    // grpc-go: a 200 that is not gRPC is Unknown, named by its content-type.
    out.code = kUnknown;
    out.message = fmt::format("transport: received unexpected content-type \"{}\"", type);
  } else if (head_.status != 200) {
    out.code = code_for_http_status(head_.status);
    out.message = web ? fmt::format("HTTP {} with no grpc-status from {} (is it a gRPC-Web endpoint?)", head_.status,
                                    impl_->url)
                      : fmt::format("HTTP {} with no grpc-status from {} (is it a gRPC endpoint?)", head_.status,
                                    impl_->url);
  } else if (web) {
    out.code = kUnknown;
    out.message = "the response ended without a grpc-status";
  } else {
    out.code = kInternal;
    out.message = "server closed the stream without sending trailers";
  }
  return out;
}

struct Connection::H2 {
  int fd = -1;
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  nghttp2_session* session = nullptr;
  int wake = -1;
  bool open = false;
  std::string pending;  // bytes nghttp2 produced that the socket has not taken yet
  std::map<int32_t, Call*> streams;
  std::string goaway_sent;  // why nghttp2 ended the session, when it did

  void close() {
    if (session != nullptr) {
      nghttp2_session_del(session);
      session = nullptr;
    }
    if (ssl != nullptr) {
      SSL_free(ssl);
      ssl = nullptr;
    }
    if (ctx != nullptr) {
      SSL_CTX_free(ctx);
      ctx = nullptr;
    }
    if (fd >= 0) {
      ::close(fd);
      fd = -1;
    }
    open = false;
    pending.clear();
    goaway_sent.clear();
  }
  // >0 bytes, 0 would block, <0 the connection is gone.
  long send_some(const char* data, size_t size) {
    if (ssl != nullptr) {
      ERR_clear_error();
      int n = SSL_write(ssl, data, static_cast<int>(size));
      if (n > 0) {
        return n;
      }
      int err = SSL_get_error(ssl, n);
      return err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ ? 0 : -1;
    }
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n >= 0) {
      return n;
    }
    return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
  }
  long recv_some(char* data, size_t size) {
    if (ssl != nullptr) {
      ERR_clear_error();
      int n = SSL_read(ssl, data, static_cast<int>(size));
      if (n > 0) {
        return n;
      }
      int err = SSL_get_error(ssl, n);
      return err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE ? 0 : -1;
    }
    ssize_t n = ::recv(fd, data, size, 0);
    if (n > 0) {
      return n;
    }
    if (n == 0) {
      return -1;
    }
    return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
  }
};

// ------------------------------------------------------------------ connection

Connection::Connection(const Options& options, const Target& target, Wire wire, std::ostream* log)
    : options_(options), target_(target), endpoint_(endpoint_for(target)), wire_(wire), log_(log) {
  if (wire_ == Wire::kGrpc) {
    h2_ = std::make_unique<H2>();
    h2_->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return;
  }
  static const bool initialised = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  (void)initialised;
  multi_ = curl_multi_init();
  if (multi_ == nullptr) {
    throw Error("could not initialise libcurl");
  }
  curl_multi_setopt(multi_, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  // One connection: every call is a stream on it, as on a gRPC channel.
  curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, 1L);
}

Connection::~Connection() {
  if (h2_) {
    for (auto& [id, call] : h2_->streams) {
      call->impl_->stream_id = -1;
    }
    h2_->close();
    if (h2_->wake >= 0) {
      ::close(h2_->wake);
    }
    return;
  }
  for (auto& [easy, call] : calls_) {
    curl_multi_remove_handle(multi_, easy);
    call->impl_->added = false;
  }
  curl_multi_cleanup(multi_);
}

void Connection::wake() {
  if (h2_) {
    const uint64_t one = 1;
    (void)!::write(h2_->wake, &one, sizeof one);
    return;
  }
  curl_multi_wakeup(multi_);
}

void Connection::forget(Call* call) { calls_.erase(call->impl_->easy); }

std::unique_ptr<Call> Connection::new_transfer(const std::string& path,
                                               std::optional<std::chrono::system_clock::time_point> deadline) {
  std::unique_ptr<Call> call(new Call(*this));
  Call::Impl& x = *call->impl_;
  x.easy = curl_easy_init();
  if (x.easy == nullptr) {
    throw Error("could not initialise libcurl");
  }
  CURL* c = x.easy;
  const Options& o = options_;
  x.url = endpoint_.url_base + path;
  x.deadline = deadline;
  curl_easy_setopt(c, CURLOPT_URL, x.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x.errbuf);
  curl_easy_setopt(c, CURLOPT_PIPEWAIT, 1L);
  long version = CURL_HTTP_VERSION_2TLS;
  if (target_.plaintext && wire_ != Wire::kGrpc && !o.http2) {
    version = CURL_HTTP_VERSION_1_1;
  } else if (target_.plaintext) {
    // h2c with prior knowledge for the first transfer. Later ones ask for
    // plain HTTP/2 and so reuse the connection: libcurl before 8.0 fails a
    // prior-knowledge transfer on a reused connection ("Error in the HTTP2
    // framing layer", curl/curl#10634).
    version = connected_ ? CURL_HTTP_VERSION_2_0 : CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE;
  }
  curl_easy_setopt(c, CURLOPT_HTTP_VERSION, version);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout * 1000));
  if (deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - std::chrono::system_clock::now());
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, std::max<long>(1, static_cast<long>(left.count())));
  }
  if (!endpoint_.connect_to.empty()) {
    x.connect_to = curl_slist_append(nullptr, endpoint_.connect_to.c_str());
    curl_easy_setopt(c, CURLOPT_CONNECT_TO, x.connect_to);
  }
  if (!target_.plaintext) {
    if (!o.cacert.empty()) {
      curl_easy_setopt(c, CURLOPT_CAINFO, o.cacert.c_str());
    }
    if (!o.cert.empty()) {
      curl_easy_setopt(c, CURLOPT_SSLCERT, o.cert.c_str());
      curl_easy_setopt(c, CURLOPT_SSLKEY, o.key.c_str());
    }
    if (o.insecure) {
      curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
  }
  if (o.keepalive_time > 0) {
    // TCP keepalive probes after this much idle time (HTTP/2 PINGs this
    // often would trip grpc-go's ping policy, which allows one per 5 min).
    const long seconds = std::max(1L, static_cast<long>(o.keepalive_time + 0.5));
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(c, CURLOPT_TCP_KEEPIDLE, seconds);
    curl_easy_setopt(c, CURLOPT_TCP_KEEPINTVL, seconds);
  }
  curl_easy_setopt(c, CURLOPT_USERAGENT, ("kubectl-grpcmesh/" + build_info().version).c_str());
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &CallCallbacks::header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, call.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &CallCallbacks::body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, call.get());
  if (log_ != nullptr) {
    curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
    curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, &debug_log);
    curl_easy_setopt(c, CURLOPT_DEBUGDATA, log_);
  }
  return call;
}

void Connection::launch(Call& call) {
  Call::Impl& x = *call.impl_;
  curl_easy_setopt(x.easy, CURLOPT_HTTPHEADER, x.headers);
  if (curl_multi_add_handle(multi_, x.easy) != CURLM_OK) {
    throw Error("could not start a libcurl transfer");
  }
  x.added = true;
  calls_[x.easy] = &call;
}

std::unique_ptr<Call> Connection::start(const std::string& path, const CallSettings& settings,
                                        const std::string* request) {
  if (wire_ == Wire::kGrpc) {
    std::unique_ptr<Call> call(new Call(*this));
    Call::Impl& x = *call->impl_;
    x.url = endpoint_.url_base + path;
    x.path = path;
    x.deadline = settings.deadline;
    if (request != nullptr) {
      x.outbound = web_frame(*request);
      x.send_closed = true;
    }
    h2_start(*call, settings);
    return call;
  }
  std::unique_ptr<Call> call = new_transfer(path, settings.deadline);
  Call::Impl& x = *call->impl_;
  CURL* c = x.easy;
  const std::string type = content_type(wire_);
  curl_slist* h = nullptr;
  h = curl_slist_append(h, ("Content-Type: " + type).c_str());
  if (wire_ == Wire::kGrpc) {
    h = curl_slist_append(h, "TE: trailers");
    h = curl_slist_append(h, "Accept:");
  } else {
    h = curl_slist_append(h, ("Accept: " + type).c_str());
    h = curl_slist_append(h, "X-Grpc-Web: 1");
    h = curl_slist_append(h, ("X-User-Agent: grpc-web-kubectl-grpcmesh/" + build_info().version).c_str());
  }
  h = curl_slist_append(h, "Expect:");
  if (settings.deadline) {
    h = curl_slist_append(h, ("grpc-timeout: " + grpc_timeout(*settings.deadline)).c_str());
  }
  h = curl_slist_append(h, ("Host: " + endpoint_.authority).c_str());
  for (const std::string& extra : extra_headers_) {
    h = curl_slist_append(h, extra.c_str());
  }
  for (const auto& [k, v] : settings.metadata) {
    h = curl_slist_append(h, (k + ": " + v).c_str());
  }
  x.headers = h;
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  if (request != nullptr) {
    const std::string framed = web_frame(*request);
    x.body = wire_ == Wire::kWebText ? base64_encode(framed) : framed;
    x.send_closed = true;
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, x.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(x.body.size()));
  } else {
    curl_easy_setopt(c, CURLOPT_READFUNCTION, &CallCallbacks::read);
    curl_easy_setopt(c, CURLOPT_READDATA, call.get());
  }
  launch(*call);
  return call;
}

HttpHead Connection::preflight(const std::string& path, const std::vector<std::string>& headers) {
  std::unique_ptr<Call> call = new_transfer(path, std::nullopt);
  Call::Impl& x = *call->impl_;
  curl_slist* h = curl_slist_append(nullptr, ("Host: " + endpoint_.authority).c_str());
  for (const std::string& header : headers) {
    h = curl_slist_append(h, header.c_str());
  }
  x.headers = h;
  curl_easy_setopt(x.easy, CURLOPT_CUSTOMREQUEST, "OPTIONS");
  curl_easy_setopt(x.easy, CURLOPT_NOBODY, 1L);
  launch(*call);
  drive([&call] { return call->done(); });
  call->throw_if_dial_failed();
  if (call->local_status_) {
    throw Error(fmt::format("the CORS preflight OPTIONS {} failed: {}", x.url, call->local_status_->message));
  }
  return call->head();
}

void Connection::finished(Call* call, int curl_code, const std::string& curl_error) {
  Call::Impl& x = *call->impl_;
  call->done_ = true;
  x.added = false;
  calls_.erase(x.easy);
  {
    std::lock_guard lock(x.mu);
    x.ended = true;
    if (x.cancel_requested && !call->local_status_) {
      call->local_status_ = CallOutcome{kCancelled, "Canceled", ""};
    }
  }
  if (call->local_status_) {
    return;
  }
  if (curl_code == CURLE_OK) {
    long version = 0;
    curl_easy_getinfo(x.easy, CURLINFO_HTTP_VERSION, &version);
    if (wire_ == Wire::kGrpc && version != CURL_HTTP_VERSION_2_0 && call->head_.status > 0) {
      call->dial_error_ = "the server did not agree to HTTP/2 (ALPN h2): it is not a gRPC endpoint";
    }
    return;
  }
  // A status that arrived before the stream broke still counts.
  if (call->raw_trailers_.count("grpc-status") || call->head_.has("grpc-status")) {
    return;
  }
  if (x.deadline && std::chrono::system_clock::now() >= *x.deadline - std::chrono::milliseconds(5)) {
    call->local_status_ = CallOutcome{kDeadlineExceeded, "Deadline Exceeded", ""};
    return;
  }
  const std::string why = curl_error.empty() ? curl_easy_strerror(static_cast<CURLcode>(curl_code)) : curl_error;
  if (!connected_ && call->head_.status == 0) {
    call->dial_error_ = why + " (run with -vv for the transport's log)";
    return;
  }
  call->local_status_ = CallOutcome{kUnavailable, why, ""};
}

void Connection::drive(const std::function<bool()>& done) {
  if (h2_) {
    h2_drive(done);
    return;
  }
  while (!done()) {
    for (auto it = calls_.begin(); it != calls_.end();) {
      Call* call = (it++)->second;
      Call::Impl& x = *call->impl_;
      bool cancel = false;
      bool resume = false;
      {
        std::lock_guard lock(x.mu);
        cancel = x.cancel_requested;
        if (!cancel && x.upload_paused && (!x.outbound.empty() || x.send_closed)) {
          x.upload_paused = false;
          resume = true;
        }
      }
      if (cancel) {
        curl_multi_remove_handle(multi_, x.easy);
        finished(call, CURLE_ABORTED_BY_CALLBACK, "");
      } else if (resume) {
        curl_easy_pause(x.easy, CURLPAUSE_CONT);
      }
    }
    int running = 0;
    curl_multi_perform(multi_, &running);
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
      if (msg->msg != CURLMSG_DONE) {
        continue;
      }
      CURL* easy = msg->easy_handle;
      const CURLcode code = msg->data.result;
      auto it = calls_.find(easy);
      curl_multi_remove_handle(multi_, easy);
      if (it != calls_.end()) {
        finished(it->second, code, it->second->impl_->errbuf);
      }
    }
    if (done() || calls_.empty()) {
      return;
    }
    curl_multi_poll(multi_, nullptr, 0, 1000, nullptr);
  }
}

// ------------------------------------------------------------------ native gRPC (nghttp2)

namespace {

// grpc-go's mapping of RST_STREAM codes to statuses (http_util.go).
CallOutcome status_for_reset(uint32_t code) {
  switch (code) {
    case NGHTTP2_REFUSED_STREAM:
      return {kUnavailable, "the server refused the stream (RST_STREAM REFUSED_STREAM)", ""};
    case NGHTTP2_CANCEL:
      return {kCancelled, "the server cancelled the stream (RST_STREAM CANCEL)", ""};
    case NGHTTP2_ENHANCE_YOUR_CALM:
      return {kResourceExhausted, "the server says: enhance your calm (RST_STREAM ENHANCE_YOUR_CALM)", ""};
    case NGHTTP2_INADEQUATE_SECURITY:
      return {7, "the server rejected the connection's security (RST_STREAM INADEQUATE_SECURITY)", ""};
    default:
      return {kInternal, fmt::format("stream terminated by RST_STREAM with error code: {}", code), ""};
  }
}

std::string unbracket(std::string host) {
  if (host.size() > 1 && host.front() == '[' && host.back() == ']') {
    return host.substr(1, host.size() - 2);
  }
  return host;
}

}  // namespace

struct H2Callbacks {
  static Call* call_of(nghttp2_session* session, int32_t stream_id) {
    return static_cast<Call*>(nghttp2_session_get_stream_user_data(session, stream_id));
  }
  static int on_header(nghttp2_session* session, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
                       const uint8_t* value, size_t valuelen, uint8_t, void* user) {
    auto& conn = *static_cast<Connection*>(user);
    Call* call = call_of(session, frame->hd.stream_id);
    if (call == nullptr || frame->hd.type != NGHTTP2_HEADERS) {
      return 0;
    }
    // grpc-go's limit on a received header list (internal/transport
    // defaults.go defaultClientMaxHeaderListSize), each field counted as
    // name + value + 32 (RFC 7541 section 4.1): a server's HPACK references
    // cannot make it grow without bound.
    call->impl_->header_list += namelen + valuelen + 32;
    if (call->impl_->header_list > kMaxHeaderList) {
      if (!call->local_status_) {
        call->local_status_ =
            CallOutcome{kInternal, "peer header list size exceeded limit (16 MiB of response headers)", ""};
      }
      return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // resets the stream
    }
    std::string key(reinterpret_cast<const char*>(name), namelen);
    std::string val(reinterpret_cast<const char*>(value), valuelen);
    if (conn.log_ != nullptr) {
      *conn.log_ << "< " << key << ": " << (secret_header(key) ? "<redacted>" : val) << '\n';
    }
    if (frame->headers.cat == NGHTTP2_HCAT_HEADERS && call->headers_done_) {
      call->raw_trailers_.emplace(std::move(key), std::move(val));
    } else if (key == ":status") {
      call->head_.status = std::atol(val.c_str());
    } else if (!key.empty() && key.front() != ':') {
      call->head_.headers.emplace(std::move(key), std::move(val));
    }
    return 0;
  }
  static int on_frame_recv(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
    auto& conn = *static_cast<Connection*>(user);
    if (conn.log_ != nullptr && frame->hd.type == NGHTTP2_GOAWAY) {
      *conn.log_ << "* GOAWAY from the server (error code " << frame->goaway.error_code << ")\n";
    }
    if (frame->hd.type != NGHTTP2_HEADERS) {
      return 0;
    }
    Call* call = call_of(session, frame->hd.stream_id);
    if (call != nullptr && !call->headers_done_ && call->head_.status >= 200) {
      call->end_of_headers();
    }
    return 0;
  }
  static int on_data(nghttp2_session* session, uint8_t, int32_t stream_id, const uint8_t* data, size_t len,
                     void*) {
    Call* call = call_of(session, stream_id);
    if (call == nullptr) {
      return 0;
    }
    if (call->on_body(std::string_view(reinterpret_cast<const char*>(data), len)) != len) {
      nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_CANCEL);
    }
    return 0;
  }
  // nghttp2 ends the session itself (GOAWAY) when the server breaks the
  // protocol, e.g. with a frame larger than allowed: keep its reason.
  static int on_frame_send(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    auto& conn = *static_cast<Connection*>(user);
    if (frame->hd.type == NGHTTP2_GOAWAY && frame->goaway.error_code != NGHTTP2_NO_ERROR) {
      conn.h2_->goaway_sent = fmt::format(
          "HTTP/2 protocol error: {} ({})",
          std::string(reinterpret_cast<const char*>(frame->goaway.opaque_data), frame->goaway.opaque_data_len),
          nghttp2_http2_strerror(frame->goaway.error_code));
    }
    return 0;
  }
  static int on_close(nghttp2_session* session, int32_t stream_id, uint32_t error_code, void* user) {
    auto& conn = *static_cast<Connection*>(user);
    Call* call = call_of(session, stream_id);
    if (call == nullptr) {
      return 0;
    }
    if (conn.log_ != nullptr && error_code != NGHTTP2_NO_ERROR) {
      *conn.log_ << "* stream " << stream_id << " reset (error code " << error_code << ")\n";
    }
    conn.h2_end(*call, error_code);
    return 0;
  }
  static ssize_t read_body(nghttp2_session*, int32_t, uint8_t* buf, size_t length, uint32_t* flags,
                           nghttp2_data_source* source, void*) {
    auto* call = static_cast<Call*>(source->ptr);
    Call::Impl& x = *call->impl_;
    std::lock_guard lock(x.mu);
    if (x.cancel_requested) {
      return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    const size_t n = std::min(length, x.outbound.size());
    std::copy_n(x.outbound.data(), n, buf);
    x.outbound.erase(0, n);
    if (x.outbound.empty() && x.send_closed) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;
    } else if (n == 0) {
      x.deferred = true;
      return NGHTTP2_ERR_DEFERRED;
    }
    return static_cast<ssize_t>(n);
  }
};

void Connection::h2_open(std::optional<std::chrono::system_clock::time_point> call_deadline) {
  H2& h = *h2_;
  const Options& o = options_;
  const int timeout_ms = static_cast<int>(std::max(0.001, o.connect_timeout) * 1000);
  // grpc-go dials (TCP and the TLS handshake) within the dial context:
  // -connect-timeout, and the call's own deadline (-max-time).
  auto dial_deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  if (call_deadline) {
    dial_deadline = std::min(dial_deadline, std::chrono::steady_clock::now() +
                                                std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                    *call_deadline - std::chrono::system_clock::now()));
  }
  std::string error;
  h.fd = connect_tcp(target_.address, timeout_ms, error);
  if (h.fd < 0) {
    throw Error(error);
  }
  const int one = 1;
  setsockopt(h.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (o.keepalive_time > 0) {
    // TCP keepalive probes after this much idle time (HTTP/2 PINGs this
    // often would trip grpc-go's ping policy, which allows one per 5 min).
    const int seconds = std::max(1, static_cast<int>(o.keepalive_time + 0.5));
    setsockopt(h.fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    setsockopt(h.fd, IPPROTO_TCP, TCP_KEEPIDLE, &seconds, sizeof seconds);
    setsockopt(h.fd, IPPROTO_TCP, TCP_KEEPINTVL, &seconds, sizeof seconds);
  }
  if (log_ != nullptr) {
    *log_ << "* connected to " << target_.address << '\n';
  }
  if (!target_.plaintext) {
    h.ctx = SSL_CTX_new(TLS_client_method());
    if (!o.insecure) {
      SSL_CTX_set_verify(h.ctx, SSL_VERIFY_PEER, nullptr);
      if (o.cacert.empty() ? SSL_CTX_set_default_verify_paths(h.ctx) != 1
                           : SSL_CTX_load_verify_locations(h.ctx, o.cacert.c_str(), nullptr) != 1) {
        throw Error(fmt::format("cannot load the CA certificates{}: {}", o.cacert.empty() ? "" : " of -cacert " + o.cacert,
                                tls::ossl::full_error_or("no certificates")));
      }
    }
    if (!o.cert.empty()) {
      if (SSL_CTX_use_certificate_chain_file(h.ctx, o.cert.c_str()) != 1) {
        throw Error(fmt::format("cannot use -cert {}: {}", o.cert, tls::ossl::full_error_or("not a PEM certificate")));
      }
      if (SSL_CTX_use_PrivateKey_file(h.ctx, o.key.c_str(), SSL_FILETYPE_PEM) != 1 ||
          SSL_CTX_check_private_key(h.ctx) != 1) {
        throw Error(fmt::format("cannot use -key {} with -cert {}: {}", o.key, o.cert,
                                tls::ossl::full_error_or("not the certificate's PEM private key")));
      }
    }
    static constexpr unsigned char kAlpn[] = {2, 'h', '2'};
    SSL_CTX_set_alpn_protos(h.ctx, kAlpn, sizeof kAlpn);
    h.ssl = SSL_new(h.ctx);
    // The TLS name: -servername, else the authority's host, else the address's.
    std::string name = target_.servername;
    if (name.empty()) {
      name = host_port(target_.authority.empty() ? target_.address : target_.authority).first;
    }
    name = unbracket(name);
    in6_addr ip{};
    const bool is_ip = inet_pton(AF_INET, name.c_str(), &ip) == 1 || inet_pton(AF_INET6, name.c_str(), &ip) == 1;
    if (!is_ip) {
      SSL_set_tlsext_host_name(h.ssl, name.c_str());
    }
    if (!o.insecure) {
      X509_VERIFY_PARAM* param = SSL_get0_param(h.ssl);
      if (is_ip) {
        X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
      } else {
        X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
      }
    }
    SSL_set_fd(h.ssl, h.fd);
    // Non-blocking, so that a server sending a byte at a time cannot keep
    // the handshake going past the deadline.
    fcntl(h.fd, F_SETFL, fcntl(h.fd, F_GETFL) | O_NONBLOCK);
    int connected = 0;
    for (;;) {
      ERR_clear_error();
      connected = SSL_connect(h.ssl);
      const int why = connected == 1 ? SSL_ERROR_NONE : SSL_get_error(h.ssl, connected);
      if (why != SSL_ERROR_WANT_READ && why != SSL_ERROR_WANT_WRITE) {
        break;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(dial_deadline -
                                                                              std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        throw Error(std::string(kHandshakeTimeout));
      }
      pollfd p{h.fd, static_cast<short>(why == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT), 0};
      poll(&p, 1, static_cast<int>(left.count()));
    }
    if (connected != 1) {
      const long verify = SSL_get_verify_result(h.ssl);
      throw Error(verify != X509_V_OK ? fmt::format("TLS certificate verification failed: {}",
                                                    X509_verify_cert_error_string(verify))
                                      : fmt::format("TLS handshake failed: {}", tls::ossl::full_error_or("the server closed the connection")));
    }
    const unsigned char* alpn = nullptr;
    unsigned int alpn_len = 0;
    SSL_get0_alpn_selected(h.ssl, &alpn, &alpn_len);
    if (std::string_view(reinterpret_cast<const char*>(alpn), alpn_len) != "h2") {
      throw Error("the server did not agree to HTTP/2 (ALPN h2): it is not a gRPC endpoint");
    }
    if (log_ != nullptr) {
      *log_ << "* TLS " << SSL_get_version(h.ssl) << " with " << name << ", ALPN h2\n";
    }
  }
  fcntl(h.fd, F_SETFL, fcntl(h.fd, F_GETFL) | O_NONBLOCK);

  nghttp2_session_callbacks* cb = nullptr;
  nghttp2_session_callbacks_new(&cb);
  nghttp2_session_callbacks_set_on_header_callback(cb, &H2Callbacks::on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, &H2Callbacks::on_frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, &H2Callbacks::on_data);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb, &H2Callbacks::on_close);
  nghttp2_session_callbacks_set_on_frame_send_callback(cb, &H2Callbacks::on_frame_send);
  nghttp2_session_client_new(&h.session, cb, this);
  nghttp2_session_callbacks_del(cb);
  // Large windows: responses are consumed as they come.
  const nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
                                             {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 16 * 1024 * 1024},
                                             {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, kMaxHeaderList}};
  nghttp2_submit_settings(h.session, NGHTTP2_FLAG_NONE, settings, 3);
  nghttp2_session_set_local_window_size(h.session, NGHTTP2_FLAG_NONE, 0, 64 * 1024 * 1024);
  h.open = true;
}

void Connection::h2_start(Call& call, const CallSettings& settings) {
  H2& h = *h2_;
  Call::Impl& x = *call.impl_;
  if (!h.open || nghttp2_session_check_request_allowed(h.session) == 0) {
    if (h.open && !h.streams.empty()) {
      // GOAWAY with calls still running: this call cannot start.
      call.local_status_ = CallOutcome{kUnavailable, "the server is closing the connection (GOAWAY)", ""};
      call.done_ = true;
      x.ended = true;
      return;
    }
    h.close();
    try {
      h2_open(x.deadline);
    } catch (const Error& e) {
      h.close();
      call.dial_error_ = e.what();
      call.done_ = true;
      x.ended = true;
      return;
    }
  }
  std::vector<std::pair<std::string, std::string>> fields = {
      {":method", "POST"},
      {":scheme", target_.plaintext ? "http" : "https"},
      {":path", x.path},
      {":authority", endpoint_.authority},
      {"content-type", "application/grpc"},
      {"te", "trailers"},
      {"user-agent", "kubectl-grpcmesh/" + build_info().version}};
  if (settings.deadline) {
    fields.emplace_back("grpc-timeout", grpc_timeout(*settings.deadline));
  }
  for (const auto& [k, v] : settings.metadata) {
    fields.emplace_back(lower(k), v);
  }
  std::vector<nghttp2_nv> nva;
  for (auto& [k, v] : fields) {
    nva.push_back({reinterpret_cast<uint8_t*>(k.data()), reinterpret_cast<uint8_t*>(v.data()), k.size(), v.size(),
                   NGHTTP2_NV_FLAG_NONE});
    if (log_ != nullptr) {
      *log_ << "> " << k << ": " << (secret_header(k) ? "<redacted>" : v) << '\n';
    }
  }
  nghttp2_data_provider body{};
  body.source.ptr = &call;
  body.read_callback = &H2Callbacks::read_body;
  const int32_t id = nghttp2_submit_request(h.session, nullptr, nva.data(), nva.size(), &body, &call);
  if (id < 0) {
    call.local_status_ = CallOutcome{kInternal, fmt::format("could not start the stream: {}", nghttp2_strerror(id)), ""};
    call.done_ = true;
    x.ended = true;
    return;
  }
  x.stream_id = id;
  h.streams[id] = &call;
}

void Connection::h2_end(Call& call, uint32_t rst_code) {
  H2& h = *h2_;
  Call::Impl& x = *call.impl_;
  if (x.stream_id < 0) {
    return;
  }
  if (h.session != nullptr) {
    nghttp2_session_set_stream_user_data(h.session, x.stream_id, nullptr);
  }
  h.streams.erase(x.stream_id);
  x.stream_id = -1;
  if (call.done_) {
    return;
  }
  call.done_ = true;
  bool cancelled = false;
  {
    std::lock_guard lock(x.mu);
    x.ended = true;
    cancelled = x.cancel_requested;
  }
  if (call.local_status_) {
    return;
  }
  const bool has_status = call.raw_trailers_.count("grpc-status") || call.head_.has("grpc-status");
  const bool deadline_passed =
      x.deadline && std::chrono::system_clock::now() >= *x.deadline - std::chrono::milliseconds(5);
  if (deadline_passed && has_status && call.outcome_now().code == kDeadlineExceeded) {
    // Our deadline and the server's ended the call together: report ours,
    // whichever side noticed first.
    call.local_status_ = CallOutcome{kDeadlineExceeded, "Deadline Exceeded", ""};
  } else if (cancelled) {
    call.local_status_ = CallOutcome{kCancelled, "Canceled", ""};
  } else if (rst_code != NGHTTP2_NO_ERROR && !has_status && deadline_passed) {
    // The server gave up at the deadline a moment before we did.
    call.local_status_ = CallOutcome{kDeadlineExceeded, "Deadline Exceeded", ""};
  } else if (rst_code != NGHTTP2_NO_ERROR && !has_status) {
    call.local_status_ = status_for_reset(rst_code);
  }
}

void Connection::h2_abandon(Call& call) {
  H2& h = *h2_;
  Call::Impl& x = *call.impl_;
  if (h.session != nullptr) {
    nghttp2_session_set_stream_user_data(h.session, x.stream_id, nullptr);
    nghttp2_submit_rst_stream(h.session, NGHTTP2_FLAG_NONE, x.stream_id, NGHTTP2_CANCEL);
  }
  h.streams.erase(x.stream_id);
  x.stream_id = -1;
}

void Connection::h2_fail(const std::string& why) {
  H2& h = *h2_;
  const bool never_answered = !connected_;
  auto streams = h.streams;
  for (auto& [id, call] : streams) {
    if (never_answered) {
      call->dial_error_ = why;
    } else if (!call->local_status_) {
      call->local_status_ = CallOutcome{kUnavailable, why, ""};
    }
    h2_end(*call, NGHTTP2_INTERNAL_ERROR);
  }
  h.close();
}

void Connection::h2_drive(const std::function<bool()>& done) {
  H2& h = *h2_;
  while (!done()) {
    if (!h.open) {
      return;
    }
    // What other threads asked for: more request data, or a cancel.
    auto now = std::chrono::system_clock::now();
    std::optional<std::chrono::system_clock::time_point> next_deadline;
    auto streams = h.streams;
    for (auto& [id, call] : streams) {
      Call::Impl& x = *call->impl_;
      bool resume = false;
      bool cancel = false;
      {
        std::lock_guard lock(x.mu);
        cancel = x.cancel_requested;
        if (x.deferred && (!x.outbound.empty() || x.send_closed)) {
          x.deferred = false;
          resume = true;
        }
      }
      if (cancel) {
        nghttp2_submit_rst_stream(h.session, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
        h2_end(*call, NGHTTP2_CANCEL);
        continue;
      }
      if (x.deadline && now >= *x.deadline) {
        call->local_status_ = CallOutcome{kDeadlineExceeded, "Deadline Exceeded", ""};
        nghttp2_submit_rst_stream(h.session, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
        h2_end(*call, NGHTTP2_CANCEL);
        continue;
      }
      if (x.deadline && (!next_deadline || *x.deadline < *next_deadline)) {
        next_deadline = x.deadline;
      }
      if (resume) {
        nghttp2_session_resume_data(h.session, id);
      }
    }
    // Out: everything nghttp2 has to say (frames gathered into one write),
    // as far as the socket takes it.
    for (;;) {
      while (h.pending.size() < 64 * 1024) {
        const uint8_t* data = nullptr;
        ssize_t n = nghttp2_session_mem_send(h.session, &data);
        if (n < 0) {
          h2_fail(fmt::format("HTTP/2 error: {}", nghttp2_strerror(static_cast<int>(n))));
          return;
        }
        if (n == 0) {
          break;
        }
        h.pending.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
      }
      if (h.pending.empty()) {
        break;
      }
      long sent = h.send_some(h.pending.data(), h.pending.size());
      if (sent < 0) {
        h2_fail("the connection was closed while sending");
        return;
      }
      if (sent == 0) {
        break;
      }
      h.pending.erase(0, static_cast<size_t>(sent));
    }
    if (done()) {
      return;
    }
    if (h.pending.empty() && nghttp2_session_want_read(h.session) == 0 &&
        nghttp2_session_want_write(h.session) == 0) {
      // nghttp2 ended the session (its GOAWAY is out): nothing more will come.
      h2_fail(h.goaway_sent.empty() ? std::string("the HTTP/2 session ended") : h.goaway_sent);
      return;
    }
    if (h.streams.empty() && h.pending.empty()) {
      return;  // nothing left that could make `done` true
    }
    int timeout = 1000;
    if (next_deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*next_deadline - now).count();
      timeout = static_cast<int>(std::clamp<long>(left + 1, 0, 1000));
    }
    pollfd fds[2] = {{h.fd, static_cast<short>(POLLIN | (h.pending.empty() ? 0 : POLLOUT)), 0},
                     {h.wake, POLLIN, 0}};
    const bool buffered = h.ssl != nullptr && SSL_pending(h.ssl) > 0;
    if (!buffered && poll(fds, 2, timeout) < 0 && errno != EINTR) {
      h2_fail("poll failed");
      return;
    }
    if (fds[1].revents & POLLIN) {
      uint64_t count = 0;
      (void)!::read(h.wake, &count, sizeof count);
    }
    if (buffered || (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      char buf[16384];
      for (;;) {
        long n = h.recv_some(buf, sizeof buf);
        if (n < 0) {
          h2_fail(connected_ ? "the server closed the connection"
                             : "the server closed the connection without an HTTP/2 answer");
          return;
        }
        if (n == 0) {
          break;
        }
        ssize_t used = nghttp2_session_mem_recv(h.session, reinterpret_cast<const uint8_t*>(buf), static_cast<size_t>(n));
        if (used < 0) {
          h2_fail(fmt::format("HTTP/2 protocol error: {}", nghttp2_strerror(static_cast<int>(used))));
          return;
        }
      }
    }
  }
}

// ------------------------------------------------------------------ printing

std::string format_metadata(const Metadata& md) {
  if (md.empty()) {
    return "(empty)";
  }
  std::string out;
  for (const auto& [k, v] : md) {
    // Credentials never reach the terminal or CI logs (grpcurl prints them).
    const std::string shown = secret_header(k) ? "<redacted>" : is_binary_key(k) ? base64_encode(v) : v;
    out += fmt::format("{}{}: {}", out.empty() ? "" : "\n", k, shown);
  }
  return out;
}

}  // namespace grpcmesh::grpc
