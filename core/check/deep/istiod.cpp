#include "core/check/deep/istiod.hpp"

#include <fmt/format.h>

#include <chrono>
#include <sstream>

#include "core/check/deep/http.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::check::deep {
namespace {

// The first line of a body, for an error message (bodies of proxy errors
// are short texts; never more than 200 characters of them).
std::string first_line(const std::string& body) {
  std::string line = body.substr(0, body.find('\n'));
  if (line.size() > 200) {
    line = line.substr(0, 200) + "...";
  }
  return line;
}

// istiod pods reached through the API server: GET
// /api/v1/namespaces/NS/pods/NAME:PORT/proxy/PATH.
// A GET of one of istiod's debug paths ("/debug/syncz",
// "/debug/config_dump?proxyID=..."), its one query parameter split off.
kube::Request debug_request(const std::string& path) {
  kube::Request r;
  auto q = path.find('?');
  r.path = path.substr(0, q);
  if (q != std::string::npos) {
    std::string query = path.substr(q + 1);
    auto eq = query.find('=');
    r.query.emplace_back(query.substr(0, eq), eq == std::string::npos ? "" : query.substr(eq + 1));
  }
  r.accept = "application/json, */*";
  r.verb = "get";
  return r;
}

// A kube::Client of a source's own, and the stream it logs to.
struct OwnClient {
  explicit OwnClient(kube::RestConfig config) : client(std::move(config), log) {}
  std::ostringstream log;
  kube::Client client;
};

class PodProxySource final : public IstiodSource {
 public:
  PodProxySource(kube::Client& client, const IstiodOptions& options, std::unique_ptr<OwnClient> own = nullptr)
      : own_(std::move(own)), client_(client), namespace_(options.istio_namespace) {
    // Pods are core/v1 in every Kubernetes: no discovery needed (a client of
    // the source's own would have to read it again).
    kube::ApiResource pods{"", "v1", "Pod", "pods", true, {"get", "list"}};
    kube::ListOptions list;
    list.namespace_name = namespace_;
    list.label_selector = "app=istiod";
    if (!options.revision.empty()) {
      list.label_selector += ",istio.io/rev=" + options.revision;
    }
    list.field_selector = "status.phase=Running";
    kube::ListResult found = client_.list(pods, list);
    if (found.forbidden) {
      throw Error(fmt::format("--deep: cannot list the istiod pods in namespace {}: {}", namespace_, found.message));
    }
    for (const auto& pod : found.items) {
      std::string name = pod["metadata"].value("name", "");
      int port = 15014;
      const auto& annotations = pod["metadata"].value("annotations", nlohmann::json::object());
      if (auto it = annotations.find("prometheus.io/port"); it != annotations.end() && it->is_string()) {
        try {
          port = std::stoi(it->get<std::string>());
        } catch (const std::exception&) {
        }
      }
      names_.push_back(name);
      ports_.push_back(port);
    }
    if (names_.empty()) {
      if (!options.revision.empty()) {
        throw Error(fmt::format("--deep: no running istiod of revision \"{}\" in namespace {} (no pod labelled "
                                "app=istiod,istio.io/rev={}); check --revision, or --istio-namespace",
                                options.revision, namespace_, options.revision));
      }
      throw Error(fmt::format("--deep: no running istiod in namespace {} (no pod labelled app=istiod); give the "
                              "namespace Istio runs in with --istio-namespace, or istiod's address with --istiod-address",
                              namespace_));
    }
  }

  const std::vector<std::string>& instances() const override { return names_; }

  std::vector<kube::Response> get_all(const std::string& path) override {
    std::vector<kube::Request> requests;
    for (size_t i = 0; i < names_.size(); ++i) {
      requests.push_back(request(i, path));
    }
    std::vector<kube::Response> out = client_.send_all(requests);
    for (size_t i = 0; i < out.size(); ++i) {
      check(i, out[i]);
    }
    return out;
  }

  kube::Response get(size_t i, const std::string& path) override {
    kube::Response r = client_.send(request(i, path));
    check(i, r);
    return r;
  }

  void get_each(const std::vector<Get>& gets, const std::function<void(size_t, kube::Response&&)>& on_response) override {
    std::vector<kube::Request> requests;
    for (const Get& g : gets) {
      requests.push_back(request(g.instance, g.path));
    }
    client_.send_each(requests, [&](size_t i, kube::Response&& r) {
      check(gets[i].instance, r);
      on_response(i, std::move(r));
    });
  }

  std::string take_log() override {
    if (own_ == nullptr) {
      return {};
    }
    std::string text = own_->log.str();
    own_->log.str({});
    return text;
  }

 private:
  kube::Request request(size_t i, const std::string& path) const {
    kube::Request r = debug_request(path);
    r.path = fmt::format("/api/v1/namespaces/{}/pods/{}:{}/proxy{}", namespace_, names_[i], ports_[i], r.path);
    r.resource = "pods/proxy";
    r.name = names_[i];
    r.namespace_name = namespace_;
    return r;
  }

  // A refusal of the proxy subresource, or a proxy error, is the whole
  // check's failure; a 404 from istiod itself (an unknown proxyID) is not.
  void check(size_t i, const kube::Response& r) const {
    if (r.status == 403 || r.status == 401) {
      throw Error(fmt::format("--deep: the API server refused the proxy to istiod pod {}/{} ({}): {}; grant "
                              "\"get\" on pods/proxy in namespace {}, or give --istiod-address",
                              namespace_, names_[i], r.status, first_line(r.body), namespace_));
    }
    if (r.status >= 500 || r.status == 0) {
      throw Error(fmt::format("--deep: cannot reach istiod pod {}/{} on port {} through the API server ({}): {}",
                              namespace_, names_[i], ports_[i], r.status, first_line(r.body)));
    }
  }

  std::unique_ptr<OwnClient> own_;  // when client_ is the source's own
  kube::Client& client_;
  std::string namespace_;
  std::vector<std::string> names_;
  std::vector<int> ports_;
};

// One istiod at HOST:PORT over plain HTTP (its monitoring or HTTP port),
// through the HTTP/1.0 client of http.hpp: not libcurl, whose ~30 shared
// libraries took longer to load than istiod took to answer syncz.
class AddressSource final : public IstiodSource {
 public:
  AddressSource(const kube::RestConfig& base, const std::string& address, int cancel_fd)
      : address_(address), verbosity_(base.verbosity) {
    std::string host, port;
    if (address.find('/') != std::string::npos || !split_host_port(address, host, port)) {
      throw UsageError(fmt::format("invalid --istiod-address \"{}\": give HOST:PORT of istiod's debug port (15014)",
                                   address));
    }
    client_ = std::make_unique<HttpClient>(host, port, base.request_timeout, cancel_fd);
    names_.push_back(address);
  }

  const std::vector<std::string>& instances() const override { return names_; }

  std::vector<kube::Response> get_all(const std::string& path) override { return {get(0, path)}; }

  kube::Response get(size_t, const std::string& path) override {
    kube::Response out;
    get_each({{0, path}}, [&](size_t, kube::Response&& r) { out = std::move(r); });
    return out;
  }

  void get_each(const std::vector<Get>& gets, const std::function<void(size_t, kube::Response&&)>& on_response) override {
    std::vector<std::string> paths;
    for (const Get& g : gets) {
      paths.push_back(g.path);
    }
    const auto start = std::chrono::steady_clock::now();
    // Only the client's failures are reworded; what the callback throws
    // (a failure of its own, or check's) passes as it is.
    try {
      client_->get_each(paths, [&](size_t i, HttpResponse&& h) {
        if (verbosity_ >= 6) {
          log_ << fmt::format("GET http://{}{} {} in {} milliseconds\n", address_, paths[i], h.status,
                              std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start)
                                  .count());
        }
        kube::Response r;
        r.status = h.status;
        r.body = std::move(h.body);
        r.content_type = std::move(h.content_type);
        check(paths[i], r);
        on_response(i, std::move(r));
      });
    } catch (const HttpError& e) {
      if (e.kind() == HttpError::Kind::kMalformed) {
        throw Error(fmt::format("--deep: istiod at {} sent {}: is it istiod's debug port?", address_, e.what()));
      }
      throw Error(fmt::format("--deep: cannot reach istiod at {}: {}", address_, e.what()));
    }
  }

  std::string take_log() override {
    std::string text = log_.str();
    log_.str({});
    return text;
  }

 private:
  void check(const std::string& path, const kube::Response& out) const {
    if (out.status >= 500 || out.status == 401 || out.status == 403) {
      throw Error(fmt::format("--deep: istiod at {} answered {} to {}: {}", address_, out.status,
                              path.substr(0, path.find('?')), first_line(out.body)));
    }
  }

  std::string address_;
  int verbosity_ = 0;
  std::ostringstream log_;
  std::unique_ptr<HttpClient> client_;
  std::vector<std::string> names_;
};

}  // namespace

void IstiodSource::get_each(const std::vector<Get>& gets,
                            const std::function<void(size_t, kube::Response&&)>& on_response) {
  for (size_t i = 0; i < gets.size(); ++i) {
    on_response(i, get(gets[i].instance, gets[i].path));
  }
}

std::unique_ptr<IstiodSource> connect_istiod(kube::Client& client, const IstiodOptions& options) {
  if (!options.address.empty()) {
    return std::make_unique<AddressSource>(client.config(), options.address, options.cancel_fd);
  }
  return std::make_unique<PodProxySource>(client, options);
}

bool can_connect_apart(const kube::RestConfig& config, const IstiodOptions& options) {
  return !options.address.empty() || (!config.exec && !config.auth_provider);
}

std::unique_ptr<IstiodSource> connect_istiod_apart(const kube::RestConfig& config, const IstiodOptions& options) {
  if (!options.address.empty()) {
    return std::make_unique<AddressSource>(config, options.address, options.cancel_fd);
  }
  if (!can_connect_apart(config, options)) {
    return nullptr;
  }
  auto own = std::make_unique<OwnClient>(config);
  kube::Client& client = own->client;
  return std::make_unique<PodProxySource>(client, options, std::move(own));
}

}  // namespace grpcmesh::check::deep
