#include "core/mesh/host_config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "core/manifest/names.hpp"

namespace grpcmesh::mesh {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string str(const nlohmann::json& object, const char* pointer) {
  const nlohmann::json::json_pointer ptr(pointer);
  return object.contains(ptr) && object.at(ptr).is_string() ? object.at(ptr).get<std::string>() : std::string();
}

std::vector<std::string> strings(const nlohmann::json& object, const char* pointer) {
  std::vector<std::string> out;
  const nlohmann::json::json_pointer ptr(pointer);
  if (object.contains(ptr) && object.at(ptr).is_array()) {
    for (const auto& v : object.at(ptr)) {
      if (v.is_string()) {
        out.push_back(v.get<std::string>());
      }
    }
  }
  return out;
}

std::string describe_match(const nlohmann::json& route) {
  if (!route.contains("match") || !route["match"].is_array() || route["match"].empty()) {
    return "*";
  }
  std::string out;
  for (const auto& m : route["match"]) {
    std::string one;
    if (m.contains("uri") && m["uri"].is_object() && !m["uri"].empty()) {
      // Not a structured binding of *items().begin(): that binds to the
      // iterator, a temporary gone by the next line (AddressSanitizer found it).
      const auto first = m["uri"].items().begin();
      const std::string kind = first.key();
      const nlohmann::json& value = first.value();
      one = kind == "prefix" ? value.get<std::string>() : fmt::format("{} {}", kind, value.dump());
    } else {
      one = "*";
    }
    if (m.size() > (m.contains("uri") ? 1u : 0u)) {
      one += " (+conditions)";
    }
    out += (out.empty() ? "" : " | ") + one;
  }
  return out;
}

std::string describe_destinations(const nlohmann::json& route) {
  std::string out;
  for (const auto& r : route.value("route", nlohmann::json::array())) {
    std::string host = str(r, "/destination/host");
    const nlohmann::json::json_pointer port("/destination/port/number");
    std::string one = r.contains(port) ? fmt::format("{}:{}", host, r.at(port).dump()) : host;
    if (r.contains("weight")) {
      one += fmt::format(" ({}%)", r["weight"].dump());
    }
    out += (out.empty() ? "" : ", ") + one;
  }
  if (out.empty() && route.contains("redirect")) {
    return "(redirect)";
  }
  if (out.empty() && route.contains("directResponse")) {
    return "(direct response)";
  }
  return out;
}

}  // namespace

bool istio_host_covers(std::string_view pattern_in, std::string_view host_in) {
  std::string pattern = lower(pattern_in);
  const std::string host = lower(host_in);
  if (const size_t slash = pattern.find('/'); slash != std::string::npos) {
    pattern = pattern.substr(slash + 1);
  }
  if (pattern == "*" || pattern == host) {
    return true;
  }
  if (pattern.size() > 1 && pattern[0] == '*') {
    const std::string suffix = pattern.substr(1);  // ".example.com"
    if (host.size() > suffix.size() && host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return true;
    }
    // a wildcard host is covered by the same or a broader wildcard
    return host.size() > 1 && host[0] == '*' && host.size() >= suffix.size() &&
           host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0;
  }
  return false;
}

std::vector<ServerRef> servers_for_host(const std::vector<nlohmann::json>& gateways, std::string_view host) {
  std::vector<ServerRef> out;
  for (const auto& gw : gateways) {
    const auto servers = gw.value("/spec/servers"_json_pointer, nlohmann::json::array());
    for (size_t i = 0; i < servers.size(); ++i) {
      const auto& s = servers[i];
      const auto hosts = strings(s, "/hosts");
      if (std::none_of(hosts.begin(), hosts.end(), [&](const std::string& h) { return istio_host_covers(h, host); })) {
        continue;
      }
      ServerRef ref;
      ref.gateway_namespace = str(gw, "/metadata/namespace");
      ref.gateway_name = str(gw, "/metadata/name");
      ref.index = i;
      ref.port = s.value("/port/number"_json_pointer, 0);
      ref.port_name = str(s, "/port/name");
      ref.protocol = str(s, "/port/protocol");
      ref.tls_mode = str(s, "/tls/mode");
      ref.credential_name = str(s, "/tls/credentialName");
      const nlohmann::json selector = gw.value("/spec/selector"_json_pointer, nlohmann::json::object());
      for (auto it = selector.begin(); it != selector.end(); ++it) {
        if (it->is_string()) {
          ref.selector[it.key()] = it->get<std::string>();
        }
      }
      ref.managed_by_us = str(gw, "/metadata/labels/app.kubernetes.io~1managed-by") == manifest::kManagedByValue;
      out.push_back(ref);
    }
  }
  return out;
}

std::vector<nlohmann::json> virtual_services_for_host(const std::vector<nlohmann::json>& virtual_services,
                                                      std::string_view host) {
  std::vector<nlohmann::json> out;
  for (const auto& vs : virtual_services) {
    const auto hosts = strings(vs, "/spec/hosts");
    if (std::any_of(hosts.begin(), hosts.end(), [&](const std::string& h) { return istio_host_covers(h, host); })) {
      out.push_back(vs);
    }
  }
  return out;
}

std::vector<RouteRow> route_table(const std::vector<nlohmann::json>& virtual_services) {
  std::vector<RouteRow> rows;
  for (const auto& vs : virtual_services) {
    const std::string ref = str(vs, "/metadata/namespace") + "/" + str(vs, "/metadata/name");
    for (const auto& route : vs.value("/spec/http"_json_pointer, nlohmann::json::array())) {
      rows.push_back(RouteRow{describe_match(route), describe_destinations(route), ref});
    }
  }
  return rows;
}

std::string format_route_table(const std::vector<RouteRow>& rows) {
  size_t w1 = 5;
  size_t w2 = 11;
  for (const auto& r : rows) {
    w1 = std::max(w1, r.match.size());
    w2 = std::max(w2, r.destination.size());
  }
  std::string out = fmt::format("{:<{}}   {:<{}}   {}\n", "MATCH", w1, "DESTINATION", w2, "VIRTUALSERVICE");
  for (const auto& r : rows) {
    out += fmt::format("{:<{}}   {:<{}}   {}\n", r.match, w1, r.destination, w2, r.virtual_service);
  }
  return out;
}

}  // namespace grpcmesh::mesh
