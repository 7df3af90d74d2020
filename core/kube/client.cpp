#include "core/kube/client.hpp"

#include <fmt/format.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

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
#include "core/kube/transport.hpp"
#include "core/kube/wire.hpp"
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

bool is_loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "[::1]" || host == "::1";
}

struct HostPort {
  std::string scheme;
  std::string host;  // as written (an IPv6 address keeps its brackets)
  std::string port;
  std::string authority;  // host[:port] as written: the Host header
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
  hp.authority = rest;
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
  HostPort target;
  TransportSettings settings;
  std::unique_ptr<Transport> transport_;
  std::set<std::string> warnings_seen;
  std::unique_ptr<ExecCredentialProvider> exec;
  bool discovery_loaded = false;
  std::map<std::string, DiscoveryGroup> groups;

  Impl(RestConfig c, std::ostream& d) : config(std::move(c)), diag(d) {
    target = split_server(config.server);
    settings.scheme = target.scheme;
    settings.host = target.host;
    settings.port = target.port;
    settings.authority = target.authority;
    settings.tls_server_name = config.tls_server_name;
    settings.insecure = config.insecure_skip_tls_verify;
    settings.ca_pem = pem_from(config.ca_data, config.ca_file, "certificate-authority");
    settings.cert_pem = pem_from(config.client_certificate_data, config.client_certificate_file, "client-certificate");
    settings.key_pem = pem_from(config.client_key_data, config.client_key_file, "client-key");
    if (!settings.cert_pem.empty()) {
      check_client_certificate(settings.cert_pem, config.user_name);
    }
    settings.compression = !config.disable_compression;
    settings.request_timeout = config.request_timeout;
    settings.user_agent = fmt::format("kubectl-grpcmesh/v{}", build_info().version);
    // Proxies come from the injected environment only; loopback is never
    // proxied, like Go.
    settings.proxy = config.proxy_url;
    if (settings.proxy.empty() && !is_loopback(target.host)) {
      auto env = [&](const char* upper, const char* lowercase) {
        auto it = config.proxy_env.find(upper);
        if (it == config.proxy_env.end() || it->second.empty()) {
          it = config.proxy_env.find(lowercase);
        }
        return it == config.proxy_env.end() ? std::string{} : it->second;
      };
      settings.proxy = target.scheme == "https" ? env("HTTPS_PROXY", "https_proxy") : env("HTTP_PROXY", "http_proxy");
      settings.no_proxy = env("NO_PROXY", "no_proxy");
    }
    if (config.exec) {
      exec = std::make_unique<ExecCredentialProvider>(config, diag, isatty(0) == 1);
    }
  }

  // The transport, chosen on first use: the native HTTP/2 one for an
  // https:// server reached directly, unless the server turns out not to
  // speak HTTP/2; libcurl for proxies and http:// (transport.hpp).
  Transport& transport() {
    if (!transport_) {
      if (settings.scheme == "https" && settings.proxy.empty()) {
        transport_ = make_h2_transport(settings);
      }
      if (!transport_) {
        transport_ = make_curl_transport(settings);
      }
    }
    return *transport_;
  }

  std::string bearer_token() {
    if (exec) {
      const ExecCredential& cred = exec->get();
      if (!cred.client_certificate_data.empty()) {
        settings.cert_pem = cred.client_certificate_data;
        settings.key_pem = cred.client_key_data;
        if (transport_) {
          transport_->set_client_certificate(cred.client_certificate_data, cred.client_key_data);
        }
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

  std::string target_for(const Request& request) const {
    std::string out = target.prefix + request.path;
    char sep = '?';
    for (const auto& [k, v] : request.query) {
      out += sep;
      out += escape_query(k) + "=" + escape_query(v);
      sep = '&';
    }
    return out;
  }

  std::string transport_error(const Exchange& x) {
    std::string host = config.server_host();
    const std::string& why = x.detail;
    std::string cluster = config.cluster_name.empty() ? "" : fmt::format(" of cluster \"{}\"", config.cluster_name);
    switch (x.failure) {
      case Failure::kRefused:
        return fmt::format("The connection to the server {} was refused - did you specify the right host or port?",
                           host);
      case Failure::kUnknownHost:
        return fmt::format("Unable to connect to the server: lookup {}: no such host; check the server address{} "
                           "in the kubeconfig",
                           target.host, cluster);
      case Failure::kUnknownProxy:
        return fmt::format("Unable to connect to the server: proxy {} not found; check proxy-url or HTTPS_PROXY",
                           settings.proxy);
      case Failure::kTlsName:
        return fmt::format("Unable to connect to the server {}: tls: the server certificate is not valid for \"{}\" "
                           "({}); check the server address, or set tls-server-name (--tls-server-name) to a name "
                           "the certificate holds",
                           host, config.tls_server_name.empty() ? target.host : config.tls_server_name, why);
      case Failure::kTlsVerify:
        return fmt::format("Unable to connect to the server {}: tls: failed to verify certificate ({}); check the "
                           "certificate-authority{} or --certificate-authority",
                           host, why, cluster);
      case Failure::kBadCa:
        return fmt::format("Unable to connect to the server {}: the certificate-authority{} is not a valid PEM "
                           "bundle ({})",
                           host, cluster, why);
      case Failure::kClientCertificate:
        return fmt::format("Unable to connect to the server {}: the client certificate or key is unusable ({}); "
                           "check client-certificate and client-key in the kubeconfig",
                           host, why);
      case Failure::kTimeout:
        return fmt::format("Unable to connect to the server {}: timed out ({}); the server is slow or unreachable, "
                           "or raise --request-timeout",
                           host, why);
      default:
        return fmt::format("Unable to connect to the server {}: {}", host, why);
    }
  }

  // The exchange that carries a request, with its headers, starting now.
  Exchange prepare(const Request& request, const std::string& token) const {
    Exchange x;
    x.method = request.method;
    x.target = target_for(request);
    if (request.method != "GET" && request.method != "HEAD") {
      x.body = &request.body;
    }
    x.headers.emplace_back("Accept", request.accept);
    if (!request.content_type.empty()) {
      x.headers.emplace_back("Content-Type", request.content_type);
    }
    if (!token.empty()) {
      x.headers.emplace_back("Authorization", "Bearer " + token);
    } else if (!config.username.empty()) {
      x.headers.emplace_back("Authorization", "Basic " + base64_encode(config.username + ":" + config.password));
    }
    const Impersonation& imp = config.impersonate;
    if (!imp.user.empty()) {
      x.headers.emplace_back("Impersonate-User", imp.user);
    }
    for (const auto& g : imp.groups) {
      x.headers.emplace_back("Impersonate-Group", g);
    }
    if (!imp.uid.empty()) {
      x.headers.emplace_back("Impersonate-Uid", imp.uid);
    }
    for (const auto& [k, values] : imp.extra) {
      for (const auto& v : values) {
        x.headers.emplace_back("Impersonate-Extra-" + escape_query(k), v);
      }
    }
    x.start = Clock::now();
    return x;
  }

  // Reads the outcome of an ended exchange: the log line and the warnings.
  Response finish(Exchange& x) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - x.start).count();
    if (x.failure != Failure::kNone) {
      if (config.verbosity >= 6) {
        diag << fmt::format("{} {}{} failed in {} milliseconds: {}\n", x.method, config.server, x.target.substr(target.prefix.size()), ms,
                            x.detail);
      }
      return {};
    }
    if (config.verbosity >= 6) {
      diag << fmt::format("{} {}{} {} in {} milliseconds\n", x.method, config.server, x.target.substr(target.prefix.size()),
                          status_line(x.status), ms);
    }
    for (const auto& w : x.warnings) {
      if (warnings_seen.insert(w).second) {
        diag << "Warning: " << w << '\n';
      }
    }
    Response response;
    response.status = x.status;
    response.body = std::move(x.response_body);
    response.content_type = std::move(x.content_type);
    return response;
  }

  // Whether a response is worth sending again (429 always; 5xx only when the
  // request is idempotent).
  static bool retryable(const Exchange& x, bool idempotent) {
    long s = x.status;
    return s == 429 || (idempotent && (s == 502 || s == 503 || s == 504 || (s >= 500 && !x.retry_after.empty())));
  }

  Response perform(const Request& request) {
    bool idempotent = request.idempotent && request.method != "POST";
    bool reran_exec = false;
    for (int attempt = 1;; ++attempt) {
      std::string token = bearer_token();
      Transport& t = transport();
      Exchange x = prepare(request, token);
      t.start(x);
      t.wait_for(x);
      Response response = finish(x);
      if (x.failure != Failure::kNone) {
        if (x.failure == Failure::kReset && (idempotent || x.unprocessed) && attempt < kMaxAttempts) {
          std::this_thread::sleep_for(backoff(attempt));
          continue;
        }
        throw Error(transport_error(x));
      }
      if (x.status == 401 && exec && !reran_exec) {
        exec->invalidate();
        reran_exec = true;
        continue;
      }
      if (retryable(x, idempotent) && attempt < kMaxAttempts) {
        auto delay = backoff(attempt);
        if (auto after = retry_after_seconds(x.retry_after)) {
          delay = std::clamp(*after, std::chrono::seconds(0), std::chrono::seconds(10));
        }
        std::this_thread::sleep_for(delay);
        continue;
      }
      return response;
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
    // 16 streams keep a 2-core API server busy as well as 32 did.
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
    std::string token = bearer_token();
    Transport& t = transport();
    // One exchange per request slot; a slot's exchange is in flight or idle.
    std::vector<std::unique_ptr<Exchange>> exchanges(requests.size());
    std::map<const Exchange*, size_t> slot_of;
    size_t next = 0;
    size_t running = 0;
    auto start = [&](size_t i) {
      exchanges[i] = std::make_unique<Exchange>(prepare(requests[i], token));
      slot_of[exchanges[i].get()] = i;
      ++running;
      t.start(*exchanges[i]);
    };
    try {
      while (next < requests.size() && running < kMaxInFlight) {
        start(next++);
      }
      while (running > 0) {
        Exchange* ended = t.next_done();
        if (ended == nullptr) {
          throw Error("the transport lost track of a request");
        }
        const size_t i = slot_of.at(ended);
        slot_of.erase(ended);
        --running;
        Exchange& x = *exchanges[i];
        bool idempotent = requests[i].idempotent && requests[i].method != "POST";
        Response response = finish(x);
        if ((x.failure == Failure::kReset || x.failure == Failure::kRefused) ||
            (x.failure == Failure::kNone && ((x.status == 401 && exec) || retryable(x, idempotent)))) {
          response = perform(requests[i]);
        } else if (x.failure != Failure::kNone) {
          throw Error(transport_error(x));
        }
        exchanges[i].reset();
        if (std::optional<Request> more = done(i, std::move(response))) {
          requests[i] = std::move(*more);
          start(i);
        } else if (next < requests.size()) {
          start(next++);
        }
      }
    } catch (...) {
      t.abandon();
      throw;
    }
  }

  static std::chrono::milliseconds backoff(int attempt) {
    return std::chrono::milliseconds(std::min(2000, 100 << attempt));
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
