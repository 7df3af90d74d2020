#include "core/kube/views.hpp"

#include "core/kube/encoding.hpp"

namespace grpcmesh::kube {
namespace {

using nlohmann::json;

const json& at(const json& obj, const char* key) {
  static const json kNull;
  if (!obj.is_object()) {
    return kNull;
  }
  auto it = obj.find(key);
  return it == obj.end() ? kNull : *it;
}

std::string str(const json& obj, const char* key) {
  const json& v = at(obj, key);
  if (v.is_string()) {
    return v.get<std::string>();
  }
  if (v.is_number_integer()) {
    return std::to_string(v.get<long long>());
  }
  return {};
}

int integer(const json& obj, const char* key) {
  const json& v = at(obj, key);
  return v.is_number_integer() ? v.get<int>() : 0;
}

std::map<std::string, std::string> string_map(const json& obj) {
  std::map<std::string, std::string> out;
  if (obj.is_object()) {
    for (const auto& [k, v] : obj.items()) {
      if (v.is_string()) {
        out[k] = v.get<std::string>();
      }
    }
  }
  return out;
}

std::vector<std::string> strings(const json& v) {
  std::vector<std::string> out;
  if (v.is_array()) {
    for (const auto& s : v) {
      if (s.is_string()) {
        out.push_back(s.get<std::string>());
      }
    }
  }
  return out;
}

}  // namespace

ObjectMeta ObjectMeta::from(const json& object) {
  const json& m = at(object, "metadata");
  ObjectMeta meta;
  meta.name = str(m, "name");
  meta.namespace_name = str(m, "namespace");
  meta.labels = string_map(at(m, "labels"));
  meta.annotations = string_map(at(m, "annotations"));
  meta.resource_version = str(m, "resourceVersion");
  return meta;
}

ServiceView ServiceView::from(const json& object) {
  ServiceView v;
  v.meta = ObjectMeta::from(object);
  const json& spec = at(object, "spec");
  if (std::string type = str(spec, "type"); !type.empty()) {
    v.type = type;
  }
  v.selector = string_map(at(spec, "selector"));
  const json& ports = at(spec, "ports");
  if (ports.is_array()) {
    for (const auto& p : ports) {
      ServicePortView port;
      port.name = str(p, "name");
      if (std::string proto = str(p, "protocol"); !proto.empty()) {
        port.protocol = proto;
      }
      port.port = integer(p, "port");
      port.target_port = str(p, "targetPort");
      port.app_protocol = str(p, "appProtocol");
      port.node_port = integer(p, "nodePort");
      v.ports.push_back(std::move(port));
    }
  }
  const json& ingress = at(at(at(object, "status"), "loadBalancer"), "ingress");
  if (ingress.is_array()) {
    for (const auto& i : ingress) {
      std::string addr = str(i, "ip");
      if (addr.empty()) {
        addr = str(i, "hostname");
      }
      if (!addr.empty()) {
        v.ingress_addresses.push_back(addr);
      }
    }
  }
  v.raw = object;
  return v;
}

EndpointSliceView EndpointSliceView::from(const json& object) {
  EndpointSliceView v;
  v.meta = ObjectMeta::from(object);
  auto it = v.meta.labels.find("kubernetes.io/service-name");
  if (it != v.meta.labels.end()) {
    v.service_name = it->second;
  }
  const json& ports = at(object, "ports");
  if (ports.is_array()) {
    for (const auto& p : ports) {
      v.ports.emplace_back(str(p, "name"), integer(p, "port"));
    }
  }
  const json& endpoints = at(object, "endpoints");
  if (endpoints.is_array()) {
    for (const auto& e : endpoints) {
      EndpointView ep;
      ep.addresses = strings(at(e, "addresses"));
      const json& ready = at(at(e, "conditions"), "ready");
      ep.ready = !ready.is_boolean() || ready.get<bool>();
      const json& ref = at(e, "targetRef");
      if (str(ref, "kind") == "Pod") {
        ep.target_pod = str(ref, "name");
      }
      v.endpoints.push_back(std::move(ep));
    }
  }
  v.raw = object;
  return v;
}

PodView PodView::from(const json& object) {
  PodView v;
  v.meta = ObjectMeta::from(object);
  const json& status = at(object, "status");
  v.phase = str(status, "phase");
  v.pod_ip = str(status, "podIP");
  const json& conditions = at(status, "conditions");
  if (conditions.is_array()) {
    for (const auto& c : conditions) {
      if (str(c, "type") == "Ready") {
        v.ready = str(c, "status") == "True";
      }
    }
  }
  const json& containers = at(at(object, "spec"), "containers");
  if (containers.is_array()) {
    for (const auto& c : containers) {
      v.container_images.push_back(str(c, "image"));
    }
  }
  v.raw = object;
  return v;
}

SecretView SecretView::from(const json& object) {
  SecretView v;
  v.meta = ObjectMeta::from(object);
  v.type = str(object, "type");
  const json& data = at(object, "data");
  if (data.is_object()) {
    for (const auto& [k, val] : data.items()) {
      v.data[k] = val.is_string() ? base64_decode(val.get<std::string>()).value_or("") : "";
    }
  }
  const json& string_data = at(object, "stringData");
  if (string_data.is_object()) {
    for (const auto& [k, val] : string_data.items()) {
      v.data[k] = val.is_string() ? val.get<std::string>() : "";
    }
  }
  v.raw = object;
  return v;
}

IstioGatewayView IstioGatewayView::from(const json& object) {
  IstioGatewayView v;
  v.meta = ObjectMeta::from(object);
  const json& spec = at(object, "spec");
  v.selector = string_map(at(spec, "selector"));
  const json& servers = at(spec, "servers");
  if (servers.is_array()) {
    for (const auto& s : servers) {
      GatewayServerView server;
      const json& port = at(s, "port");
      server.port = integer(port, "number");
      server.port_name = str(port, "name");
      server.protocol = str(port, "protocol");
      server.hosts = strings(at(s, "hosts"));
      const json& tls = at(s, "tls");
      if (tls.is_object()) {
        server.tls_mode = str(tls, "mode");
        if (server.tls_mode.empty()) {
          server.tls_mode = "PASSTHROUGH";  // the API's default mode
        }
        server.credential_name = str(tls, "credentialName");
      }
      v.servers.push_back(std::move(server));
    }
  }
  v.raw = object;
  return v;
}

VirtualServiceView VirtualServiceView::from(const json& object) {
  VirtualServiceView v;
  v.meta = ObjectMeta::from(object);
  const json& spec = at(object, "spec");
  v.hosts = strings(at(spec, "hosts"));
  v.gateways = strings(at(spec, "gateways"));
  v.http = at(spec, "http");
  v.raw = object;
  return v;
}

DestinationRuleView DestinationRuleView::from(const json& object) {
  DestinationRuleView v;
  v.meta = ObjectMeta::from(object);
  const json& spec = at(object, "spec");
  v.host = str(spec, "host");
  v.traffic_policy = at(spec, "trafficPolicy");
  v.raw = object;
  return v;
}

EnvoyFilterView EnvoyFilterView::from(const json& object) {
  EnvoyFilterView v;
  v.meta = ObjectMeta::from(object);
  const json& spec = at(object, "spec");
  v.workload_selector = string_map(at(at(spec, "workloadSelector"), "labels"));
  v.config_patches = at(spec, "configPatches");
  v.raw = object;
  return v;
}

GrpcRouteView GrpcRouteView::from(const json& object) {
  GrpcRouteView v;
  v.meta = ObjectMeta::from(object);
  const json& spec = at(object, "spec");
  const json& refs = at(spec, "parentRefs");
  if (refs.is_array()) {
    for (const auto& r : refs) {
      v.parent_refs.push_back(ParentRefView{str(r, "name"), str(r, "namespace"), str(r, "sectionName")});
    }
  }
  v.hostnames = strings(at(spec, "hostnames"));
  v.rules = at(spec, "rules");
  v.raw = object;
  return v;
}

}  // namespace grpcmesh::kube
