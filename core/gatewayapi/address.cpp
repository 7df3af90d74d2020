#include "core/gatewayapi/address.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace grpcmesh::gatewayapi {
namespace {

using nlohmann::json;

std::string text(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const json& child(const json& object, const char* key) {
  static const json empty = json::object();
  auto it = object.is_object() ? object.find(key) : object.end();
  return it != object.end() ? *it : empty;
}

std::string gateway_name_of(const json& labels) {
  return labels.is_object() ? text(labels, std::string(kGatewayNameLabel).c_str()) : std::string();
}

bool is_ip(std::string_view value) {
  // Dotted IPv4 or an IPv6 literal: digits, dots, colons and hex letters only,
  // with a dot or a colon.
  if (value.empty() || value.find_first_not_of("0123456789abcdefABCDEF.:") != std::string_view::npos) {
    return false;
  }
  return value.find(':') != std::string_view::npos ||
         (value.find_first_not_of("0123456789.") == std::string_view::npos && value.find('.') != std::string_view::npos);
}

}  // namespace

bool managed(const json& gateway) {
  const json& addresses = child(child(gateway, "spec"), "addresses");
  if (!addresses.is_array() || addresses.empty()) {
    return true;
  }
  if (addresses.size() > 1) {
    return false;
  }
  const std::string type = text(addresses[0], "type");
  return type.empty() || type == "IPAddress";
}

std::string gateway_service_ref(const json& gateway) {
  const json& md = child(gateway, "metadata");
  const std::string ns = text(md, "namespace");
  if (managed(gateway)) {
    std::string name = text(child(md, "annotations"), "gateway.istio.io/name-override");
    if (name.empty()) {
      name = text(md, "name") + "-" + text(child(gateway, "spec"), "gatewayClassName");
    }
    return ns + "/" + name;
  }
  for (const json& a : child(child(gateway, "spec"), "addresses")) {
    const std::string type = text(a, "type");
    if (!type.empty() && type != "Hostname") {
      continue;  // istiod skips it (InvalidAddress)
    }
    const std::string value = text(a, "value");
    const size_t dot = value.find('.');
    if (dot == std::string::npos) {
      return value.empty() ? std::string() : ns + "/" + value;
    }
    // <name>.<namespace>.svc[.<domain suffix>]
    const size_t second = value.find('.', dot + 1);
    if (second == std::string::npos || (value.compare(second, 5, ".svc.") != 0 && value.substr(second) != ".svc")) {
      return "";
    }
    return value.substr(dot + 1, second - dot - 1) + "/" + value.substr(0, dot);
  }
  return "";
}

const json* deployed_service(const json& gateway, const std::vector<const json*>& services) {
  const json& md = child(gateway, "metadata");
  const std::string ns = text(md, "namespace");
  const std::string name = text(md, "name");
  const std::string ref = gateway_service_ref(gateway);
  if (!managed(gateway)) {
    // istiod looks the named Service up in the Gateway's namespace only
    // (gatewaycommon ResolveGatewayInstances; push_context.go matches the
    // gateway's pods through a Service of the Gateway's namespace).
    if (ref.empty() || ref.substr(0, ref.find('/')) != ns) {
      return nullptr;
    }
    for (const json* s : services) {
      const json& smd = child(*s, "metadata");
      if (text(smd, "namespace") + "/" + text(smd, "name") == ref) {
        return s;
      }
    }
    return nullptr;
  }
  const std::string wanted = ref.substr(ref.find('/') + 1);
  const json* labelled = nullptr;
  const json* named = nullptr;
  for (const json* s : services) {
    const json& smd = child(*s, "metadata");
    if (text(smd, "namespace") != ns) {
      continue;
    }
    const bool ours = gateway_name_of(child(smd, "labels")) == name ||
                      gateway_name_of(child(child(*s, "spec"), "selector")) == name;
    const bool right_name = text(smd, "name") == wanted;
    if (ours && right_name) {
      return s;
    }
    if (ours && labelled == nullptr) {
      labelled = s;
    }
    if (right_name && named == nullptr) {
      named = s;
    }
  }
  return labelled != nullptr ? labelled : named;
}

bool internal_address(std::string_view value, const json* service) {
  if (service != nullptr) {
    const json& spec = child(*service, "spec");
    if (!value.empty() && text(spec, "clusterIP") == value) {
      return true;
    }
    for (const json& ip : child(spec, "clusterIPs")) {
      if (ip.is_string() && ip.get<std::string>() == value) {
        return true;
      }
    }
  }
  std::string dotted = "." + std::string(value) + ".";
  return dotted.find(".svc.") != std::string::npos;
}

std::vector<std::string> status_addresses(const json& gateway) {
  std::vector<std::string> out;
  for (const json& a : child(child(gateway, "status"), "addresses")) {
    if (std::string v = text(a, "value"); !v.empty()) {
      out.push_back(v);
    }
  }
  return out;
}

std::optional<ExternalAddress> external_address(const json& gateway, const json* service) {
  const json& addresses = child(child(gateway, "status"), "addresses");
  for (bool want_ip : {true, false}) {
    size_t i = 0;
    for (const json& a : addresses) {
      std::string value = text(a, "value");
      std::string type = text(a, "type");
      const bool ip = type.empty() || type == "IPAddress" ? is_ip(value) : false;
      if (!value.empty() && ip == want_ip && type != "NamedAddress" && !internal_address(value, service)) {
        return ExternalAddress{value, fmt::format("status.addresses[{}] ({})", i, ip ? "IPAddress" : "Hostname")};
      }
      ++i;
    }
  }
  if (service != nullptr) {
    const json& smd = child(*service, "metadata");
    size_t i = 0;
    for (const json& ingress : child(child(child(*service, "status"), "loadBalancer"), "ingress")) {
      for (const char* field : {"ip", "hostname"}) {
        if (std::string v = text(ingress, field); !v.empty()) {
          return ExternalAddress{v, fmt::format("Service {}/{} status.loadBalancer.ingress[{}].{}", text(smd, "namespace"),
                                                text(smd, "name"), i, field)};
        }
      }
      ++i;
    }
  }
  return std::nullopt;
}

HostnameMatch listener_hostname_match(std::string_view listener, std::string_view host) {
  if (listener.empty()) {
    return HostnameMatch::Any;
  }
  if (listener == host) {
    return HostnameMatch::Exact;
  }
  if (listener.starts_with("*.")) {
    std::string_view suffix = listener.substr(1);  // ".example.com"
    if (host.size() > suffix.size() && host.ends_with(suffix)) {
      return HostnameMatch::Wildcard;
    }
  }
  return HostnameMatch::None;
}

std::string HostListener::gateway_ref() const {
  const json& md = child(*gateway, "metadata");
  return text(md, "namespace") + "/" + text(md, "name");
}

std::vector<HostListener> listeners_for_host(const std::vector<json>& gateways, std::string_view host) {
  std::vector<HostListener> out;
  for (const json& gw : gateways) {
    for (const json& l : child(child(gw, "spec"), "listeners")) {
      const std::string hostname = text(l, "hostname");
      HostnameMatch m = listener_hostname_match(hostname, host);
      if (m == HostnameMatch::None) {
        continue;
      }
      HostListener h;
      h.gateway = &gw;
      h.listener = &l;
      h.match = m;
      h.name = text(l, "name");
      h.port = child(l, "port").is_number_integer() ? child(l, "port").get<int>() : 0;
      h.protocol = text(l, "protocol");
      if (l.contains("tls")) {
        h.tls_mode = text(child(l, "tls"), "mode");
        if (h.tls_mode.empty()) {
          h.tls_mode = "Terminate";
        }
      }
      out.push_back(std::move(h));
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const HostListener& a, const HostListener& b) {
    if (a.match != b.match) {
      return a.match < b.match;
    }
    // The longer wildcard is the narrower one.
    return a.match == HostnameMatch::Wildcard &&
           text(*a.listener, "hostname").size() > text(*b.listener, "hostname").size();
  });
  return out;
}

}  // namespace grpcmesh::gatewayapi
