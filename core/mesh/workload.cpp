#include "core/mesh/workload.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/util/error.hpp"

namespace grpcmesh::mesh {
namespace {

Labels labels_of(const nlohmann::json& object, const char* pointer) {
  Labels out;
  const nlohmann::json::json_pointer ptr(pointer);
  if (!object.contains(ptr) || !object.at(ptr).is_object()) {
    return out;
  }
  for (const auto& [k, v] : object.at(ptr).items()) {
    if (v.is_string()) {
      out[k] = v.get<std::string>();
    }
  }
  return out;
}

std::string str(const nlohmann::json& object, const char* pointer) {
  const nlohmann::json::json_pointer ptr(pointer);
  return object.contains(ptr) && object.at(ptr).is_string() ? object.at(ptr).get<std::string>() : std::string();
}

bool pod_ready(const nlohmann::json& pod) {
  for (const auto& c : pod.value("/status/conditions"_json_pointer, nlohmann::json::array())) {
    if (c.value("type", "") == "Ready") {
      return c.value("status", "") == "True";
    }
  }
  return false;
}

std::string describe_ports(const GatewayWorkload& w) {
  std::string out;
  for (const auto& p : w.ports) {
    out += fmt::format("{}{}->{}", out.empty() ? "" : ", ", p.port, p.target_port.empty() ? std::to_string(p.port) : p.target_port);
  }
  return out.empty() ? "none" : out;
}

}  // namespace

Labels parse_selector(const std::string& selector) {
  Labels out;
  size_t start = 0;
  while (start < selector.size()) {
    size_t comma = selector.find(',', start);
    std::string term = selector.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t eq = term.find('=');
    std::string key = term.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : term.substr(eq + 1);
    if (!value.empty() && value.front() == '=') {
      value.erase(0, 1);  // "k==v"
    }
    if (eq == std::string::npos || key.empty() || key.back() == '!' || value.find_first_of("=!()") != std::string::npos) {
      throw UsageError(fmt::format("invalid --selector \"{}\": a gateway selector is key=value pairs joined by "
                                   "commas, e.g. istio=ingressgateway", selector));
    }
    out[key] = value;
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  if (out.empty()) {
    throw UsageError("--selector is empty; pass the gateway pods' labels, e.g. istio=ingressgateway");
  }
  return out;
}

std::string format_selector(const Labels& labels) {
  std::string out;
  for (const auto& [k, v] : labels) {
    out += fmt::format("{}{}={}", out.empty() ? "" : ",", k, v);
  }
  return out;
}

bool selects(const Labels& selector, const Labels& labels) {
  if (selector.empty()) {
    return false;
  }
  return std::all_of(selector.begin(), selector.end(), [&](const auto& kv) {
    auto it = labels.find(kv.first);
    return it != labels.end() && it->second == kv.second;
  });
}

GatewayWorkload find_gateway_workload(const Labels& selector, const std::vector<nlohmann::json>& pods,
                                      const std::vector<nlohmann::json>& services, const std::string& namespace_hint) {
  GatewayWorkload w;
  w.selector = selector;
  std::set<std::string> namespaces;
  for (const auto& pod : pods) {
    const std::string ns = str(pod, "/metadata/namespace");
    if (selects(selector, labels_of(pod, "/metadata/labels")) && (namespace_hint.empty() || ns == namespace_hint)) {
      namespaces.insert(ns);
    }
  }
  const std::string sel = format_selector(selector);
  if (namespaces.empty()) {
    throw Error(fmt::format("no gateway pods match --selector {}{}; is the Istio ingress gateway installed? Pass the "
                            "labels of its pods with --selector",
                            sel, namespace_hint.empty() ? "" : " in namespace " + namespace_hint));
  }
  if (namespaces.size() > 1) {
    std::string list;
    for (const auto& ns : namespaces) {
      list += (list.empty() ? "" : ", ") + ns;
    }
    throw Error(fmt::format("gateway pods matching {} run in several namespaces ({}); pick one with "
                            "--gateway-namespace", sel, list));
  }
  w.namespace_name = *namespaces.begin();
  Labels pod_labels;
  for (const auto& pod : pods) {
    if (str(pod, "/metadata/namespace") == w.namespace_name && selects(selector, labels_of(pod, "/metadata/labels"))) {
      w.pods.push_back(str(pod, "/metadata/name"));
      w.ready_pods += pod_ready(pod) ? 1 : 0;
      pod_labels = labels_of(pod, "/metadata/labels");
    }
  }
  std::sort(w.pods.begin(), w.pods.end());

  // The Service in front: in the pods' namespace, selecting them; a
  // LoadBalancer first (that is where clients arrive), then by name.
  const nlohmann::json* chosen = nullptr;
  for (const auto& svc : services) {
    if (str(svc, "/metadata/namespace") != w.namespace_name || !selects(labels_of(svc, "/spec/selector"), pod_labels)) {
      continue;
    }
    const auto rank = [](const nlohmann::json& s) { return str(s, "/spec/type") == "LoadBalancer" ? 0 : 1; };
    if (chosen == nullptr || rank(svc) < rank(*chosen) ||
        (rank(svc) == rank(*chosen) && str(svc, "/metadata/name") < str(*chosen, "/metadata/name"))) {
      chosen = &svc;
    }
  }
  if (chosen != nullptr) {
    w.service = str(*chosen, "/metadata/name");
    w.service_type = str(*chosen, "/spec/type");
    for (const auto& p : chosen->value("/spec/ports"_json_pointer, nlohmann::json::array())) {
      ExposedPort ep;
      ep.name = p.value("name", "");
      ep.port = p.value("port", 0);
      ep.protocol = p.value("protocol", "TCP");
      if (p.contains("targetPort")) {
        ep.target_port = p["targetPort"].is_number() ? std::to_string(p["targetPort"].get<int>())
                                                      : p["targetPort"].get<std::string>();
      }
      w.ports.push_back(ep);
    }
  }
  return w;
}

bool exposes(const GatewayWorkload& w, int port) {
  return std::any_of(w.ports.begin(), w.ports.end(), [&](const ExposedPort& p) {
    return p.protocol == "TCP" && (p.port == port || p.target_port == std::to_string(port));
  });
}

void require_exposed(const GatewayWorkload& w, int port, const std::string& flag) {
  if (w.service.empty()) {
    throw Error(fmt::format("no Service in namespace {} selects the gateway pods ({}); clients cannot reach the "
                            "gateway: create a LoadBalancer Service for them", w.namespace_name,
                            format_selector(w.selector)));
  }
  if (exposes(w, port)) {
    return;
  }
  throw Error(fmt::format(
      "port {} ({}) is not exposed by Service {}/{} (ports {}); expose it with: kubectl patch service {} -n {} "
      "--type=json -p '[{{\"op\":\"add\",\"path\":\"/spec/ports/-\",\"value\":{{\"name\":\"grpc-{}\",\"port\":{},"
      "\"targetPort\":{}}}}}]' or pick an exposed port with {}",
      port, flag, w.namespace_name, w.service, describe_ports(w), w.service, w.namespace_name, port, port, port, flag));
}

std::optional<int> default_port(const GatewayWorkload& w, const std::string& kind) {
  const int well_known = kind == "https" ? 443 : 80;
  for (const auto& p : w.ports) {
    if (p.port == well_known) {
      return p.port;
    }
  }
  for (const auto& p : w.ports) {
    const bool named = kind == "https" ? p.name.rfind("https", 0) == 0
                                       : (p.name.rfind("http2", 0) == 0 || p.name == "http" || p.name.rfind("http-", 0) == 0);
    if (named) {
      return p.port;
    }
  }
  return std::nullopt;
}

}  // namespace grpcmesh::mesh
