// The native transport (transport.hpp): HTTP/2 on libnghttp2 over one TLS
// connection (OpenSSL) that this file drives itself, for https:// servers
// reached without a proxy. Concurrent exchanges are streams of that
// connection; responses are inflated as they arrive when gzip-encoded.
#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <utility>

#include "core/kube/transport.hpp"
#include "core/kube/wire.hpp"
#include "core/tls/openssl_util.hpp"

namespace grpcmesh::kube {
namespace {

// The largest response header list accepted and advertised (Go's HTTP/2
// client, which client-go uses: 10 MiB).
constexpr std::uint32_t kMaxHeaderList = 10U << 20;

using Clock = std::chrono::steady_clock;

std::string unbracket(const std::string& host) {
  if (host.size() > 1 && host.front() == '[' && host.back() == ']') {
    return host.substr(1, host.size() - 2);
  }
  return host;
}

bool is_ip(const std::string& name) {
  in6_addr ip{};
  return inet_pton(AF_INET, name.c_str(), &ip) == 1 || inet_pton(AF_INET6, name.c_str(), &ip) == 1;
}


long ms_between(Clock::time_point from, Clock::time_point to) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count());
}

// Waits for `events` on fd until `deadline`; false when it passed.
bool wait_fd(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    long left = ms_between(Clock::now(), deadline);
    if (left <= 0) {
      return false;
    }
    pollfd p{fd, events, 0};
    int n = poll(&p, 1, static_cast<int>(std::min(left, 1000L)));
    if (n > 0) {
      return true;
    }
    if (n < 0 && errno != EINTR) {
      return true;  // let the next call report the error
    }
  }
}

struct Outcome {
  Failure failure = Failure::kNone;
  std::string detail;
};

// A TCP connection to host:port within the deadline, non-blocking.
int dial(const std::string& host, const std::string& port, Clock::time_point deadline, Outcome& out) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string name = unbracket(host);
  if (int rc = getaddrinfo(name.c_str(), port.c_str(), &hints, &found); rc != 0) {
    out = {Failure::kUnknownHost, fmt::format("Could not resolve host: {} ({})", name, gai_strerror(rc))};
    return -1;
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, &freeaddrinfo);
  int last_error = ECONNREFUSED;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last_error = errno;
      continue;
    }
    if (connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
      last_error = errno;
      close(fd);
      continue;
    }
    if (!wait_fd(fd, POLLOUT, deadline)) {
      close(fd);
      out = {Failure::kTimeout, fmt::format("Connection timed out connecting to {} port {}", name, port)};
      return -1;
    }
    int error = 0;
    socklen_t len = sizeof error;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
    if (error != 0) {
      last_error = error;
      close(fd);
      continue;
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    return fd;
  }
  out = {last_error == ECONNREFUSED ? Failure::kRefused : Failure::kOther,
         fmt::format("Failed to connect to {} port {}: {}", name, port, std::strerror(last_error))};
  return -1;
}

// One response body being inflated (Content-Encoding: gzip).
struct Inflater {
  z_stream z{};
  bool ready = false;
  bool ended = false;
  ~Inflater() {
    if (ready) {
      inflateEnd(&z);
    }
  }
  // Appends the inflated bytes to `out`; false when the data is not gzip.
  bool feed(const uint8_t* data, size_t size, std::string& out) {
    if (!ready) {
      if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
        return false;
      }
      ready = true;
    }
    z.next_in = const_cast<Bytef*>(data);
    z.avail_in = static_cast<uInt>(size);
    unsigned char buf[16384];
    while (z.avail_in > 0 && !ended) {
      z.next_out = buf;
      z.avail_out = sizeof buf;
      int rc = inflate(&z, Z_NO_FLUSH);
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
        return false;
      }
      out.append(reinterpret_cast<const char*>(buf), sizeof buf - z.avail_out);
      ended = rc == Z_STREAM_END;
      if (rc == Z_BUF_ERROR && z.avail_out != 0) {
        break;
      }
    }
    return true;
  }
};

class H2Transport final : public Transport {
 public:
  explicit H2Transport(const TransportSettings& s) : settings_(s) {
    name_ = unbracket(s.tls_server_name.empty() ? s.host : s.tls_server_name);
  }
  // On a connected socket without TLS (make_h2_transport_on_socket).
  H2Transport(const TransportSettings& s, int fd) : H2Transport(s) {
    fd_ = fd;
    plain_ = true;
    fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
  }

  ~H2Transport() override { close_connection(); }

  H2Transport(const H2Transport&) = delete;
  H2Transport& operator=(const H2Transport&) = delete;

  // Connects (TCP, TLS, HTTP/2) unless connected.
  Outcome connect() {
    if (session_ != nullptr) {
      return {};
    }
    Outcome out;
    // --request-timeout bounds the connecting too, as it does with libcurl.
    auto budget = settings_.connect_timeout;
    if (settings_.request_timeout.count() > 0) {
      budget = std::min(budget, settings_.request_timeout);
    }
    const auto deadline = Clock::now() + budget;
    if (plain_) {
      if (fd_ < 0) {
        return {Failure::kReset, "the connection is closed"};  // its one socket is gone
      }
    } else {
      if (ctx_ == nullptr && !make_context(out)) {
        ctx_.reset();  // half set up: the next attempt starts over
        return out;
      }
      fd_ = dial(settings_.host, settings_.port, deadline, out);
      if (fd_ < 0) {
        return out;
      }
      if (!handshake(deadline, out)) {
        close_connection();
        return out;
      }
    }
    nghttp2_session_callbacks* cb = nullptr;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_header_callback(cb, &on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, &on_data);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, &on_close);
    nghttp2_session_callbacks_set_on_frame_send_callback(cb, &on_frame_send);
    nghttp2_session* session = nullptr;
    nghttp2_session_client_new(&session, cb, this);
    session_.reset(session);
    nghttp2_session_callbacks_del(cb);
    // Generous windows: bodies are consumed as they arrive.
    const nghttp2_settings_entry entries[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
                                              {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 4 * 1024 * 1024},
                                              {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, kMaxHeaderList}};
    nghttp2_submit_settings(session_.get(), NGHTTP2_FLAG_NONE, entries, 3);
    nghttp2_session_set_local_window_size(session_.get(), NGHTTP2_FLAG_NONE, 0, 16 * 1024 * 1024);
    return {};
  }

  // connect(), whose failure the first exchange then reports without a
  // second attempt.
  Outcome connect_first() {
    Outcome out = connect();
    if (out.failure != Failure::kNone) {
      first_attempt_ = out;
    }
    return out;
  }

  void set_client_certificate(const std::string& cert, const std::string& key) override {
    if (cert.empty() || (cert == settings_.cert_pem && key == settings_.key_pem)) {
      return;
    }
    settings_.cert_pem = cert;
    settings_.key_pem = key;
    first_attempt_.reset();
    ctx_.reset();  // the next connection presents the new certificate
    if (streams_.empty()) {
      close_connection();  // the next exchange connects with the new certificate
    } else {
      retire_ = true;
    }
  }

  void start(Exchange& x) override {
    if (session_ != nullptr && streams_.empty() && !still_open()) {
      close_connection();
    }
    if (session_ != nullptr && (retire_ || nghttp2_session_check_request_allowed(session_.get()) == 0)) {
      if (!streams_.empty()) {
        waiting_.push_back(&x);  // the connection is going away: wait for its streams
        return;
      }
      close_connection();
    }
    if (session_ == nullptr) {
      // The attempt make_h2_transport made counts for the first exchange.
      Outcome out = first_attempt_ ? *std::exchange(first_attempt_, std::nullopt) : connect();
      if (out.failure != Failure::kNone) {
        x.failure = out.failure;
        x.detail = out.detail;
        ended_.push_back(&x);
        return;
      }
    }
    submit(x);
  }

  void abandon() override {
    ended_.clear();
    waiting_.clear();
    close_connection();
  }

 protected:
  Exchange* drive() override {
    while (!streams_.empty() || !waiting_.empty()) {
      if (!ended_.empty()) {
        break;
      }
      if (streams_.empty()) {
        // The old connection has drained: the waiting exchanges go on a new one.
        close_connection();
        auto waiting = std::move(waiting_);
        waiting_.clear();
        for (Exchange* x : waiting) {
          start(*x);
        }
        continue;
      }
      if (!flush() || !ended_by_nghttp2() || !receive()) {
        fail_connection();
        continue;
      }
      expire();
    }
    if (ended_.empty()) {
      return nullptr;
    }
    Exchange* x = ended_.front();
    ended_.pop_front();
    return x;
  }

 private:
  struct Stream {
    Exchange* exchange = nullptr;
    size_t sent = 0;  // of the request body
    bool gzip = false;
    std::unique_ptr<Inflater> inflater;
    size_t received = 0;  // body bytes, as sent
    bool broken_body = false;
    size_t header_list = 0;  // as HPACK counts it: name + value + 32 per field
    bool headers_too_large = false;
  };

  bool make_context(Outcome& out) {
    ctx_.reset(SSL_CTX_new(TLS_client_method()));
    SSL_CTX_set_min_proto_version(ctx_.get(), TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx_.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    // h2 first; http/1.1 too, so that a server without HTTP/2 says so
    // (and libcurl takes over) instead of failing the handshake.
    static constexpr unsigned char kAlpn[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    SSL_CTX_set_alpn_protos(ctx_.get(), kAlpn, sizeof kAlpn);
    if (!settings_.insecure) {
      SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_PEER, nullptr);
      if (settings_.ca_pem.empty()) {
        SSL_CTX_set_default_verify_paths(ctx_.get());
      } else if (!add_trust_anchors(out)) {
        return false;
      }
    }
    if (!settings_.cert_pem.empty() && !use_client_certificate(out)) {
      return false;
    }
    return true;
  }

  // The kubeconfig's CA bundle, the only trust anchors (as in client-go).
  bool add_trust_anchors(Outcome& out) {
    X509_STORE* store = SSL_CTX_get_cert_store(ctx_.get());
    BIO* bio = BIO_new_mem_buf(settings_.ca_pem.data(), static_cast<int>(settings_.ca_pem.size()));
    int added = 0;
    while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
      added += X509_STORE_add_cert(store, cert) == 1 ? 1 : 0;
      X509_free(cert);
    }
    BIO_free(bio);
    ERR_clear_error();
    if (added == 0) {
      out = {Failure::kBadCa, "no PEM certificate in it"};
      return false;
    }
    return true;
  }

  bool use_client_certificate(Outcome& out) {
    BIO* bio = BIO_new_mem_buf(settings_.cert_pem.data(), static_cast<int>(settings_.cert_pem.size()));
    X509* leaf = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    bool ok = leaf != nullptr && SSL_CTX_use_certificate(ctx_.get(), leaf) == 1;
    X509_free(leaf);
    while (ok) {
      X509* extra = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
      if (extra == nullptr) {
        break;
      }
      ok = SSL_CTX_add0_chain_cert(ctx_.get(), extra) == 1;  // takes the certificate when it succeeds
      if (!ok) {
        X509_free(extra);
      }
    }
    BIO_free(bio);
    ERR_clear_error();
    if (ok) {
      BIO* key_bio = BIO_new_mem_buf(settings_.key_pem.data(), static_cast<int>(settings_.key_pem.size()));
      EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
      BIO_free(key_bio);
      ok = key != nullptr && SSL_CTX_use_PrivateKey(ctx_.get(), key) == 1 && SSL_CTX_check_private_key(ctx_.get()) == 1;
      EVP_PKEY_free(key);
    }
    if (!ok) {
      out = {Failure::kClientCertificate, tls::ossl::full_error_or("not a PEM certificate and its private key")};
      return false;
    }
    return true;
  }

  bool handshake(Clock::time_point deadline, Outcome& out) {
    ssl_.reset(SSL_new(ctx_.get()));
    if (!is_ip(name_)) {
      SSL_set_tlsext_host_name(ssl_.get(), name_.c_str());
    }
    if (!settings_.insecure) {
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl_.get());
      if (is_ip(name_)) {
        X509_VERIFY_PARAM_set1_ip_asc(param, name_.c_str());
      } else {
        X509_VERIFY_PARAM_set1_host(param, name_.c_str(), 0);
      }
    }
    SSL_set_fd(ssl_.get(), fd_);
    ERR_clear_error();
    for (;;) {
      int rc = SSL_connect(ssl_.get());
      if (rc == 1) {
        break;
      }
      int err = SSL_get_error(ssl_.get(), rc);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        if (!wait_fd(fd_, err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) {
          out = {Failure::kTimeout, "the TLS handshake did not finish in time"};
          return false;
        }
        continue;
      }
      const long verify = SSL_get_verify_result(ssl_.get());
      if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH) {
        out = {Failure::kTlsName, fmt::format("SSL: certificate subject name does not match target host name '{}'",
                                              name_)};
      } else if (verify != X509_V_OK) {
        out = {Failure::kTlsVerify,
               fmt::format("SSL certificate problem: {}", X509_verify_cert_error_string(verify))};
      } else {
        out = {Failure::kOther, fmt::format("TLS handshake failed: {}",
                                            tls::ossl::full_error_or("the server closed the connection"))};
      }
      return false;
    }
    const unsigned char* alpn = nullptr;
    unsigned int alpn_len = 0;
    SSL_get0_alpn_selected(ssl_.get(), &alpn, &alpn_len);
    if (std::string_view(reinterpret_cast<const char*>(alpn), alpn_len) != "h2") {
      out = {Failure::kNoHttp2, "the server did not offer HTTP/2"};
      return false;
    }
    return true;
  }

  // Whether an idle connection is still usable: the server may have closed
  // it (or said GOAWAY) since the last exchange. Frames that arrived are fed
  // to nghttp2.
  bool still_open() {
    pollfd p{fd_, POLLIN, 0};
    if (buffered() == 0 && (poll(&p, 1, 0) <= 0 || (p.revents & (POLLIN | POLLHUP | POLLERR)) == 0)) {
      return true;
    }
    return read_frames();
  }

  void close_connection() {
    goaway_sent_.clear();
    session_.reset();
    ssl_.reset();
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
    streams_.clear();
    pending_.clear();
    retire_ = false;
  }

  void submit(Exchange& x) {
    std::vector<std::pair<std::string, std::string>> fields = {
        {":method", x.method}, {":scheme", "https"}, {":authority", settings_.authority}, {":path", x.target},
        {"user-agent", settings_.user_agent}};
    if (settings_.compression) {
      fields.emplace_back("accept-encoding", "gzip");
    }
    for (const auto& [name, value] : x.headers) {
      std::string lower = name;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      fields.emplace_back(std::move(lower), value);
    }
    if (x.body != nullptr) {
      fields.emplace_back("content-length", std::to_string(x.body->size()));
    }
    std::vector<nghttp2_nv> nva;
    nva.reserve(fields.size());
    for (auto& [k, v] : fields) {
      nva.push_back({reinterpret_cast<uint8_t*>(k.data()), reinterpret_cast<uint8_t*>(v.data()), k.size(), v.size(),
                     NGHTTP2_NV_FLAG_NONE});
    }
    auto stream = std::make_unique<Stream>();
    stream->exchange = &x;
    nghttp2_data_provider body{};
    body.source.ptr = stream.get();
    body.read_callback = &read_body;
    const int32_t id = nghttp2_submit_request(session_.get(), nullptr, nva.data(), nva.size(),
                                              x.body != nullptr ? &body : nullptr, stream.get());
    if (id < 0) {
      x.failure = Failure::kReset;
      x.detail = fmt::format("could not start an HTTP/2 stream: {}", nghttp2_strerror(id));
      ended_.push_back(&x);
      return;
    }
    streams_[id] = std::move(stream);
  }

  // Writes what nghttp2 has to send, as far as the socket takes it.
  bool flush() {
    for (;;) {
      while (pending_.size() < 64 * 1024) {
        const uint8_t* data = nullptr;
        ssize_t n = nghttp2_session_mem_send(session_.get(), &data);
        if (n < 0) {
          failure_detail_ = fmt::format("HTTP/2 error: {}", nghttp2_strerror(static_cast<int>(n)));
          return false;
        }
        if (n == 0) {
          break;
        }
        pending_.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
      }
      if (pending_.empty()) {
        return true;
      }
      const long n = send_some(pending_.data(), pending_.size());
      if (n == 0) {
        return true;
      }
      if (n < 0) {
        failure_detail_ = "the connection was closed while sending";
        return false;
      }
      pending_.erase(0, static_cast<size_t>(n));
    }
  }

  // Waits for the socket (or the next deadline) and feeds what arrived to nghttp2.
  bool receive() {
    if (streams_.empty()) {
      return true;
    }
    if (buffered() == 0) {
      int timeout = 1000;
      if (auto next = next_deadline()) {
        timeout = static_cast<int>(std::clamp<long>(ms_between(Clock::now(), *next) + 1, 0, 1000));
      }
      pollfd p{fd_, static_cast<short>(POLLIN | (pending_.empty() ? 0 : POLLOUT)), 0};
      int n = poll(&p, 1, timeout);
      if (n < 0 && errno != EINTR) {
        failure_detail_ = fmt::format("poll: {}", std::strerror(errno));
        return false;
      }
      if (n <= 0 || (p.revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
        return true;
      }
    }
    return read_frames();
  }

  // Reads what the socket has and feeds it to nghttp2, stopping early once
  // an exchange has ended (to hand it over). False when the connection is
  // gone; failure_detail_ says why.
  bool read_frames() {
    char buf[16384];
    for (;;) {
      int n = 0;
      if (plain_) {
        const ssize_t got = ::recv(fd_, buf, sizeof buf, 0);
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
          return true;
        }
        if (got <= 0) {
          failure_detail_ = "the server closed the connection";
          return false;
        }
        n = static_cast<int>(got);
      } else {
        ERR_clear_error();
        n = SSL_read(ssl_.get(), buf, sizeof buf);
        if (n <= 0) {
          int err = SSL_get_error(ssl_.get(), n);
          if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
            return true;
          }
          failure_detail_ = err == SSL_ERROR_ZERO_RETURN || err == SSL_ERROR_SYSCALL
                                ? "the server closed the connection"
                                : fmt::format("TLS error: {}", tls::ossl::full_error_or("the connection broke"));
          return false;
        }
      }
      ssize_t used = nghttp2_session_mem_recv(session_.get(), reinterpret_cast<const uint8_t*>(buf), static_cast<size_t>(n));
      if (used < 0) {
        failure_detail_ = fmt::format("HTTP/2 protocol error: {}", nghttp2_strerror(static_cast<int>(used)));
        return false;
      }
      if (!ended_.empty()) {
        return true;  // hand the ended exchanges over before reading on
      }
    }
  }

  // False when nghttp2 has ended the session itself (its GOAWAY is out, after
  // the server broke the protocol, e.g. with a frame larger than allowed):
  // nothing more will come, so the exchanges fail now.
  bool ended_by_nghttp2() {
    if (!pending_.empty() || nghttp2_session_want_read(session_.get()) != 0 ||
        nghttp2_session_want_write(session_.get()) != 0) {
      return true;
    }
    failure_detail_ = goaway_sent_.empty() ? std::string("the HTTP/2 session ended") : goaway_sent_;
    return false;
  }

  static int on_frame_send(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    auto& self = *static_cast<H2Transport*>(user);
    if (frame->hd.type == NGHTTP2_GOAWAY && frame->goaway.error_code != NGHTTP2_NO_ERROR) {
      self.goaway_sent_ = fmt::format(
          "HTTP/2 protocol error: {} ({})",
          std::string(reinterpret_cast<const char*>(frame->goaway.opaque_data), frame->goaway.opaque_data_len),
          nghttp2_http2_strerror(frame->goaway.error_code));
    }
    return 0;
  }

  // Decrypted bytes OpenSSL holds that poll() cannot see.
  int buffered() const { return ssl_ != nullptr ? SSL_pending(ssl_.get()) : 0; }

  // >0 bytes written, 0 would block, <0 the connection is gone.
  long send_some(const char* data, size_t size) {
    if (plain_) {
      const ssize_t n = ::send(fd_, data, size, MSG_NOSIGNAL);
      if (n >= 0) {
        return n;
      }
      return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
    }
    ERR_clear_error();
    const int n = SSL_write(ssl_.get(), data, static_cast<int>(size));
    if (n > 0) {
      return n;
    }
    const int err = SSL_get_error(ssl_.get(), n);
    return err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ ? 0 : -1;
  }

  std::optional<Clock::time_point> next_deadline() const {
    if (settings_.request_timeout.count() <= 0) {
      return std::nullopt;
    }
    std::optional<Clock::time_point> next;
    for (const auto& [id, s] : streams_) {
      auto at = s->exchange->start + settings_.request_timeout;
      if (!next || at < *next) {
        next = at;
      }
    }
    return next;
  }

  // Ends the exchanges that ran past --request-timeout.
  void expire() {
    if (settings_.request_timeout.count() <= 0) {
      return;
    }
    const auto now = Clock::now();
    for (auto it = streams_.begin(); it != streams_.end();) {
      Exchange& x = *it->second->exchange;
      if (now - x.start < settings_.request_timeout) {
        ++it;
        continue;
      }
      x.failure = Failure::kTimeout;
      x.detail = fmt::format("Operation timed out after {} milliseconds with {} bytes received",
                             ms_between(x.start, now), it->second->received);
      ended_.push_back(&x);
      nghttp2_session_set_stream_user_data(session_.get(), it->first, nullptr);
      nghttp2_submit_rst_stream(session_.get(), NGHTTP2_FLAG_NONE, it->first, NGHTTP2_CANCEL);
      it = streams_.erase(it);
    }
  }

  // The connection broke: every exchange on it ends as a reset (retried
  // when idempotent); the waiting ones go on a new connection.
  void fail_connection() {
    for (auto& [id, s] : streams_) {
      s->exchange->failure = Failure::kReset;
      s->exchange->detail = failure_detail_;
      ended_.push_back(s->exchange);
    }
    close_connection();
  }

  Stream* stream_of(int32_t id) {
    auto it = streams_.find(id);
    return it == streams_.end() ? nullptr : it->second.get();
  }

  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
                       const uint8_t* value, size_t valuelen, uint8_t, void* user) {
    auto& self = *static_cast<H2Transport*>(user);
    Stream* s = self.stream_of(frame->hd.stream_id);
    if (s == nullptr || frame->hd.type != NGHTTP2_HEADERS) {
      return 0;
    }
    // Go's HTTP/2 client refuses a response header list beyond 10 MiB
    // (golang.org/x/net/http2 transport.go maxHeaderListSize), so HPACK
    // references cannot make one grow without bound.
    s->header_list += namelen + valuelen + 32;
    if (s->header_list > kMaxHeaderList) {
      s->headers_too_large = true;
      return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // resets the stream
    }
    std::string_view n(reinterpret_cast<const char*>(name), namelen);
    std::string_view v(reinterpret_cast<const char*>(value), valuelen);
    if (n == ":status") {
      long status = std::atol(std::string(v).c_str());
      if (status >= 200) {
        s->exchange->status = status;
      }
    } else if (n == "content-encoding") {
      s->gzip = v == "gzip";
    } else {
      note_response_header(*s->exchange, n, v);
    }
    return 0;
  }

  static int on_data(nghttp2_session* session, uint8_t, int32_t id, const uint8_t* data, size_t len, void* user) {
    auto& self = *static_cast<H2Transport*>(user);
    Stream* s = self.stream_of(id);
    if (s == nullptr) {
      return 0;
    }
    s->received += len;
    if (!s->gzip) {
      s->exchange->response_body.append(reinterpret_cast<const char*>(data), len);
      return 0;
    }
    if (!s->inflater) {
      s->inflater = std::make_unique<Inflater>();
    }
    if (!s->inflater->feed(data, len, s->exchange->response_body)) {
      s->broken_body = true;
      nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
    }
    return 0;
  }

  static int on_close(nghttp2_session*, int32_t id, uint32_t error_code, void* user) {
    auto& self = *static_cast<H2Transport*>(user);
    auto it = self.streams_.find(id);
    if (it == self.streams_.end()) {
      return 0;
    }
    Stream& s = *it->second;
    Exchange& x = *s.exchange;
    const bool body_cut = s.gzip && (s.inflater == nullptr || !s.inflater->ended) && s.received > 0;
    if (s.headers_too_large) {
      x.failure = Failure::kOther;
      x.status = 0;
      x.detail = "the server sent more than 10 MiB of response headers (client-go's limit)";
    } else if (s.broken_body) {
      x.failure = Failure::kOther;
      x.detail = "the server sent a gzip body that does not inflate";
    } else if (x.status == 0 || (error_code != NGHTTP2_NO_ERROR && x.status < 400) || body_cut) {
      // kube-apiserver sometimes resets the stream right after an error
      // response (seen on 401s); the status is what matters then.
      x.failure = Failure::kReset;
      x.detail = error_code == NGHTTP2_NO_ERROR
                     ? std::string("the response ended early")
                     : fmt::format("the server reset the stream (HTTP/2 error code {})", error_code);
      // nghttp2 closes the streams a GOAWAY left out with REFUSED_STREAM too.
      x.unprocessed = error_code == NGHTTP2_REFUSED_STREAM && x.status == 0;
    }
    self.ended_.push_back(&x);
    self.streams_.erase(it);
    return 0;
  }

  static ssize_t read_body(nghttp2_session*, int32_t, uint8_t* buf, size_t length, uint32_t* flags,
                           nghttp2_data_source* source, void*) {
    auto* s = static_cast<Stream*>(source->ptr);
    const std::string& body = *s->exchange->body;
    const size_t n = std::min(length, body.size() - s->sent);
    std::memcpy(buf, body.data() + s->sent, n);
    s->sent += n;
    if (s->sent == body.size()) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;
    }
    return static_cast<ssize_t>(n);
  }

  TransportSettings settings_;
  std::string name_;  // the TLS name: SNI and the name the certificate must hold
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx_{nullptr, &SSL_CTX_free};
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl_{nullptr, &SSL_free};
  int fd_ = -1;
  bool plain_ = false;  // fd_ was handed over, without TLS
  std::unique_ptr<nghttp2_session, decltype(&nghttp2_session_del)> session_{nullptr, &nghttp2_session_del};
  std::string pending_;  // bytes nghttp2 produced that the socket has not taken yet
  std::map<int32_t, std::unique_ptr<Stream>> streams_;
  std::deque<Exchange*> waiting_;  // for the next connection
  bool retire_ = false;            // take no new streams (the client certificate changed)
  std::optional<Outcome> first_attempt_;  // a failed first connect, not yet reported
  std::string failure_detail_;
  std::string goaway_sent_;  // why nghttp2 ended the session, when it did
};

}  // namespace

std::unique_ptr<Transport> make_h2_transport(const TransportSettings& settings) {
  auto transport = std::make_unique<H2Transport>(settings);
  if (transport->connect_first().failure == Failure::kNoHttp2) {
    return nullptr;
  }
  return transport;
}

std::unique_ptr<Transport> make_h2_transport_on_socket(const TransportSettings& settings, int fd) {
  auto transport = std::make_unique<H2Transport>(settings, fd);
  transport->connect_first();
  return transport;
}

}  // namespace grpcmesh::kube
