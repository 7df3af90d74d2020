#include "core/check/mesh.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <set>

namespace grpcmesh::check::mesh {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

namespace {

// pkg/config/protocol/instance.go Parse: the names Istio knows.
constexpr std::array<std::string_view, 13> kProtocols = {"TCP",   "UDP", "GRPC",  "GRPC-WEB", "HTTP",  "HTTP_PROXY", "HTTP2",
                                                         "HTTPS", "TLS", "MONGO", "REDIS",    "MYSQL", "HBONE"};

std::string parse_protocol(std::string_view name) {
  std::string u = upper(name);
  if (std::find(kProtocols.begin(), kProtocols.end(), u) != kProtocols.end()) {
    return u;
  }
  return {};
}

// "svc.cluster.local" style suffix of in-cluster names.
constexpr std::string_view kClusterSuffix = ".svc.cluster.local";

}  // namespace

std::string protocol_from_name(std::string_view name) {
  if (name.size() >= 8 && upper(name.substr(0, 8)) == "GRPC-WEB") {
    return "GRPC-WEB";
  }
  return parse_protocol(name.substr(0, name.find('-')));
}

PortProtocol port_protocol(const nlohmann::json& port) {
  PortProtocol out;
  if (upper(string_field(port, "protocol")) == "UDP") {
    out.protocol = "UDP";
    return out;
  }
  std::string name = string_field(port, "name");
  if (const auto& ap = field(port, "appProtocol"); ap.is_string()) {
    out.from_app_protocol = true;
    name = ap.get<std::string>();
    if (name == "kubernetes.io/h2c") {
      out.protocol = "HTTP2";
      return out;
    }
    if (name == "kubernetes.io/ws") {
      out.protocol = "HTTP";
      return out;
    }
    if (name == "kubernetes.io/wss") {
      out.protocol = "HTTPS";
      return out;
    }
  }
  out.protocol = protocol_from_name(name);
  if (out.protocol.empty()) {
    out.recognised = false;
    out.protocol = "TCP";
  }
  return out;
}

bool is_http2(std::string_view protocol) {
  return protocol == "GRPC" || protocol == "GRPC-WEB" || protocol == "HTTP2";
}

std::vector<NamespacedName> gateway_refs(const Resource& vs) {
  std::vector<NamespacedName> out;
  const auto& gateways = field(vs.spec(), "gateways");
  if (!gateways.is_array()) {
    return out;
  }
  for (const auto& g : gateways) {
    if (!g.is_string()) {
      continue;
    }
    std::string ref = g.get<std::string>();
    if (ref == "mesh") {
      continue;
    }
    if (auto slash = ref.find('/'); slash != std::string::npos) {
      out.push_back({ref.substr(0, slash), ref.substr(slash + 1)});
    } else {
      // A short name is the Gateway in the route's namespace; "name.ns" is
      // also accepted by Istio.
      if (auto dot = ref.find('.'); dot != std::string::npos) {
        out.push_back({ref.substr(dot + 1, ref.find('.', dot + 1) - dot - 1), ref.substr(0, dot)});
      } else {
        out.push_back({vs.namespace_name, ref});
      }
    }
  }
  return out;
}

std::optional<NamespacedName> service_for_host(std::string_view host, const std::string& route_namespace) {
  // Istio expands only dot-free short names with the route's namespace;
  // anything else is a fully qualified name (networking/v1 Destination.host).
  if (host.find('.') == std::string_view::npos) {
    return NamespacedName{route_namespace, std::string(host)};
  }
  if (host.size() > kClusterSuffix.size() && host.ends_with(kClusterSuffix)) {
    std::string_view rest = host.substr(0, host.size() - kClusterSuffix.size());
    auto dot = rest.find('.');
    if (dot != std::string_view::npos && rest.find('.', dot + 1) == std::string_view::npos) {
      return NamespacedName{std::string(rest.substr(dot + 1)), std::string(rest.substr(0, dot))};
    }
  }
  return std::nullopt;
}

std::vector<Destination> destinations(const Resource& vs) {
  std::vector<Destination> out;
  for (std::string_view section : {"http", "tcp", "tls"}) {
    const auto& rules = field(vs.spec(), section);
    if (!rules.is_array()) {
      continue;
    }
    for (size_t i = 0; i < rules.size(); ++i) {
      const auto& routes = field(rules[i], "route");
      if (!routes.is_array()) {
        continue;
      }
      for (const auto& route : routes) {
        const auto& dest = field(route, "destination");
        Destination d{std::string(section), static_cast<int>(i), string_field(dest, "host"), 0};
        if (const auto& n = field(field(dest, "port"), "number"); n.is_number_integer()) {
          d.port = n.get<int>();
        }
        if (!d.host.empty()) {
          out.push_back(std::move(d));
        }
      }
    }
  }
  return out;
}

std::string server_host(std::string_view host) {
  if (auto slash = host.find('/'); slash != std::string_view::npos) {
    return std::string(host.substr(slash + 1));
  }
  return std::string(host);
}

bool host_matches(std::string_view pattern, std::string_view host) {
  if (pattern == "*" || pattern == host) {
    return true;
  }
  if (pattern.starts_with("*.")) {
    std::string_view suffix = pattern.substr(1);  // ".example.com"
    if (host.starts_with("*.")) {
      return host.substr(1).ends_with(suffix);
    }
    return host.size() > suffix.size() && host.ends_with(suffix);
  }
  if (host.starts_with("*.")) {
    return pattern.size() > host.size() - 1 && pattern.ends_with(host.substr(1));
  }
  return false;
}

bool selects(const nlohmann::json& selector, const nlohmann::json& labels) {
  if (!selector.is_object() || selector.empty()) {
    return false;
  }
  for (const auto& [key, value] : selector.items()) {
    const auto& have = field(labels, key);
    if (!have.is_string() || !value.is_string() || have != value) {
      return false;
    }
  }
  return true;
}

std::string selector_string(const nlohmann::json& selector) {
  std::vector<std::string> parts;
  if (selector.is_object()) {
    for (const auto& [key, value] : selector.items()) {
      parts.push_back(fmt::format("{}={}", key, value.is_string() ? value.get<std::string>() : value.dump()));
    }
  }
  return fmt::format("{}", fmt::join(parts, ","));
}

namespace {

// A Service fronts the gateway workload when its selector and the Gateway's
// agree on every label they share and share at least one.
bool agrees(const nlohmann::json& service_selector, const nlohmann::json& gateway_selector) {
  if (!service_selector.is_object() || !gateway_selector.is_object()) {
    return false;
  }
  int shared = 0;
  for (const auto& [key, value] : gateway_selector.items()) {
    const auto& other = field(service_selector, key);
    if (other.is_null()) {
      continue;
    }
    if (other != value) {
      return false;
    }
    ++shared;
  }
  return shared > 0;
}

const nlohmann::json& gateway_selector(const Resource& gateway) { return field(gateway.spec(), "selector"); }

}  // namespace

std::vector<std::string> workload_namespaces(const Context& ctx, const Resource& gateway) {
  std::set<std::string> out;
  const auto& selector = gateway_selector(gateway);
  bool pods_known = false;
  for (const Resource& pod : ctx.list(Kind::Pod)) {
    pods_known = true;
    if (selects(selector, pod.labels())) {
      out.insert(pod.namespace_name);
    }
  }
  if (!pods_known) {
    for (const Resource& svc : ctx.list(Kind::Service)) {
      if (agrees(field(svc.spec(), "selector"), selector)) {
        out.insert(svc.namespace_name);
      }
    }
  }
  return {out.begin(), out.end()};
}

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  using namespace std::chrono;
  if (text.empty()) {
    return std::nullopt;
  }
  if (text == "0") {
    return nanoseconds(0);
  }
  double total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
      ++i;
    }
    if (start == i) {
      return std::nullopt;
    }
    double value = 0;
    auto [ptr, ec] = std::from_chars(text.data() + start, text.data() + i, value);
    if (ec != std::errc() || ptr != text.data() + i) {
      return std::nullopt;
    }
    size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) {
      ++i;
    }
    std::string_view unit = text.substr(unit_start, i - unit_start);
    double scale = 0;
    if (unit == "h") {
      scale = 3600e9;
    } else if (unit == "m") {
      scale = 60e9;
    } else if (unit == "s") {
      scale = 1e9;
    } else if (unit == "ms") {
      scale = 1e6;
    } else if (unit == "us" || unit == "µs") {
      scale = 1e3;
    } else if (unit == "ns") {
      scale = 1;
    } else {
      return std::nullopt;
    }
    total += value * scale;
  }
  return nanoseconds(static_cast<long long>(total));
}

std::string port_list(const Resource& service) {
  std::vector<std::string> out;
  const auto& ports = field(service.spec(), "ports");
  if (ports.is_array()) {
    for (const auto& p : ports) {
      out.push_back(field(p, "port").dump());
    }
  }
  return fmt::format("{}", fmt::join(out, ", "));
}

const nlohmann::json* find_port(const Resource& service, int port) {
  const auto& ports = field(service.spec(), "ports");
  if (!ports.is_array()) {
    return nullptr;
  }
  for (const auto& p : ports) {
    const auto& n = field(p, "port");
    if (n.is_number_integer() && n.get<int>() == port) {
      return &p;
    }
  }
  return nullptr;
}

bool looks_like_grpc_path(std::string_view path) {
  if (!path.starts_with('/')) {
    return false;
  }
  std::string_view service = path.substr(1, path.find('/', 1) == std::string_view::npos ? std::string_view::npos
                                                                                         : path.find('/', 1) - 1);
  // A fully qualified service name has a package: "helloworld.Greeter".
  return service.find('.') != std::string_view::npos && service.find_first_of(" ?#") == std::string_view::npos &&
         !service.ends_with('.');
}

namespace {

bool contains(std::string_view hay, std::string_view needle) {
  return upper(hay).find(upper(needle)) != std::string::npos;
}

}  // namespace

bool rule_looks_grpc(const nlohmann::json& rule) {
  const auto& matches = field(rule, "match");
  if (matches.is_array()) {
    for (const auto& m : matches) {
      const auto& uri = field(m, "uri");
      for (std::string_view how : {"prefix", "exact"}) {
        if (looks_like_grpc_path(string_field(uri, how))) {
          return true;
        }
      }
      const auto& ct = field(field(m, "headers"), "content-type");
      for (std::string_view how : {"prefix", "exact", "regex"}) {
        if (contains(string_field(ct, how), "application/grpc")) {
          return true;
        }
      }
    }
  }
  for (const auto& h : string_list(field(field(rule, "corsPolicy"), "exposeHeaders"))) {
    if (contains(h, "grpc-")) {
      return true;
    }
  }
  return false;
}

bool port_looks_grpc(const Resource& service, const nlohmann::json& port) {
  return contains(string_field(port, "name"), "grpc") || contains(string_field(port, "appProtocol"), "grpc") ||
         contains(string_field(port, "appProtocol"), "h2c") || contains(service.name, "grpc");
}

std::vector<const Resource*> bound_gateways(const Context& ctx, const Resource& vs) {
  std::vector<const Resource*> out;
  for (const NamespacedName& ref : gateway_refs(vs)) {
    if (const Resource* gw = ctx.find(Kind::Gateway, ref.namespace_name, ref.name)) {
      out.push_back(gw);
    }
  }
  return out;
}

std::vector<const nlohmann::json*> servers_for_host(const Resource& gateway, std::string_view host) {
  std::vector<const nlohmann::json*> out;
  const auto& servers = field(gateway.spec(), "servers");
  if (!servers.is_array()) {
    return out;
  }
  for (const auto& server : servers) {
    for (const std::string& h : string_list(field(server, "hosts"))) {
      if (host_matches(server_host(h), host)) {
        out.push_back(&server);
        break;
      }
    }
  }
  return out;
}

std::vector<std::string> string_list(const nlohmann::json& value) {
  std::vector<std::string> out;
  if (value.is_array()) {
    for (const auto& v : value) {
      if (v.is_string()) {
        out.push_back(v.get<std::string>());
      }
    }
  }
  return out;
}

}  // namespace grpcmesh::check::mesh
