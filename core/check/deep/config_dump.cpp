#include "core/check/deep/config_dump.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <limits>

#include "core/kube/encoding.hpp"
#include "core/util/error.hpp"
#include "core/util/yaml.hpp"

namespace grpcmesh::check::deep {
namespace {

constexpr std::string_view kHcm = "envoy.filters.network.http_connection_manager";
constexpr std::string_view kHttpOptions = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
constexpr std::string_view kCorsFilter = "envoy.filters.http.cors";
constexpr std::string_view kNotDump = "istiod's config dump is not a JSON ConfigDump (no \"configs\" array)";
constexpr std::string_view kNotSyncz = "istiod's /debug/syncz is not a JSON array of proxies";

// A Node reads as nlohmann::json's lookups did: a missing member, or a
// member of something that is not an object, is null; iterating anything
// but an array yields nothing.
std::string text(Node j, std::string_view key) {
  Node v = j[key];
  return v.is_string() ? std::string(v.str()) : std::string();
}

std::optional<std::string> duration(Node j, std::string_view key) {
  Node v = j[key];
  if (v.is_string()) {
    return std::string(v.str());
  }
  return std::nullopt;
}

// An integer in [lo, hi], else `otherwise`.
int bounded(Node v, int lo, int hi, int otherwise) {
  if (!v.is_number_integer()) {
    return otherwise;
  }
  if (v.type() == NodeType::Uint && v.get<std::uint64_t>() > static_cast<std::uint64_t>(hi)) {
    return otherwise;
  }
  std::int64_t n = v.integer();
  return n >= lo && n <= hi ? static_cast<int>(n) : otherwise;
}

bool has_cors(Node j) {
  return j["typedPerFilterConfig"][kCorsFilter].is_object() || j["route"]["cors"].is_object() || j["cors"].is_object();
}

HttpRoute read_route(Node r) {
  HttpRoute out;
  out.name = text(r, "name");
  Node match = r["match"];
  out.prefix = text(match, "prefix");
  out.path = text(match, "path");
  out.regex = match["safeRegex"].is_object() || match["pathSeparatedPrefix"].is_string() ||
              match["pathMatchPolicy"].is_object();
  for (Node h : match["headers"]) {
    std::string name = text(h, "name");
    std::string value = text(h["stringMatch"], "exact");
    if (value.empty()) {
      value = text(h, "exactMatch");
    }
    out.headers.push_back(value.empty() ? name : name + "=" + value);
    out.header_content_type = out.header_content_type || name == "content-type";
  }
  Node route = r["route"];
  if (route.is_object()) {
    out.cluster = text(route, "cluster");
    if (out.cluster.empty()) {
      std::vector<std::string> names;
      for (Node w : route["weightedClusters"]["clusters"]) {
        names.push_back(text(w, "name"));
      }
      out.cluster = fmt::format("{}", fmt::join(names, ","));
    }
    out.timeout = duration(route, "timeout");
    out.idle_timeout = duration(route, "idleTimeout");
    Node retry = route["retryPolicy"];
    if (retry.is_object()) {
      // Envoy's default when unset is 1.
      out.retries = bounded(retry["numRetries"], 0, std::numeric_limits<int>::max(), 1);
      out.retry_on = text(retry, "retryOn");
    }
  } else {
    out.direct_response = true;
  }
  out.cors = has_cors(r);
  out.config = text(r["metadata"]["filterMetadata"]["istio"], "config");
  return out;
}

RouteConfig read_route_config(Node rc) {
  RouteConfig out;
  out.name = text(rc, "name");
  for (Node vh : rc["virtualHosts"]) {
    VirtualHost v;
    v.name = text(vh, "name");
    for (Node d : vh["domains"]) {
      if (d.is_string()) {
        v.domains.emplace_back(d.str());
      }
    }
    for (Node r : vh["routes"]) {
      v.routes.push_back(read_route(r));
    }
    v.cors = has_cors(vh);
    out.virtual_hosts.push_back(std::move(v));
  }
  return out;
}

FilterChain read_chain(Node fc) {
  FilterChain out;
  out.name = text(fc, "name");
  for (Node s : fc["filterChainMatch"]["serverNames"]) {
    if (s.is_string()) {
      out.server_names.emplace_back(s.str());
    }
  }
  if (fc["transportSocket"].is_object()) {
    Node tls = fc["transportSocket"]["typedConfig"]["commonTlsContext"];
    out.tls = true;
    for (Node s : tls["tlsCertificateSdsSecretConfigs"]) {
      out.sds_secrets.push_back(text(s, "name"));
    }
    std::string ca = text(tls["combinedValidationContext"]["validationContextSdsSecretConfig"], "name");
    if (!ca.empty()) {
      out.sds_secrets.push_back(ca);
    }
  }
  for (Node f : fc["filters"]) {
    if (text(f, "name") != kHcm) {
      continue;
    }
    Node hcm = f["typedConfig"];
    out.http = true;
    out.route_config = text(hcm["rds"], "routeConfigName");
    for (Node h : hcm["httpFilters"]) {
      out.http_filters.push_back(text(h, "name"));
    }
    out.stream_idle_timeout = duration(hcm, "streamIdleTimeout");
  }
  return out;
}

Listener read_listener(Node l) {
  Listener out;
  out.name = text(l, "name");
  out.port = bounded(l["address"]["socketAddress"]["portValue"], 0, 65535, 0);
  for (Node fc : l["filterChains"]) {
    out.chains.push_back(read_chain(fc));
  }
  if (l["defaultFilterChain"].is_object()) {
    out.chains.push_back(read_chain(l["defaultFilterChain"]));
  }
  return out;
}

Cluster read_cluster(Node c) {
  Cluster out;
  out.name = text(c, "name");
  Node options = c["typedExtensionProtocolOptions"][kHttpOptions];
  out.http2 = options["explicitHttpConfig"]["http2ProtocolOptions"].is_object();
  out.downstream_protocol = options["useDownstreamProtocolConfig"].is_object();
  out.idle_timeout = duration(options["commonHttpProtocolOptions"], "idleTimeout");
  return out;
}

Secret read_secret(Node s) {
  Secret secret;
  // istiod's dump names a secret inside it (secret.name) and leaves the
  // entry's own name empty; Envoy's admin dump sets both.
  secret.name = text(s, "name");
  if (secret.name.empty()) {
    secret.name = text(s["secret"], "name");
  }
  secret.certificate = s["secret"]["tlsCertificate"].is_object() || s["secret"]["validationContext"].is_object();
  Node chain = s["secret"]["tlsCertificate"]["certificateChain"];
  if (Node bytes = chain["inlineBytes"]; bytes.is_string()) {
    secret.chain_pem = kube::base64_decode(bytes.str()).value_or("");
  } else {
    secret.chain_pem = text(chain, "inlineString");
  }
  return secret;
}

// The four kinds of configuration check reads, by the ConfigDump field that
// lists them (dynamicListeners of a ListenersConfigDump, ...).
enum class Field { kNone, kListeners, kRoutes, kClusters, kSecrets };

Field field_of(std::string_view key) {
  if (key == "dynamicListeners") {
    return Field::kListeners;
  }
  if (key == "dynamicRouteConfigs") {
    return Field::kRoutes;
  }
  if (key == "dynamicActiveClusters") {
    return Field::kClusters;
  }
  if (key == "dynamicActiveSecrets") {
    return Field::kSecrets;
  }
  return Field::kNone;
}

// Where a config of type `type` keeps what check reads.
Field field_for_type(std::string_view type) {
  if (type.ends_with(".ListenersConfigDump")) {
    return Field::kListeners;
  }
  if (type.ends_with(".RoutesConfigDump")) {
    return Field::kRoutes;
  }
  if (type.ends_with(".ClustersConfigDump")) {
    return Field::kClusters;
  }
  if (type.ends_with(".SecretsConfigDump")) {
    return Field::kSecrets;
  }
  return Field::kNone;
}

// What one config entry holds, reduced; only the field its @type names is kept.
struct ConfigParts {
  std::vector<Listener> listeners;
  std::vector<RouteConfig> routes;
  std::vector<Cluster> clusters;
  std::vector<Secret> secrets;

  void clear(Field f) {
    switch (f) {
      case Field::kListeners: listeners.clear(); break;
      case Field::kRoutes: routes.clear(); break;
      case Field::kClusters: clusters.clear(); break;
      case Field::kSecrets: secrets.clear(); break;
      case Field::kNone: break;
    }
  }
  // One element of field `f`.
  void add(Field f, Node e) {
    switch (f) {
      case Field::kListeners:
        if (Node l = e["activeState"]["listener"]; l.is_object()) {
          listeners.push_back(read_listener(l));
        }
        break;
      case Field::kRoutes: routes.push_back(read_route_config(e["routeConfig"])); break;
      case Field::kClusters: clusters.push_back(read_cluster(e["cluster"])); break;
      case Field::kSecrets: secrets.push_back(read_secret(e)); break;
      case Field::kNone: break;
    }
  }
  // Moves field `f` into the dump (a later entry of a name replaces an earlier one).
  void move_into(Field f, ConfigDump& out) {
    switch (f) {
      case Field::kListeners:
        std::move(listeners.begin(), listeners.end(), std::back_inserter(out.listeners));
        break;
      case Field::kRoutes:
        for (RouteConfig& rc : routes) {
          std::string name = rc.name;
          out.routes[name] = std::move(rc);
        }
        break;
      case Field::kClusters:
        for (Cluster& c : clusters) {
          std::string name = c.name;
          out.clusters[name] = std::move(c);
        }
        break;
      case Field::kSecrets:
        for (Secret& s : secrets) {
          std::string name = s.name;
          out.secrets[name] = std::move(s);
        }
        break;
      case Field::kNone: break;
    }
    *this = {};
  }
};

ProxySync read_proxy(Node p, const std::string& istiod) {
  ProxySync sync;
  sync.proxy = text(p, "proxy");
  sync.proxy_type = text(p, "proxy_type");
  sync.istio_version = text(p, "istio_version");
  sync.istiod = istiod;
  // By type URL, a repeated one counting once with its last value, as a JSON
  // object reads.
  std::map<std::string, TypeSync, std::less<>> types;
  for (const Member& m : p["resources"].items()) {
    TypeSync t;
    t.type_url = std::string(m.key);
    t.sent = text(m.value, "sent");
    t.acked = text(m.value, "acked");
    t.error = text(m.value, "lastError");
    // As istiod's own status generator decides (debugSyncStatus).
    t.state = !t.error.empty() ? "NACK" : t.sent.empty() ? "NOT SENT" : t.sent == t.acked ? "SYNCED" : "STALE";
    std::string url = t.type_url;
    types[url] = std::move(t);
  }
  for (auto& [url, t] : types) {
    sync.types.push_back(std::move(t));
  }
  return sync;
}

// Follows a JSON text's events (yaml::parse_json_events) and builds a
// compact tree of each value the subclass asks for (build()), handing it to
// on_element() once complete; everything else is only followed, its open
// containers tagged with the role the subclass gave them.
class Reader : public yaml::Handler {
 public:
  void begin_document(int) override {}
  void end_document() override {}
  void begin_object(int) override {
    if (building()) {
      ++build_depth_;
      b_.begin_object();
    } else {
      value_starts(Kind::kObject, {});
    }
  }
  void begin_array() override {
    if (building()) {
      ++build_depth_;
      b_.begin_array();
    } else {
      value_starts(Kind::kArray, {});
    }
  }
  void end_object() override { end(); }
  void end_array() override { end(); }
  void key(std::string_view key) override {
    if (building()) {
      b_.key(key);
    } else {
      on_key(key);
    }
  }
  void null_value() override { building() ? b_.null_value() : value_starts(Kind::kScalar, {}); }
  void boolean(bool v) override { building() ? b_.boolean(v) : value_starts(Kind::kScalar, {}); }
  void integer(std::int64_t v) override { building() ? b_.integer(v) : value_starts(Kind::kScalar, {}); }
  void unsigned_integer(std::uint64_t v) override {
    building() ? b_.unsigned_integer(v) : value_starts(Kind::kScalar, {});
  }
  void number(double v) override { building() ? b_.number(v) : value_starts(Kind::kScalar, {}); }
  void string(std::string_view v) override { building() ? b_.string(v) : value_starts(Kind::kString, v); }

 protected:
  enum class Kind { kObject, kArray, kScalar, kString };
  // The role of each open container outside the value being built.
  enum class Role { kOther, kRoot, kConfigs, kConfig, kField };

  // A value starts in the innermost open container (roles_.back(); none: it
  // is the root). The subclass either builds it (build()) or, when it is an
  // object or array, gives it a role (push()).
  virtual void value_starts(Kind kind, std::string_view text) = 0;
  virtual void on_key(std::string_view key) = 0;
  virtual void on_element(Node element) = 0;
  virtual void container_ends(Role role) = 0;

  void push(Kind kind, Role role) {
    if (kind == Kind::kObject || kind == Kind::kArray) {
      roles_.push_back(role);
    }
  }
  // Builds the value that starts now; a scalar is complete at once (as
  // null: no reduction reads a bare scalar).
  void build(Kind kind) {
    b_.clear();
    if (kind == Kind::kObject || kind == Kind::kArray) {
      kind == Kind::kObject ? b_.begin_object() : b_.begin_array();
      build_depth_ = 1;
      return;
    }
    b_.null_value();
    on_element(b_.peek());
    b_.clear();
  }
  std::vector<Role> roles_;

 private:
  bool building() const { return build_depth_ > 0; }
  void end() {
    if (building()) {
      b_.end();
      if (--build_depth_ == 0) {
        on_element(b_.peek());
        b_.clear();
      }
      return;
    }
    Role r = roles_.back();
    roles_.pop_back();
    container_ends(r);
  }

  TreeBuilder b_;  // reused: its buffers grow to the largest element and stay
  size_t build_depth_ = 0;
};

// A ConfigDump: {"configs": [{"@type": ..., "dynamicListeners": [ELEMENT,
// ...]}, ...]}. Each ELEMENT of the four fields is built and reduced at
// once; a config's parts join the dump when it ends, if its @type names
// their field. Repeated keys count as in a JSON object: the last "configs",
// "@type" or field of a config wins.
class DumpReader final : public Reader {
 public:
  ConfigDump result() {
    if (!root_object_ || !configs_array_) {
      throw Error(std::string(kNotDump));
    }
    return std::move(out_);
  }

 private:
  void value_starts(Kind kind, std::string_view text) override {
    if (roles_.empty()) {
      root_object_ = kind == Kind::kObject;
      push(kind, root_object_ ? Role::kRoot : Role::kOther);
      return;
    }
    switch (roles_.back()) {
      case Role::kRoot:
        if (root_key_configs_) {
          configs_array_ = kind == Kind::kArray;
          out_ = {};
          push(kind, configs_array_ ? Role::kConfigs : Role::kOther);
          return;
        }
        break;
      case Role::kConfigs:
        if (kind == Kind::kObject) {
          type_.clear();
          parts_ = {};
          push(kind, Role::kConfig);
          return;
        }
        break;
      case Role::kConfig:
        if (config_key_type_) {
          type_ = kind == Kind::kString ? std::string(text) : std::string();
        } else if (config_field_ != Field::kNone) {
          parts_.clear(config_field_);
          if (kind == Kind::kArray) {
            field_ = config_field_;
            push(kind, Role::kField);
            return;
          }
        }
        break;
      case Role::kField:
        build(kind);
        return;
      case Role::kOther:
        break;
    }
    push(kind, Role::kOther);
  }
  void on_key(std::string_view key) override {
    if (roles_.back() == Role::kRoot) {
      root_key_configs_ = key == "configs";
    } else if (roles_.back() == Role::kConfig) {
      config_key_type_ = key == "@type";
      config_field_ = field_of(key);
    }
  }
  void on_element(Node element) override { parts_.add(field_, element); }
  void container_ends(Role role) override {
    if (role == Role::kConfig) {
      parts_.move_into(field_for_type(type_), out_);
    }
  }

  bool root_object_ = false;
  bool configs_array_ = false;
  bool root_key_configs_ = false;
  bool config_key_type_ = false;
  Field config_field_ = Field::kNone;
  Field field_ = Field::kNone;  // of the field array open now
  std::string type_;
  ConfigParts parts_;
  ConfigDump out_;
};

// /debug/syncz: [PROXY, ...], each PROXY built and reduced at once.
class SynczReader final : public Reader {
 public:
  explicit SynczReader(const std::string& istiod) : istiod_(istiod) {}
  std::vector<ProxySync> result() {
    if (!root_array_) {
      throw Error(std::string(kNotSyncz));
    }
    return std::move(out_);
  }

 private:
  void value_starts(Kind kind, std::string_view) override {
    if (roles_.empty()) {
      root_array_ = kind == Kind::kArray;
      push(kind, root_array_ ? Role::kField : Role::kOther);
    } else if (roles_.back() == Role::kField) {
      build(kind);
    } else {
      push(kind, Role::kOther);
    }
  }
  void on_key(std::string_view) override {}
  void on_element(Node element) override { out_.push_back(read_proxy(element, istiod_)); }
  void container_ends(Role) override {}

  const std::string& istiod_;
  bool root_array_ = false;
  std::vector<ProxySync> out_;
};

}  // namespace

ConfigDump parse_config_dump(std::string_view text_in) {
  DumpReader reader;
  try {
    yaml::parse_json_events(text_in, "istiod's config dump", reader);
  } catch (const Error&) {
    throw Error(std::string(kNotDump));
  }
  return reader.result();
}

ConfigDump reduce_config_dump(Node root) {
  if (!root.is_object() || !root["configs"].is_array()) {
    throw Error(std::string(kNotDump));
  }
  ConfigDump out;
  for (Node c : root["configs"]) {
    const Field f = field_for_type(text(c, "@type"));
    const char* key = f == Field::kListeners ? "dynamicListeners"
                      : f == Field::kRoutes  ? "dynamicRouteConfigs"
                      : f == Field::kClusters ? "dynamicActiveClusters"
                                              : "dynamicActiveSecrets";
    if (f == Field::kNone) {
      continue;
    }
    ConfigParts parts;
    for (Node e : c[key]) {
      parts.add(f, e);
    }
    parts.move_into(f, out);
  }
  return out;
}

std::string short_type(std::string_view type_url) {
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {"type.googleapis.com/envoy.config.listener.v3.Listener", "LDS"},
      {"type.googleapis.com/envoy.config.cluster.v3.Cluster", "CDS"},
      {"type.googleapis.com/envoy.config.route.v3.RouteConfiguration", "RDS"},
      {"type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment", "EDS"},
      {"type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret", "SDS"},
      {"type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig", "ECDS"},
  };
  for (const auto& [url, name] : kTypes) {
    if (type_url == url) {
      return std::string(name);
    }
  }
  auto slash = type_url.rfind('/');
  return std::string(slash == std::string_view::npos ? type_url : type_url.substr(slash + 1));
}

std::vector<ProxySync> parse_syncz(std::string_view text_in, const std::string& istiod) {
  SynczReader reader(istiod);
  try {
    yaml::parse_json_events(text_in, "istiod's /debug/syncz", reader);
  } catch (const Error&) {
    throw Error(std::string(kNotSyncz));
  }
  return reader.result();
}

std::vector<ProxySync> reduce_syncz(Node root, const std::string& istiod) {
  if (!root.is_array()) {
    throw Error(std::string(kNotSyncz));
  }
  std::vector<ProxySync> out;
  for (Node p : root) {
    out.push_back(read_proxy(p, istiod));
  }
  return out;
}

}  // namespace grpcmesh::check::deep
