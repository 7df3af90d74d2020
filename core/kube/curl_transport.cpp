// The libcurl transport (transport.hpp): proxies, plain http:// servers and
// servers without HTTP/2. One multi handle owns every transfer, so they share
// its connection pool (keep-alive; HTTP/2 streams when offered).
#include <curl/curl.h>
#include <fmt/format.h>

#include <map>

#include "core/kube/transport.hpp"
#include "core/kube/wire.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::kube {
namespace {

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

size_t write_body(char* data, size_t size, size_t count, void* user) {
  static_cast<Exchange*>(user)->response_body.append(data, size * count);
  return size * count;
}

size_t write_header(char* data, size_t size, size_t count, void* user) {
  auto* x = static_cast<Exchange*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    // A new response (after a redirect or 100-continue): start over.
    x->warnings.clear();
    x->retry_after.clear();
    x->content_type.clear();
    return size * count;
  }
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    note_response_header(*x, line.substr(0, colon), line.substr(colon + 1));
  }
  return size * count;
}

Failure failure_of(CURLcode code, const std::string& detail) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
      return Failure::kRefused;
    case CURLE_COULDNT_RESOLVE_HOST:
      return Failure::kUnknownHost;
    case CURLE_COULDNT_RESOLVE_PROXY:
      return Failure::kUnknownProxy;
    case CURLE_PEER_FAILED_VERIFICATION:
      return detail.find("subject name") != std::string::npos || detail.find("host name") != std::string::npos
                 ? Failure::kTlsName
                 : Failure::kTlsVerify;
    case CURLE_SSL_CACERT_BADFILE:
      return Failure::kBadCa;
    case CURLE_SSL_CERTPROBLEM:
      return Failure::kClientCertificate;
    case CURLE_OPERATION_TIMEDOUT:
      return Failure::kTimeout;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_PARTIAL_FILE:
      return Failure::kReset;
    default:
      return Failure::kOther;
  }
}

class CurlTransport final : public Transport {
 public:
  explicit CurlTransport(const TransportSettings& s) : settings_(s) {
    static CurlGlobal global;
    curl_ = curl_easy_init();
    multi_ = curl_multi_init();
    share_ = curl_share_init();
    if (curl_ == nullptr || multi_ == nullptr || share_ == nullptr) {
      throw Error("cannot initialise libcurl");
    }
    // One connection cache (and TLS session cache) for every handle, so
    // concurrent requests ride the same HTTP/2 connection.
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_multi_setopt(multi_, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, 4L);
    std::string url_host = s.tls_server_name.empty() ? s.host : s.tls_server_name;
    url_base_ = fmt::format("{}://{}:{}", s.scheme, url_host, s.port);
    curl_easy_setopt(curl_, CURLOPT_SHARE, share_);
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(curl_, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(s.connect_timeout.count()));
    curl_easy_setopt(curl_, CURLOPT_USERAGENT, s.user_agent.c_str());
    curl_easy_setopt(curl_, CURLOPT_ACCEPT_ENCODING, s.compression ? "gzip" : nullptr);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, static_cast<long>(s.request_timeout.count()));
    if (!s.tls_server_name.empty()) {
      connect_to_ = curl_slist_append(nullptr, fmt::format("{}:{}:{}:{}", s.tls_server_name, s.port, s.host, s.port).c_str());
      curl_easy_setopt(curl_, CURLOPT_CONNECT_TO, connect_to_);
    }
    if (s.insecure) {
      curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (!s.ca_pem.empty()) {
      // The kubeconfig's CA is the only trust anchor, as in client-go. The
      // blob already replaces curl's built-in CA bundle, but not its CA
      // directory, where OpenSSL would look up issuers the blob lacks.
      curl_blob blob{const_cast<char*>(s.ca_pem.data()), s.ca_pem.size(), CURL_BLOB_COPY};
      curl_easy_setopt(curl_, CURLOPT_CAINFO_BLOB, &blob);
      curl_easy_setopt(curl_, CURLOPT_CAPATH, nullptr);
    }
    set_client_certificate(s.cert_pem, s.key_pem);
    // Proxies come from the settings only, never curl's own reading of the
    // process environment.
    curl_easy_setopt(curl_, CURLOPT_PROXY, settings_.proxy.c_str());
    if (!settings_.no_proxy.empty()) {
      curl_easy_setopt(curl_, CURLOPT_NOPROXY, settings_.no_proxy.c_str());
    }
  }

  ~CurlTransport() override {
    abandon();
    curl_multi_cleanup(multi_);
    curl_easy_cleanup(curl_);
    curl_share_cleanup(share_);
    curl_slist_free_all(connect_to_);
  }

  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  void set_client_certificate(const std::string& cert, const std::string& key) override {
    if (cert.empty()) {
      return;
    }
    curl_blob cert_blob{const_cast<char*>(cert.data()), cert.size(), CURL_BLOB_COPY};
    curl_blob key_blob{const_cast<char*>(key.data()), key.size(), CURL_BLOB_COPY};
    curl_easy_setopt(curl_, CURLOPT_SSLCERT_BLOB, &cert_blob);
    curl_easy_setopt(curl_, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(curl_, CURLOPT_SSLKEY_BLOB, &key_blob);
    curl_easy_setopt(curl_, CURLOPT_SSLKEYTYPE, "PEM");
  }

  void start(Exchange& x) override {
    CURL* easy = curl_easy_duphandle(curl_);
    curl_easy_setopt(easy, CURLOPT_SHARE, share_);  // duphandle never copies the share
    // Up to 16 handles live at once: libcurl's default buffers (64 KiB for
    // the request body, 16 KiB for the response) would cost 2.5 MiB; single
    // objects fit the smallest ones.
    curl_easy_setopt(easy, CURLOPT_UPLOAD_BUFFERSIZE, 16384L);
    curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, 8192L);
    Transfer& t = transfers_[easy];
    t.exchange = &x;
    t.url = url_base_ + x.target;
    curl_easy_setopt(easy, CURLOPT_URL, t.url.c_str());
    if (x.method == "GET") {
      curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    } else {
      curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, x.method.c_str());
      curl_easy_setopt(easy, CURLOPT_NOBODY, x.method == "HEAD" ? 1L : 0L);
      if (x.method != "HEAD") {
        static const std::string kEmpty;
        const std::string& body = x.body != nullptr ? *x.body : kEmpty;
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body.c_str());
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
      }
    }
    bool has_content_type = false;
    for (const auto& [name, value] : x.headers) {
      t.headers = curl_slist_append(t.headers, (name + ": " + value).c_str());
      has_content_type = has_content_type || name == "Content-Type";
    }
    if (!has_content_type && x.method != "GET") {
      t.headers = curl_slist_append(t.headers, "Content-Type:");
    }
    t.headers = curl_slist_append(t.headers, "Expect:");
    if (!settings_.tls_server_name.empty()) {
      t.headers = curl_slist_append(t.headers, ("Host: " + settings_.authority).c_str());
    }
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t.headers);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t.error_buffer);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, write_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L);
    curl_multi_add_handle(multi_, easy);
  }

  Exchange* drive() override {
    while (!transfers_.empty()) {
      int still = 0;
      if (curl_multi_perform(multi_, &still) != CURLM_OK) {
        throw Error("libcurl failed to drive the requests");
      }
      int queued = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi_, &queued)) {
        if (msg->msg == CURLMSG_DONE) {
          return finish(msg->easy_handle, msg->data.result);
        }
      }
      curl_multi_poll(multi_, nullptr, 0, 100, nullptr);
    }
    return nullptr;
  }

  void abandon() override {
    ended_.clear();
    for (auto& [easy, t] : transfers_) {
      curl_multi_remove_handle(multi_, easy);
      curl_easy_cleanup(easy);
      curl_slist_free_all(t.headers);
    }
    transfers_.clear();
  }

 private:
  struct Transfer {
    Exchange* exchange = nullptr;
    std::string url;
    curl_slist* headers = nullptr;
    char error_buffer[CURL_ERROR_SIZE] = {0};
  };

  Exchange* finish(CURL* easy, CURLcode code) {
    auto it = transfers_.find(easy);
    Transfer& t = it->second;
    Exchange& x = *t.exchange;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &x.status);
    if ((code == CURLE_PARTIAL_FILE || code == CURLE_HTTP2_STREAM) && x.status >= 400) {
      // kube-apiserver sometimes resets the HTTP/2 stream right after an
      // error response (seen on 401s); the status is what matters then.
      code = CURLE_OK;
    }
    if (code != CURLE_OK) {
      x.detail = t.error_buffer[0] != '\0' ? t.error_buffer : curl_easy_strerror(code);
      x.failure = failure_of(code, x.detail);
    }
    curl_multi_remove_handle(multi_, easy);
    curl_easy_cleanup(easy);
    curl_slist_free_all(t.headers);
    transfers_.erase(it);
    return &x;
  }

  TransportSettings settings_;
  CURL* curl_ = nullptr;
  CURLM* multi_ = nullptr;
  CURLSH* share_ = nullptr;
  curl_slist* connect_to_ = nullptr;
  std::string url_base_;
  std::map<CURL*, Transfer> transfers_;
};

}  // namespace

std::unique_ptr<Transport> make_curl_transport(const TransportSettings& settings) {
  return std::make_unique<CurlTransport>(settings);
}

}  // namespace grpcmesh::kube
