#include "core/check/mesh.hpp"

#include "core/mesh/protocol.hpp"

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

// "svc.cluster.local" style suffix of in-cluster names.
constexpr std::string_view kClusterSuffix = ".svc.cluster.local";

// The port's fields as ConvertProtocol takes them (a field of another type
// reads as absent).
::grpcmesh::mesh::ServicePort service_port(Node port) {
  ::grpcmesh::mesh::ServicePort out;
  Node number = port["port"];
  out.port = number.is_number_integer() ? number.get<int>() : 0;
  out.name = port["name"].is_string() ? port["name"].str() : std::string_view();
  out.protocol = port["protocol"].is_string() ? port["protocol"].str() : std::string_view();
  if (Node app_protocol = port["appProtocol"]; app_protocol.is_string()) {
    out.app_protocol = app_protocol.str();
  }
  return out;
}

}  // namespace

std::string protocol_from_name(Node port) {
  ::grpcmesh::mesh::ServicePort p = service_port(port);
  p.app_protocol.reset();
  std::string_view instance = ::grpcmesh::mesh::convert_protocol(p);
  return instance == ::grpcmesh::mesh::protocol::kUnsupported ? std::string() : std::string(instance);
}

PortProtocol port_protocol(Node port) {
  ::grpcmesh::mesh::ServicePort p = service_port(port);
  PortProtocol out;
  out.protocol = ::grpcmesh::mesh::convert_protocol(p);
  out.from_app_protocol = p.app_protocol.has_value() && p.protocol != ::grpcmesh::mesh::protocol::kUdp;
  out.recognised = out.protocol != ::grpcmesh::mesh::protocol::kUnsupported;
  return out;
}

std::vector<NamespacedName> gateway_refs(const Resource& vs) {
  std::vector<NamespacedName> out;
  for (Node g : vs.spec()["gateways"]) {
    if (!g.is_string()) {
      continue;
    }
    std::string ref(g.str());
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
    int i = 0;
    for (Node rule : vs.spec()[section]) {
      for (Node route : rule["route"]) {
        Node dest = route["destination"];
        Destination d{std::string(section), i, std::string(dest["host"].str()), 0};
        if (Node n = dest["port"]["number"]; n.is_number_integer()) {
          d.port = n.get<int>();
        }
        if (Node subset = dest["subset"]; subset.is_string()) {
          d.subset = std::string(subset.str());
        }
        if (!d.host.empty()) {
          out.push_back(std::move(d));
        }
      }
      ++i;
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

std::vector<std::string> server_hosts(Node server) {
  std::vector<std::string> out;
  for (Node h : server["hosts"]) {
    if (h.is_string()) {
      out.push_back(server_host(h.str()));
    }
  }
  return out;
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

bool selects(Node selector, Node labels) {
  if (!selector.is_object() || selector.empty()) {
    return false;
  }
  for (const Member& m : selector.items()) {
    Node have = labels[m.key];
    if (!have.is_string() || !m.value.is_string() || have.str() != m.value.str()) {
      return false;
    }
  }
  return true;
}

bool selects(Node selector, const Labels& labels) {
  if (!selector.is_object() || selector.empty()) {
    return false;
  }
  for (const Member& m : selector.items()) {
    auto have = labels.find(m.key);
    if (have == labels.end() || !m.value.is_string() || have->second != m.value.str()) {
      return false;
    }
  }
  return true;
}

Labels labels_of(Node labels) {
  Labels out;
  for (const Member& m : labels.items()) {
    if (m.value.is_string()) {
      out.insert_or_assign(std::string(m.key), std::string(m.value.str()));
    }
  }
  return out;
}

std::string selector_string(Node selector) {
  std::vector<std::string> parts;
  for (const Member& m : selector.items()) {
    parts.push_back(fmt::format("{}={}", m.key, m.value.is_string() ? std::string(m.value.str()) : m.value.dump()));
  }
  return fmt::format("{}", fmt::join(parts, ","));
}

std::vector<const Resource*> selected_pods(const Context& ctx, Node selector) {
  std::vector<const Resource*> out;
  if (!selector.is_object() || selector.empty()) {
    return out;
  }
  // Only pods carrying the selector's first label can match it.
  const Member first = *selector.items().begin();
  if (!first.value.is_string()) {
    return out;
  }
  for (const Resource* pod : ctx.labelled(Kind::Pod, first.key, first.value.str())) {
    if (selects(selector, pod->labels())) {
      out.push_back(pod);
    }
  }
  return out;
}

namespace {

// A Service fronts the gateway workload when its selector and the Gateway's
// agree on every label they share and share at least one.
bool agrees(Node service_selector, Node gateway_selector) {
  if (!service_selector.is_object() || !gateway_selector.is_object()) {
    return false;
  }
  int shared = 0;
  for (const Member& m : gateway_selector.items()) {
    Node other = service_selector[m.key];
    if (other.is_null()) {
      continue;
    }
    if (!(other == m.value)) {
      return false;
    }
    ++shared;
  }
  return shared > 0;
}

}  // namespace

template <typename Source>
std::vector<const Resource*> agreeing_services(const Source& source, Node gateway_selector) {
  // Candidates share at least one label=value with the gateway's selector.
  std::vector<const Resource*> candidates;
  for (const Member& m : gateway_selector.items()) {
    if (m.value.is_string()) {
      auto some = source.labelled(Kind::Service, m.key, m.value.str(), true);
      candidates.insert(candidates.end(), some.begin(), some.end());
    }
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  std::vector<const Resource*> out;
  for (const Resource* svc : candidates) {
    if (agrees(svc->spec()["selector"], gateway_selector)) {
      out.push_back(svc);
    }
  }
  return out;
}

template std::vector<const Resource*> agreeing_services(const Snapshot&, Node);
template std::vector<const Resource*> agreeing_services(const Context&, Node);

std::vector<std::string> workload_namespaces(const Context& ctx, const Resource& gateway) {
  std::set<std::string> out;
  Node selector = gateway.spec()["selector"];
  if (!ctx.list(Kind::Pod).empty()) {
    for (const Resource* pod : selected_pods(ctx, selector)) {
      out.insert(pod->namespace_name);
    }
  } else {
    for (const Resource* svc : agreeing_services(ctx, selector)) {
      out.insert(svc->namespace_name);
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
  for (Node p : service.spec()["ports"]) {
    out.push_back(p["port"].dump());
  }
  return fmt::format("{}", fmt::join(out, ", "));
}

Node find_port(const Resource& service, int port) {
  for (Node p : service.spec()["ports"]) {
    Node n = p["port"];
    if (n.is_number_integer() && n.get<int>() == port) {
      return p;
    }
  }
  return {};
}

Node destination_port(const Resource& service, int port) {
  if (port != 0) {
    return find_port(service, port);
  }
  Node ports = service.spec()["ports"];
  return ports.size() == 1 ? ports[0] : Node();
}

const Resource* destination_service(const Context& ctx, const Destination& d, const std::string& route_namespace) {
  auto name = service_for_host(d.host, route_namespace);
  return name ? ctx.find(Kind::Service, name->namespace_name, name->name) : nullptr;
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

bool rule_looks_grpc(Node rule) {
  for (Node m : rule["match"]) {
    Node uri = m["uri"];
    for (std::string_view how : {"prefix", "exact"}) {
      if (looks_like_grpc_path(uri[how].str())) {
        return true;
      }
    }
    Node ct = m["headers"]["content-type"];
    for (std::string_view how : {"prefix", "exact", "regex"}) {
      if (contains(ct[how].str(), "application/grpc")) {
        return true;
      }
    }
  }
  for (const auto& h : string_list(rule["corsPolicy"]["exposeHeaders"])) {
    if (contains(h, "grpc-")) {
      return true;
    }
  }
  return false;
}

bool port_looks_grpc(const Resource& service, Node port) {
  return contains(port["name"].str(), "grpc") || contains(port["appProtocol"].str(), "grpc") ||
         contains(port["appProtocol"].str(), "h2c") || contains(service.name, "grpc");
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

std::vector<Node> servers_for_host(const Resource& gateway, std::string_view host) {
  std::vector<Node> out;
  for (Node server : gateway.spec()["servers"]) {
    for (Node h : server["hosts"]) {
      if (h.is_string() && host_matches(server_host(h.str()), host)) {
        out.push_back(server);
        break;
      }
    }
  }
  return out;
}

bool passthrough(Node server) {
  std::string_view mode = server["tls"]["mode"].str();
  return mode == "PASSTHROUGH" || mode == "AUTO_PASSTHROUGH";
}

std::vector<std::string> string_list(Node value) {
  std::vector<std::string> out;
  for (Node v : value) {
    if (v.is_string()) {
      out.emplace_back(v.str());
    }
  }
  return out;
}

std::vector<std::string> hosts(const Resource& virtual_service) { return string_list(virtual_service.spec()["hosts"]); }

Message on_first_host(Message m, const std::vector<std::string>& hosts) {
  return hosts.empty() ? std::move(m) : std::move(m).for_host(hosts[0]);
}

}  // namespace grpcmesh::check::mesh
