#include "core/check/deep/config_dump.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/kube/encoding.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::check::deep {
namespace {

using json = nlohmann::json;

constexpr std::string_view kHcm = "envoy.filters.network.http_connection_manager";
constexpr std::string_view kHttpOptions = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
constexpr std::string_view kCorsFilter = "envoy.filters.http.cors";

const json& at(const json& j, std::string_view key) {
  static const json null;
  if (!j.is_object()) {
    return null;
  }
  auto it = j.find(key);
  return it == j.end() ? null : *it;
}

std::string text(const json& j, std::string_view key) {
  const json& v = at(j, key);
  return v.is_string() ? v.get<std::string>() : std::string();
}

std::optional<std::string> duration(const json& j, std::string_view key) {
  const json& v = at(j, key);
  if (v.is_string()) {
    return v.get<std::string>();
  }
  return std::nullopt;
}

const json& items(const json& j, std::string_view key) {
  static const json empty = json::array();
  const json& v = at(j, key);
  return v.is_array() ? v : empty;
}

bool has_cors(const json& j) {
  return at(at(j, "typedPerFilterConfig"), kCorsFilter).is_object() || at(at(j, "route"), "cors").is_object() ||
         at(j, "cors").is_object();
}

HttpRoute read_route(const json& r) {
  HttpRoute out;
  out.name = text(r, "name");
  const json& match = at(r, "match");
  out.prefix = text(match, "prefix");
  out.path = text(match, "path");
  out.regex = at(match, "safeRegex").is_object() || at(match, "pathSeparatedPrefix").is_string() ||
              at(match, "pathMatchPolicy").is_object();
  for (const json& h : items(match, "headers")) {
    std::string name = text(h, "name");
    std::string value = text(at(h, "stringMatch"), "exact");
    if (value.empty()) {
      value = text(h, "exactMatch");
    }
    out.headers.push_back(value.empty() ? name : name + "=" + value);
    out.header_content_type = out.header_content_type || name == "content-type";
  }
  const json& route = at(r, "route");
  if (route.is_object()) {
    out.cluster = text(route, "cluster");
    if (out.cluster.empty()) {
      std::vector<std::string> names;
      for (const json& w : items(at(route, "weightedClusters"), "clusters")) {
        names.push_back(text(w, "name"));
      }
      out.cluster = fmt::format("{}", fmt::join(names, ","));
    }
    out.timeout = duration(route, "timeout");
    out.idle_timeout = duration(route, "idleTimeout");
    const json& retry = at(route, "retryPolicy");
    if (retry.is_object()) {
      const json& n = at(retry, "numRetries");
      out.retries = n.is_number_integer() ? n.get<int>() : 1;  // Envoy's default when unset
      out.retry_on = text(retry, "retryOn");
    }
  } else {
    out.direct_response = true;
  }
  out.cors = has_cors(r);
  out.config = text(at(at(at(r, "metadata"), "filterMetadata"), "istio"), "config");
  return out;
}

RouteConfig read_route_config(const json& rc) {
  RouteConfig out;
  out.name = text(rc, "name");
  for (const json& vh : items(rc, "virtualHosts")) {
    VirtualHost v;
    v.name = text(vh, "name");
    for (const json& d : items(vh, "domains")) {
      if (d.is_string()) {
        v.domains.push_back(d.get<std::string>());
      }
    }
    for (const json& r : items(vh, "routes")) {
      v.routes.push_back(read_route(r));
    }
    v.cors = has_cors(vh);
    out.virtual_hosts.push_back(std::move(v));
  }
  return out;
}

FilterChain read_chain(const json& fc) {
  FilterChain out;
  out.name = text(fc, "name");
  for (const json& s : items(at(fc, "filterChainMatch"), "serverNames")) {
    if (s.is_string()) {
      out.server_names.push_back(s.get<std::string>());
    }
  }
  const json& tls = at(at(at(fc, "transportSocket"), "typedConfig"), "commonTlsContext");
  if (at(fc, "transportSocket").is_object()) {
    out.tls = true;
    for (const json& s : items(tls, "tlsCertificateSdsSecretConfigs")) {
      out.sds_secrets.push_back(text(s, "name"));
    }
    std::string ca = text(at(at(tls, "combinedValidationContext"), "validationContextSdsSecretConfig"), "name");
    if (!ca.empty()) {
      out.sds_secrets.push_back(ca);
    }
  }
  for (const json& f : items(fc, "filters")) {
    if (text(f, "name") != kHcm) {
      continue;
    }
    const json& hcm = at(f, "typedConfig");
    out.http = true;
    out.route_config = text(at(hcm, "rds"), "routeConfigName");
    for (const json& h : items(hcm, "httpFilters")) {
      out.http_filters.push_back(text(h, "name"));
    }
    out.stream_idle_timeout = duration(hcm, "streamIdleTimeout");
  }
  return out;
}

Listener read_listener(const json& l) {
  Listener out;
  out.name = text(l, "name");
  const json& port = at(at(at(l, "address"), "socketAddress"), "portValue");
  out.port = port.is_number_integer() ? port.get<int>() : 0;
  for (const json& fc : items(l, "filterChains")) {
    out.chains.push_back(read_chain(fc));
  }
  if (at(l, "defaultFilterChain").is_object()) {
    out.chains.push_back(read_chain(at(l, "defaultFilterChain")));
  }
  return out;
}

Cluster read_cluster(const json& c) {
  Cluster out;
  out.name = text(c, "name");
  const json& options = at(at(c, "typedExtensionProtocolOptions"), kHttpOptions);
  out.http2 = at(at(options, "explicitHttpConfig"), "http2ProtocolOptions").is_object();
  out.downstream_protocol = at(options, "useDownstreamProtocolConfig").is_object();
  out.idle_timeout = duration(at(options, "commonHttpProtocolOptions"), "idleTimeout");
  return out;
}

}  // namespace

ConfigDump parse_config_dump(std::string_view text_in) {
  json root = json::parse(text_in, nullptr, false);
  if (root.is_discarded() || !root.is_object() || !at(root, "configs").is_array()) {
    throw Error("istiod's config dump is not a JSON ConfigDump (no \"configs\" array)");
  }
  ConfigDump out;
  for (const json& c : at(root, "configs")) {
    std::string type = text(c, "@type");
    if (type.ends_with(".ListenersConfigDump")) {
      for (const json& l : items(c, "dynamicListeners")) {
        const json& listener = at(at(l, "activeState"), "listener");
        if (listener.is_object()) {
          out.listeners.push_back(read_listener(listener));
        }
      }
    } else if (type.ends_with(".RoutesConfigDump")) {
      for (const json& r : items(c, "dynamicRouteConfigs")) {
        RouteConfig rc = read_route_config(at(r, "routeConfig"));
        out.routes[rc.name] = std::move(rc);
      }
    } else if (type.ends_with(".ClustersConfigDump")) {
      for (const json& k : items(c, "dynamicActiveClusters")) {
        Cluster cl = read_cluster(at(k, "cluster"));
        out.clusters[cl.name] = std::move(cl);
      }
    } else if (type.ends_with(".SecretsConfigDump")) {
      for (const json& s : items(c, "dynamicActiveSecrets")) {
        Secret secret;
        // istiod's dump names a secret inside it (secret.name) and leaves the
        // entry's own name empty; Envoy's admin dump sets both.
        secret.name = text(s, "name");
        if (secret.name.empty()) {
          secret.name = text(at(s, "secret"), "name");
        }
        secret.certificate = at(at(s, "secret"), "tlsCertificate").is_object() ||
                             at(at(s, "secret"), "validationContext").is_object();
        const json& chain = at(at(at(s, "secret"), "tlsCertificate"), "certificateChain");
        if (const json& bytes = at(chain, "inlineBytes"); bytes.is_string()) {
          secret.chain_pem = kube::base64_decode(bytes.get<std::string>()).value_or("");
        } else {
          secret.chain_pem = text(chain, "inlineString");
        }
        out.secrets[secret.name] = std::move(secret);
      }
    }
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
  json root = json::parse(text_in, nullptr, false);
  if (root.is_discarded() || !root.is_array()) {
    throw Error("istiod's /debug/syncz is not a JSON array of proxies");
  }
  std::vector<ProxySync> out;
  for (const json& p : root) {
    ProxySync sync;
    sync.proxy = text(p, "proxy");
    sync.istio_version = text(p, "istio_version");
    sync.istiod = istiod;
    const json& resources = at(p, "resources");
    if (!resources.is_object()) {
      out.push_back(std::move(sync));
      continue;
    }
    for (const auto& [type, r] : resources.items()) {
      TypeSync t;
      t.type_url = type;
      t.sent = text(r, "sent");
      t.acked = text(r, "acked");
      t.error = text(r, "lastError");
      // As istiod's own status generator decides (debugSyncStatus).
      t.state = !t.error.empty() ? "NACK" : t.sent.empty() ? "NOT SENT" : t.sent == t.acked ? "SYNCED" : "STALE";
      sync.types.push_back(std::move(t));
    }
    std::sort(sync.types.begin(), sync.types.end(),
              [](const TypeSync& a, const TypeSync& b) { return a.type_url < b.type_url; });
    out.push_back(std::move(sync));
  }
  return out;
}

}  // namespace grpcmesh::check::deep
