#include "core/kube/client.hpp"

#include <curl/curl.h>
#include <fmt/format.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <functional>
#include <map>
#include <ostream>
#include <set>
#include <thread>

#include "core/kube/api_error.hpp"
#include "core/kube/discovery.hpp"
#include "core/kube/encoding.hpp"
#include "core/util/files.hpp"
#include "core/kube/exec_credential.hpp"
#include "core/util/error.hpp"
#include "core/version.hpp"

namespace grpcmesh::kube {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kMaxAttempts = 5;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
    s.pop_back();
  }
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) {
    ++i;
  }
  return s.substr(i);
}

// Texts of `Warning: 299 - "text"` header values (several may share a header).
std::vector<std::string> parse_warnings(const std::string& value) {
  std::vector<std::string> out;
  size_t pos = 0;
  while ((pos = value.find('"', pos)) != std::string::npos) {
    std::string text;
    size_t i = pos + 1;
    for (; i < value.size() && value[i] != '"'; ++i) {
      if (value[i] == '\\' && i + 1 < value.size()) {
        ++i;
      }
      text += value[i];
    }
    out.push_back(text);
    pos = i + 1;
    // Skip an optional warn-date ("...") that follows the text.
    size_t comma = value.find(',', pos);
    if (comma == std::string::npos) {
      break;
    }
    pos = comma + 1;
  }
  return out;
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "[::1]" || host == "::1";
}

struct HostPort {
  std::string scheme;
  std::string host;  // without brackets for IPv6? kept as written
  std::string port;
  std::string prefix;  // path prefix of the server URL
};

HostPort split_server(const std::string& server) {
  HostPort hp;
  std::string rest = server;
  auto scheme = rest.find("://");
  hp.scheme = scheme == std::string::npos ? "https" : rest.substr(0, scheme);
  if (scheme != std::string::npos) {
    rest = rest.substr(scheme + 3);
  }
  auto slash = rest.find('/');
  if (slash != std::string::npos) {
    hp.prefix = rest.substr(slash);
    rest = rest.substr(0, slash);
  }
  auto colon = rest.rfind(':');
  if (colon != std::string::npos && rest.find(']', colon) == std::string::npos) {
    hp.host = rest.substr(0, colon);
    hp.port = rest.substr(colon + 1);
  } else {
    hp.host = rest;
    hp.port = hp.scheme == "https" ? "443" : "80";
  }
  return hp;
}

std::string pem_from(const std::string& data, const std::string& file, const std::string& what) {
  if (!data.empty()) {
    return data;
  }
  if (file.empty()) {
    return {};
  }
  std::string why;
  auto text = util::read_file(file, &why);
  if (!text) {
    throw Error(fmt::format("unable to read {} \"{}\": {}", what, file, lower(why)));
  }
  return *text;
}

// Refuses a client certificate that is expired or not yet valid: the server
// would only answer "Unauthorized", which hides the cause.
void check_client_certificate(const std::string& pem, const std::string& user) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  std::string who = user.empty() ? "the current user" : "user \"" + user + "\"";
  if (cert == nullptr) {
    throw Error(fmt::format("the client certificate of {} is not a PEM certificate; check client-certificate(-data) "
                            "in the kubeconfig",
                            who));
  }
  auto when = [](const ASN1_TIME* t) {
    BIO* out = BIO_new(BIO_s_mem());
    ASN1_TIME_print(out, t);
    char* data = nullptr;
    long n = BIO_get_mem_data(out, &data);
    std::string s(data, static_cast<size_t>(n));
    BIO_free(out);
    return s;
  };
  std::string problem;
  if (X509_cmp_current_time(X509_get0_notAfter(cert)) < 0) {
    problem = fmt::format("the client certificate of {} expired on {}; renew it or use another user/context", who,
                          when(X509_get0_notAfter(cert)));
  } else if (X509_cmp_current_time(X509_get0_notBefore(cert)) > 0) {
    problem = fmt::format("the client certificate of {} is not valid before {}; check this machine's clock", who,
                          when(X509_get0_notBefore(cert)));
  }
  X509_free(cert);
  if (!problem.empty()) {
    throw Error(problem);
  }
}

size_t write_body(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

struct HeaderSink {
  std::vector<std::string> warnings;
  std::string retry_after;
  std::string content_type;
};

size_t write_header(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<HeaderSink*>(user);
  std::string line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new response (after a redirect or 100-continue): start over.
    *sink = HeaderSink{};
    return size * count;
  }
  auto colon = line.find(':');
  if (colon == std::string::npos) {
    return size * count;
  }
  std::string name = lower(line.substr(0, colon));
  std::string value = trim(line.substr(colon + 1));
  if (name == "warning") {
    for (auto& w : parse_warnings(value)) {
      sink->warnings.push_back(std::move(w));
    }
  } else if (name == "retry-after") {
    sink->retry_after = value;
  } else if (name == "content-type") {
    sink->content_type = value;
  }
  return size * count;
}

std::string escape(CURL* curl, const std::string& s) {
  char* e = curl_easy_escape(curl, s.data(), static_cast<int>(s.size()));
  std::string out = e == nullptr ? s : e;
  curl_free(e);
  return out;
}

// HTTP/2 has no reason phrase; kubectl's -v 6 log shows one.
std::string status_line(long status) {
  static const std::map<long, const char*> kPhrases = {
      {200, "OK"},           {201, "Created"},           {202, "Accepted"},        {204, "No Content"},
      {400, "Bad Request"},  {401, "Unauthorized"},      {403, "Forbidden"},       {404, "Not Found"},
      {405, "Method Not Allowed"}, {409, "Conflict"},    {410, "Gone"},            {415, "Unsupported Media Type"},
      {422, "Unprocessable Entity"}, {429, "Too Many Requests"}, {500, "Internal Server Error"},
      {502, "Bad Gateway"},  {503, "Service Unavailable"}, {504, "Gateway Timeout"},
  };
  auto it = kPhrases.find(status);
  return it == kPhrases.end() ? std::to_string(status) : std::to_string(status) + " " + it->second;
}

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

}  // namespace

nlohmann::json Response::json() const {
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("the server returned a response that is not JSON (status {}); is the server a "
                            "Kubernetes API server?",
                            status));
  }
}

struct Client::Impl {
  RestConfig config;
  std::ostream& diag;
  CURL* curl = nullptr;
  CURLSH* share = nullptr;
  CURLM* multi = nullptr;
  HostPort target;
  std::string url_base;  // scheme://host:port/prefix as curl is asked for it
  std::string ca_pem;
  std::string cert_pem;
  std::string key_pem;
  std::string user_agent;
  std::set<std::string> warnings_seen;
  std::unique_ptr<ExecCredentialProvider> exec;
  bool discovery_loaded = false;
  std::map<std::string, DiscoveryGroup> groups;

  Impl(RestConfig c, std::ostream& d) : config(std::move(c)), diag(d) {
    static CurlGlobal global;
    curl = curl_easy_init();
    if (curl == nullptr) {
      throw Error("cannot initialise libcurl");
    }
    target = split_server(config.server);
    std::string url_host = config.tls_server_name.empty() ? target.host : config.tls_server_name;
    url_base = fmt::format("{}://{}:{}{}", target.scheme, url_host, target.port, target.prefix);
    ca_pem = pem_from(config.ca_data, config.ca_file, "certificate-authority");
    cert_pem = pem_from(config.client_certificate_data, config.client_certificate_file, "client-certificate");
    key_pem = pem_from(config.client_key_data, config.client_key_file, "client-key");
    if (!cert_pem.empty()) {
      check_client_certificate(cert_pem, config.user_name);
    }
    if (config.exec) {
      exec = std::make_unique<ExecCredentialProvider>(config, diag, isatty(0) == 1);
    }
    user_agent = fmt::format("kubectl-grpcmesh/v{}", build_info().version);
    configure_connection();
  }

  ~Impl() {
    if (multi != nullptr) {
      curl_multi_cleanup(multi);
    }
    if (curl != nullptr) {
      curl_easy_cleanup(curl);
    }
    if (share != nullptr) {
      curl_share_cleanup(share);
    }
    curl_slist_free_all(connect_to_);
  }

  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void configure_connection() {
    // One connection cache (and TLS session cache) for every handle, so
    // concurrent requests ride the same HTTP/2 connection.
    share = curl_share_init();
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_easy_setopt(curl, CURLOPT_SHARE, share);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 30000L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, user_agent.c_str());
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, config.disable_compression ? nullptr : "gzip");
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(config.request_timeout.count()));
    if (!config.tls_server_name.empty()) {
      connect_to_ = curl_slist_append(nullptr, fmt::format("{}:{}:{}:{}", config.tls_server_name, target.port,
                                                           target.host, target.port)
                                                   .c_str());
      curl_easy_setopt(curl, CURLOPT_CONNECT_TO, connect_to_);
    }
    if (config.insecure_skip_tls_verify) {
      curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (!ca_pem.empty()) {
      // The kubeconfig's CA is the only trust anchor, as in client-go. The
      // blob already replaces curl's built-in CA bundle, but not its CA
      // directory, where OpenSSL would look up issuers the blob lacks.
      curl_blob blob{ca_pem.data(), ca_pem.size(), CURL_BLOB_COPY};
      curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &blob);
      curl_easy_setopt(curl, CURLOPT_CAPATH, nullptr);
    }
    set_client_certificate(cert_pem, key_pem);
    // Proxies come from the injected environment only (never curl's own
    // reading of the process environment); loopback is never proxied, like Go.
    std::string proxy = config.proxy_url;
    if (proxy.empty() && !is_loopback(target.host)) {
      auto env = [&](const char* upper, const char* lowercase) {
        auto it = config.proxy_env.find(upper);
        if (it == config.proxy_env.end() || it->second.empty()) {
          it = config.proxy_env.find(lowercase);
        }
        return it == config.proxy_env.end() ? std::string{} : it->second;
      };
      proxy = target.scheme == "https" ? env("HTTPS_PROXY", "https_proxy") : env("HTTP_PROXY", "http_proxy");
      std::string no_proxy = env("NO_PROXY", "no_proxy");
      if (!no_proxy.empty()) {
        no_proxy_ = no_proxy;
        curl_easy_setopt(curl, CURLOPT_NOPROXY, no_proxy_.c_str());
      }
    }
    proxy_ = proxy;
    curl_easy_setopt(curl, CURLOPT_PROXY, proxy_.c_str());
  }

  void set_client_certificate(const std::string& cert, const std::string& key) {
    if (cert.empty()) {
      return;
    }
    curl_blob cert_blob{const_cast<char*>(cert.data()), cert.size(), CURL_BLOB_COPY};
    curl_blob key_blob{const_cast<char*>(key.data()), key.size(), CURL_BLOB_COPY};
    curl_easy_setopt(curl, CURLOPT_SSLCERT_BLOB, &cert_blob);
    curl_easy_setopt(curl, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(curl, CURLOPT_SSLKEY_BLOB, &key_blob);
    curl_easy_setopt(curl, CURLOPT_SSLKEYTYPE, "PEM");
  }

  std::string bearer_token() {
    if (exec) {
      const ExecCredential& cred = exec->get();
      if (!cred.client_certificate_data.empty()) {
        set_client_certificate(cred.client_certificate_data, cred.client_key_data);
      }
      return cred.token;
    }
    if (config.auth_provider) {
      return config.auth_provider->config["id-token"];
    }
    if (!config.token_file.empty()) {
      std::string why;
      auto token = util::read_file(config.token_file, &why);
      if (!token) {
        throw Error(fmt::format("unable to read tokenFile \"{}\": {}", config.token_file, lower(why)));
      }
      return trim(*token);
    }
    return config.token;
  }

  std::string url_for(const Request& request) {
    std::string url = url_base + request.path;
    char sep = '?';
    for (const auto& [k, v] : request.query) {
      url += sep;
      url += escape(curl, k) + "=" + escape(curl, v);
      sep = '&';
    }
    return url;
  }

  std::string transport_error(CURLcode code, const char* detail) {
    std::string host = config.server_host();
    std::string why = detail != nullptr && *detail != '\0' ? detail : curl_easy_strerror(code);
    std::string cluster = config.cluster_name.empty() ? "" : fmt::format(" of cluster \"{}\"", config.cluster_name);
    switch (code) {
      case CURLE_COULDNT_CONNECT:
        return fmt::format("The connection to the server {} was refused - did you specify the right host or port?",
                           host);
      case CURLE_COULDNT_RESOLVE_HOST:
        return fmt::format("Unable to connect to the server: lookup {}: no such host; check the server address{} "
                           "in the kubeconfig",
                           target.host, cluster);
      case CURLE_COULDNT_RESOLVE_PROXY:
        return fmt::format("Unable to connect to the server: proxy {} not found; check proxy-url or HTTPS_PROXY",
                           proxy_);
      case CURLE_PEER_FAILED_VERIFICATION:
        if (why.find("subject name") != std::string::npos || why.find("host name") != std::string::npos) {
          return fmt::format("Unable to connect to the server {}: tls: the server certificate is not valid for \"{}\" "
                             "({}); check the server address, or set tls-server-name (--tls-server-name) to a name "
                             "the certificate holds",
                             host, config.tls_server_name.empty() ? target.host : config.tls_server_name, why);
        }
        return fmt::format("Unable to connect to the server {}: tls: failed to verify certificate ({}); check the "
                           "certificate-authority{} or --certificate-authority",
                           host, why, cluster);
      case CURLE_SSL_CACERT_BADFILE:
        return fmt::format("Unable to connect to the server {}: the certificate-authority{} is not a valid PEM "
                           "bundle ({})",
                           host, cluster, why);
      case CURLE_SSL_CERTPROBLEM:
        return fmt::format("Unable to connect to the server {}: the client certificate or key is unusable ({}); "
                           "check client-certificate and client-key in the kubeconfig",
                           host, why);
      case CURLE_OPERATION_TIMEDOUT:
        return fmt::format("Unable to connect to the server {}: timed out ({}); the server is slow or unreachable, "
                           "or raise --request-timeout",
                           host, why);
      default:
        return fmt::format("Unable to connect to the server {}: {}", host, why);
    }
  }

  // One request on one easy handle: what it needs to be sent and what came back.
  struct Transfer {
    const Request* request = nullptr;
    std::string url;
    curl_slist* headers = nullptr;
    Response response;
    HeaderSink sink;
    char error_buffer[CURL_ERROR_SIZE] = {0};
    Clock::time_point start;
    CURLcode code = CURLE_OK;
    ~Transfer() { curl_slist_free_all(headers); }
  };

  void prepare(CURL* easy, Transfer& t, const std::string& token) {
    const Request& request = *t.request;
    t.url = url_for(request);
    curl_easy_setopt(easy, CURLOPT_URL, t.url.c_str());
    if (request.method == "GET") {
      curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
      curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, nullptr);
    } else {
      curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      curl_easy_setopt(easy, CURLOPT_NOBODY, request.method == "HEAD" ? 1L : 0L);
      if (request.method != "HEAD") {
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.c_str());
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
      }
    }
    t.headers = curl_slist_append(t.headers, ("Accept: " + request.accept).c_str());
    if (!request.content_type.empty()) {
      t.headers = curl_slist_append(t.headers, ("Content-Type: " + request.content_type).c_str());
    } else if (request.method != "GET") {
      t.headers = curl_slist_append(t.headers, "Content-Type:");
    }
    t.headers = curl_slist_append(t.headers, "Expect:");
    if (!config.tls_server_name.empty()) {
      t.headers = curl_slist_append(t.headers, fmt::format("Host: {}:{}", target.host, target.port).c_str());
    }
    if (!token.empty()) {
      t.headers = curl_slist_append(t.headers, ("Authorization: Bearer " + token).c_str());
    } else if (!config.username.empty()) {
      t.headers = curl_slist_append(
          t.headers, ("Authorization: Basic " + base64_encode(config.username + ":" + config.password)).c_str());
    }
    const Impersonation& imp = config.impersonate;
    if (!imp.user.empty()) {
      t.headers = curl_slist_append(t.headers, ("Impersonate-User: " + imp.user).c_str());
    }
    for (const auto& g : imp.groups) {
      t.headers = curl_slist_append(t.headers, ("Impersonate-Group: " + g).c_str());
    }
    if (!imp.uid.empty()) {
      t.headers = curl_slist_append(t.headers, ("Impersonate-Uid: " + imp.uid).c_str());
    }
    for (const auto& [k, values] : imp.extra) {
      for (const auto& v : values) {
        t.headers = curl_slist_append(t.headers, fmt::format("Impersonate-Extra-{}: {}", escape(easy, k), v).c_str());
      }
    }
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t.headers);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t.error_buffer);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &t.response.body);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, write_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &t.sink);
    t.start = Clock::now();
  }

  // Reads the outcome of a finished transfer: status, log line, warnings.
  void finish(CURL* easy, Transfer& t) {
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, nullptr);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t.start).count();
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &t.response.status);
    if ((t.code == CURLE_PARTIAL_FILE || t.code == CURLE_HTTP2_STREAM) && t.response.status >= 400) {
      // kube-apiserver sometimes resets the HTTP/2 stream right after an
      // error response (seen on 401s); the status is what matters then.
      t.code = CURLE_OK;
    }
    const Request& request = *t.request;
    if (t.code != CURLE_OK) {
      if (config.verbosity >= 6) {
        diag << fmt::format("{} {} failed in {} milliseconds: {}\n", request.method, redact_url(t.url), ms,
                            t.error_buffer[0] != '\0' ? t.error_buffer : curl_easy_strerror(t.code));
      }
      return;
    }
    t.response.content_type = t.sink.content_type;
    if (config.verbosity >= 6) {
      diag << fmt::format("{} {} {} in {} milliseconds\n", request.method, redact_url(t.url),
                          status_line(t.response.status), ms);
    }
    for (const auto& w : t.sink.warnings) {
      if (warnings_seen.insert(w).second) {
        diag << "Warning: " << w << '\n';
      }
    }
  }

  static bool is_reset(CURLcode code) {
    return code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR || code == CURLE_GOT_NOTHING || code == CURLE_HTTP2 ||
           code == CURLE_HTTP2_STREAM || code == CURLE_PARTIAL_FILE;
  }

  // Whether a response is worth sending again (429 always; 5xx only when the
  // request is idempotent).
  static bool retryable(const Response& response, const HeaderSink& sink, bool idempotent) {
    long s = response.status;
    return s == 429 || (idempotent && (s == 502 || s == 503 || s == 504 || (s >= 500 && !sink.retry_after.empty())));
  }

  // Every request goes through one multi handle, so they all share its
  // connection pool: a multi handle keeps its own pool, apart from the share
  // object's, and requests sent alone with curl_easy_perform would otherwise
  // leave the concurrent ones to open (and wait for) a second connection.
  void ensure_multi() {
    if (multi == nullptr) {
      multi = curl_multi_init();
      curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
      curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 4L);
    }
  }

  // Runs one transfer to completion on the shared multi handle.
  CURLcode perform_one(CURL* easy) {
    ensure_multi();
    curl_multi_add_handle(multi, easy);
    CURLcode result = CURLE_OK;
    for (bool done = false; !done;) {
      int still = 0;
      CURLMcode mc = curl_multi_perform(multi, &still);
      if (mc != CURLM_OK) {
        result = CURLE_FAILED_INIT;
        break;
      }
      int queued = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
        if (msg->msg == CURLMSG_DONE && msg->easy_handle == easy) {
          result = msg->data.result;
          done = true;
        }
      }
      if (!done) {
        curl_multi_poll(multi, nullptr, 0, 100, nullptr);
      }
    }
    curl_multi_remove_handle(multi, easy);
    return result;
  }

  Response perform(const Request& request) {
    bool idempotent = request.idempotent && request.method != "POST";
    bool reran_exec = false;
    for (int attempt = 1;; ++attempt) {
      Transfer t;
      t.request = &request;
      prepare(curl, t, bearer_token());
      t.code = perform_one(curl);
      finish(curl, t);
      if (t.code != CURLE_OK) {
        if (is_reset(t.code) && idempotent && attempt < kMaxAttempts) {
          std::this_thread::sleep_for(backoff(attempt));
          continue;
        }
        throw Error(transport_error(t.code, t.error_buffer));
      }
      if (t.response.status == 401 && exec && !reran_exec) {
        exec->invalidate();
        reran_exec = true;
        continue;
      }
      if (retryable(t.response, t.sink, idempotent) && attempt < kMaxAttempts) {
        auto delay = backoff(attempt);
        const std::string& after = t.sink.retry_after;
        if (!after.empty() && std::all_of(after.begin(), after.end(), ::isdigit)) {
          delay = std::chrono::milliseconds(std::min(10L, std::stol(after)) * 1000);
        }
        std::this_thread::sleep_for(delay);
        continue;
      }
      return std::move(t.response);
    }
  }

  // Sends the requests concurrently (HTTP/2 streams on the shared
  // connection, at most kMaxInFlight at once). Anything that would need a
  // retry, a transport error or an exec re-run is sent again through
  // perform(), which owns that logic.
  std::vector<Response> perform_all(const std::vector<Request>& requests) {
    std::vector<Response> responses(requests.size());
    perform_stream(requests, [&](size_t i, Response&& r) -> std::optional<Request> {
      responses[i] = std::move(r);
      return std::nullopt;
    });
    return responses;
  }

  // Sends the requests concurrently (HTTP/2 streams on the shared
  // connection, at most kMaxInFlight at once) and hands each response to
  // `done` as it completes, which may return the next request of the same
  // slot (a list's next page): it is sent at once, while the others are still
  // in flight. Anything that would need a retry, a transport error or an exec
  // re-run is sent again through perform(), which owns that logic.
  void perform_stream(std::vector<Request> requests,
                      const std::function<std::optional<Request>(size_t, Response&&)>& done) {
    // 16 streams keep a 2-core API server busy as well as 32 did, and every
    // live handle costs about 25 KiB of libcurl buffers.
    constexpr size_t kMaxInFlight = 16;
    if (requests.size() <= 1) {
      for (size_t i = 0; i < requests.size(); ++i) {
        for (std::optional<Request> r = std::move(requests[i]); r;) {
          Request current = std::move(*r);
          r = done(i, perform(current));
        }
      }
      return;
    }
    ensure_multi();
    std::string token = bearer_token();
    std::vector<std::unique_ptr<Transfer>> transfers(requests.size());
    std::vector<CURL*> handles(requests.size(), nullptr);
    size_t next = 0;
    size_t running = 0;
    auto start = [&](size_t i) {
      CURL* easy = curl_easy_duphandle(curl);
      curl_easy_setopt(easy, CURLOPT_SHARE, share);  // duphandle never copies the share
      // Up to kMaxInFlight handles live at once: libcurl's default buffers
      // (64 KiB for the request body, 16 KiB for the response) would cost
      // 2.5 MiB; single objects fit the smallest ones.
      curl_easy_setopt(easy, CURLOPT_UPLOAD_BUFFERSIZE, 16384L);
      curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, 8192L);
      handles[i] = easy;
      transfers[i] = std::make_unique<Transfer>();
      transfers[i]->request = &requests[i];
      prepare(easy, *transfers[i], token);
      curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L);
      curl_easy_setopt(easy, CURLOPT_PRIVATE, reinterpret_cast<char*>(i));
      curl_multi_add_handle(multi, easy);
      ++running;
    };
    auto abandon = [&] {
      for (CURL*& h : handles) {
        if (h != nullptr) {
          curl_multi_remove_handle(multi, h);
          curl_easy_cleanup(h);
          h = nullptr;
        }
      }
    };
    try {
      while (next < requests.size() && running < kMaxInFlight) {
        start(next++);
      }
      while (running > 0) {
        int still = 0;
        curl_multi_perform(multi, &still);
        int queued = 0;
        while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
          if (msg->msg != CURLMSG_DONE) {
            continue;
          }
          char* priv = nullptr;
          curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
          size_t i = reinterpret_cast<size_t>(priv);
          Transfer& t = *transfers[i];
          t.code = msg->data.result;
          curl_multi_remove_handle(multi, msg->easy_handle);
          finish(msg->easy_handle, t);
          curl_easy_cleanup(msg->easy_handle);
          handles[i] = nullptr;
          --running;
          bool idempotent = requests[i].idempotent && requests[i].method != "POST";
          Response response;
          if ((t.code != CURLE_OK && (is_reset(t.code) || t.code == CURLE_COULDNT_CONNECT)) ||
              (t.code == CURLE_OK && ((t.response.status == 401 && exec) || retryable(t.response, t.sink, idempotent)))) {
            response = perform(requests[i]);
          } else if (t.code != CURLE_OK) {
            throw Error(transport_error(t.code, t.error_buffer));
          } else {
            response = std::move(t.response);
          }
          transfers[i].reset();
          if (std::optional<Request> more = done(i, std::move(response))) {
            requests[i] = std::move(*more);
            start(i);
          } else if (next < requests.size()) {
            start(next++);
          }
        }
        if (running > 0) {
          curl_multi_poll(multi, nullptr, 0, 100, nullptr);
        }
      }
    } catch (...) {
      abandon();
      throw;
    }
  }

  static std::chrono::milliseconds backoff(int attempt) {
    return std::chrono::milliseconds(std::min(2000, 100 << attempt));
  }

  // Logged URLs show the real server, never credentials (none are in URLs).
  std::string redact_url(const std::string& url) const {
    if (config.tls_server_name.empty()) {
      return url;
    }
    return config.server + url.substr(url_base.size() - target.prefix.size());
  }

  // --- discovery

  json checked(const Request& request, const Response& response) {
    if (response.status / 100 != 2) {
      throw Error(render_api_error(response, request, config.user_name));
    }
    return response.json();
  }

  void load_discovery() {
    if (discovery_loaded) {
      return;
    }
    for (const char* root : {"/api", "/apis"}) {
      Request r;
      r.path = root;
      r.accept = kAggregatedDiscoveryAccept;
      r.verb = "get";
      r.resource = root;
      json body = checked(r, perform(r));
      if (is_aggregated_discovery(body)) {
        for (auto& g : parse_aggregated_discovery(body)) {
          std::string name = g.name;
          groups.emplace(name, std::move(g));
        }
      } else if (std::string(root) == "/api") {
        groups.emplace("", parse_core_versions(body));
      } else {
        for (auto& g : parse_group_list(body)) {
          std::string name = g.name;
          groups.emplace(name, std::move(g));
        }
      }
    }
    discovery_loaded = true;
  }

  const std::vector<ApiResource>* resources_of(const std::string& group, const std::string& version) {
    load_discovery();
    auto it = groups.find(group);
    if (it == groups.end()) {
      return nullptr;
    }
    DiscoveryGroup& g = it->second;
    if (std::find(g.versions.begin(), g.versions.end(), version) == g.versions.end()) {
      return nullptr;
    }
    auto found = g.resources.find(version);
    if (found == g.resources.end() && !g.resources_loaded) {
      Request r;
      r.path = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
      r.verb = "get";
      r.resource = r.path;
      Response resp = perform(r);
      if (resp.status == 404 || resp.status == 503) {
        g.resources[version] = {};  // an unavailable aggregated API
      } else {
        g.resources[version] = parse_resource_list(checked(r, resp), group, version);
      }
      found = g.resources.find(version);
    }
    return found == g.resources.end() ? nullptr : &found->second;
  }

  std::optional<ApiResource> find(const GroupKind& kind, const std::string& version) {
    load_discovery();
    auto it = groups.find(kind.group);
    if (it == groups.end()) {
      return std::nullopt;
    }
    std::vector<std::string> versions = version.empty() ? it->second.versions : std::vector<std::string>{version};
    for (const auto& v : versions) {
      if (const auto* list = resources_of(kind.group, v)) {
        for (const auto& r : *list) {
          if (r.kind == kind.kind) {
            return r;
          }
        }
      }
    }
    return std::nullopt;
  }

 private:
  curl_slist* connect_to_ = nullptr;
  std::string proxy_;
  std::string no_proxy_;
};

Client::Client(RestConfig config, std::ostream& diagnostics)
    : impl_(std::make_unique<Impl>(std::move(config), diagnostics)) {}

Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

const RestConfig& Client::config() const { return impl_->config; }

ApiResource Client::resolve(const GroupKind& kind) {
  auto r = impl_->find(kind, {});
  if (!r) {
    throw Error(fmt::format("the server doesn't have a resource type for kind \"{}\"{}; ensure CRDs are installed "
                            "first",
                            kind.kind, kind.group.empty() ? "" : " in group \"" + kind.group + "\""));
  }
  return *r;
}

std::optional<ApiResource> Client::find(const GroupKind& kind, const std::string& version) {
  return impl_->find(kind, version);
}

bool Client::has_group(const std::string& group) {
  impl_->load_discovery();
  return impl_->groups.count(group) > 0;
}

std::vector<std::string> Client::group_versions(const std::string& group) {
  impl_->load_discovery();
  auto it = impl_->groups.find(group);
  return it == impl_->groups.end() ? std::vector<std::string>{} : it->second.versions;
}

std::optional<std::string> Client::first_served_version(const std::string& group,
                                                        const std::vector<std::string>& candidates) {
  std::vector<std::string> served = group_versions(group);
  for (const auto& c : candidates) {
    if (std::find(served.begin(), served.end(), c) != served.end()) {
      return c;
    }
  }
  return std::nullopt;
}

std::optional<json> Client::get(const ApiResource& resource, const std::string& namespace_name,
                                const std::string& name) {
  Request r;
  r.path = resource.path(namespace_name, name);
  r.verb = "get";
  r.resource = resource.qualified_resource();
  r.name = name;
  r.namespace_name = resource.namespaced ? namespace_name : "";
  Response resp = impl_->perform(r);
  if (resp.status == 404) {
    return std::nullopt;
  }
  return impl_->checked(r, resp);
}

ListResult Client::list(const ApiResource& resource, const ListOptions& options) {
  std::vector<json> items;
  ListResult result = list_each(resource, options, [&](json&& item) { items.push_back(std::move(item)); });
  result.items = std::move(items);
  return result;
}

namespace {

// The request for one page of a list.
Request list_request(const ApiResource& resource, const ListOptions& options, const std::string& continue_token) {
  Request r;
  r.path = resource.path(options.namespace_name);
  r.verb = "list";
  r.resource = resource.qualified_resource();
  r.namespace_name = resource.namespaced ? options.namespace_name : "";
  if (options.page_size > 0) {
    r.query.emplace_back("limit", std::to_string(options.page_size));
  }
  if (!continue_token.empty()) {
    r.query.emplace_back("continue", continue_token);
  }
  if (!options.label_selector.empty()) {
    r.query.emplace_back("labelSelector", options.label_selector);
  }
  if (!options.field_selector.empty()) {
    r.query.emplace_back("fieldSelector", options.field_selector);
  }
  return r;
}

// A 403: the result says so with the server's message.
void set_forbidden(ListResult& result, const Response& resp, const ApiResource& resource) {
  result.forbidden = true;
  json status = json::parse(resp.body, nullptr, false);
  result.message = status.is_object() ? status.value("message", std::string{}) : "";
  if (result.message.empty()) {
    result.message = fmt::format("cannot list resource \"{}\"", resource.qualified_resource());
  }
}

}  // namespace

std::vector<ListResult> Client::list_pages(const std::vector<ListCall>& calls,
                                           const std::function<std::string(size_t, std::string&&)>& on_page) {
  std::vector<ListResult> results(calls.size());
  std::vector<Request> first;
  for (const ListCall& call : calls) {
    first.push_back(list_request(call.resource, call.options, ""));
  }
  // Each call's next page is requested as soon as its page is read.
  impl_->perform_stream(std::move(first), [&](size_t i, Response&& resp) -> std::optional<Request> {
    if (resp.status == 403) {
      set_forbidden(results[i], resp, calls[i].resource);
      return std::nullopt;
    }
    if (resp.status / 100 != 2) {
      impl_->checked(list_request(calls[i].resource, calls[i].options, ""), resp);  // throws, rendered like kubectl
    }
    std::string token = on_page(i, std::move(resp.body));
    if (token.empty()) {
      return std::nullopt;
    }
    return list_request(calls[i].resource, calls[i].options, token);
  });
  return results;
}

ListResult Client::list_each(const ApiResource& resource, const ListOptions& options,
                             const std::function<void(nlohmann::json&&)>& on_item) {
  ListResult result;
  std::string continue_token;
  do {
    Request r = list_request(resource, options, continue_token);
    Response resp = impl_->perform(r);
    if (resp.status == 403) {
      set_forbidden(result, resp, resource);
      return result;
    }
    json page = impl_->checked(r, resp);
    resp.body.clear();
    resp.body.shrink_to_fit();
    continue_token.clear();
    if (page.contains("metadata") && page["metadata"].is_object()) {
      continue_token = page["metadata"].value("continue", std::string{});
      result.resource_version = page["metadata"].value("resourceVersion", std::string{});
    }
    if (page.contains("items") && page["items"].is_array()) {
      for (auto& item : page["items"]) {
        if (item.is_object()) {
          item["apiVersion"] = resource.api_version();
          item["kind"] = resource.kind;
        }
        on_item(std::move(item));
      }
    }
  } while (!continue_token.empty());
  return result;
}

Response Client::send(const Request& request) { return impl_->perform(request); }

std::vector<Response> Client::send_all(const std::vector<Request>& requests) { return impl_->perform_all(requests); }

void Client::send_each(const std::vector<Request>& requests,
                       const std::function<void(size_t, Response&&)>& on_response) {
  impl_->perform_stream(requests, [&](size_t i, Response&& r) -> std::optional<Request> {
    on_response(i, std::move(r));
    return std::nullopt;
  });
}

json Client::request(const Request& request) { return impl_->checked(request, impl_->perform(request)); }

}  // namespace grpcmesh::kube
