#include "core/mesh/expose_command.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/manifest/http_routes.hpp"
#include "core/manifest/names.hpp"
#include "core/manifest/retry_policy.hpp"
#include "core/manifest/service_port.hpp"
#include "core/manifest/virtual_service.hpp"
#include "core/mesh/host_config.hpp"
#include "core/mesh/backend_port.hpp"
#include "core/mesh/protocol.hpp"
#include "core/mesh/routes.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::mesh {
namespace {

using Port = BackendPort;

// How Istio reads the port (core/mesh/protocol.hpp).
ServicePort istio_view(const Port& p) {
  ServicePort out{p.port, p.name, p.protocol, std::nullopt};
  if (p.app_protocol) {
    out.app_protocol = *p.app_protocol;
  }
  return out;
}

// "name grpc-api" or "appProtocol grpc": what makes Istio read the port as it does.
std::string protocol_source(const Port& p) {
  return p.app_protocol ? "appProtocol " + *p.app_protocol : "name " + p.name;
}

Port pick_port(const ExposeOptions& o, const ExposeFacts& f) {
  return pick_backend_port(o.namespace_name, o.service, o.port, f.service);
}

// The Service change that makes the gateway speak HTTP/2 to the port, if any.
std::optional<nlohmann::json> port_change(const ExposeOptions& o, const ExposeFacts& f, const Port& p,
                                          ChangeSet& cs) {
  const std::string ref = o.namespace_name + "/" + o.service;
  if (convert_protocol(istio_view(p)) == protocol::kUdp) {
    throw Error(fmt::format("port {} of Service {} is UDP, which Istio keeps UDP whatever its name or appProtocol, "
                            "and gRPC needs TCP; pick a TCP port with --port", p.port, ref));
  }
  if (o.port_naming == PortNaming::Name) {
    if (p.app_protocol && !gateway_speaks_http2(istio_view(p))) {
      throw Error(fmt::format("port {} of Service {} has appProtocol \"{}\", which Istio reads before the port name, "
                              "so renaming cannot help; use --port-naming appProtocol", p.port, ref, *p.app_protocol));
    }
    if (f.service && gateway_speaks_http2(istio_view(p))) {
      cs.notes.push_back(fmt::format("Port {} of Service {} is already HTTP/2 for Istio ({})", p.port, ref,
                                     protocol_source(p)));
      return std::nullopt;
    }
    const std::string name = p.name.empty() ? "grpc" : "grpc-" + p.name;
    if (f.service) {
      cs.warnings.push_back(fmt::format("renaming port {} of Service {} from \"{}\" to \"{}\": update whatever refers "
                                        "to the old name (targetPort of other Services, Ingress backends, network "
                                        "policies, monitors)", p.port, ref, p.name, name));
    }
    return manifest::service_port({o.service, o.namespace_name, p.port, p.protocol, "", name});
  }
  if (f.service && p.app_protocol != "grpc" && gateway_speaks_http2(istio_view(p))) {
    cs.notes.push_back(fmt::format("Port {} of Service {} is already HTTP/2 for Istio ({})", p.port, ref,
                                   protocol_source(p)));
    return std::nullopt;
  }
  return manifest::service_port({o.service, o.namespace_name, p.port, p.protocol, "grpc", ""});
}

// What --remove gives back on the Service. Releasing our fields drops them;
// that undoes appProtocol, but a port name we took over with --port-naming
// name (and --force-conflicts) would be left with no name at all, so such a
// port gets its old name back instead ("grpc-api" -> "api"; "grpc" was an
// unnamed port, which releasing restores). Returns the apply configuration
// that does that, or nothing when releasing is right.
std::optional<nlohmann::json> port_names_back(const ExposeOptions& o, const nlohmann::json& service, ChangeSet& cs) {
  nlohmann::json ports = nlohmann::json::array();
  for (const auto& entry : service.value("/metadata/managedFields"_json_pointer, nlohmann::json::array())) {
    if (entry.value("manager", "") != o.field_manager || entry.value("operation", "") != "Apply") {
      continue;
    }
    const nlohmann::json owned = entry.value("/fieldsV1/f:spec/f:ports"_json_pointer, nlohmann::json::object());
    for (const auto& [key, fields] : owned.items()) {
      if (key.rfind("k:", 0) != 0 || !fields.contains("f:name")) {
        continue;
      }
      const nlohmann::json id = nlohmann::json::parse(key.substr(2), nullptr, false);
      for (const auto& p : backend_ports(service)) {
        if (!id.is_object() || id.value("port", 0) != p.port || id.value("protocol", "TCP") != p.protocol ||
            p.name == "grpc") {
          continue;
        }
        std::string name = p.name;
        if (name.rfind("grpc-", 0) == 0) {
          name = name.substr(5);
          cs.notes.push_back(fmt::format("Port {} of Service {}/{} is named \"{}\" again", p.port, o.namespace_name,
                                         o.service, name));
        }
        ports.push_back({{"port", p.port}, {"protocol", p.protocol}, {"name", name}});
      }
    }
  }
  if (ports.empty()) {
    return std::nullopt;
  }
  return nlohmann::json{{"apiVersion", "v1"},
                        {"kind", "Service"},
                        {"metadata", {{"name", o.service}, {"namespace", o.namespace_name}}},
                        {"spec", {{"ports", ports}}}};
}

std::vector<std::string> wanted_prefixes(const ExposeOptions& o) {
  std::vector<std::string> out;
  for (const auto& s : o.grpc_services) {
    out.push_back(manifest::grpc_service_prefix(s));
  }
  return out;
}

bool retry_flags_given(const ExposeOptions& o) {
  return o.retries.has_value() || !o.retry_on.empty() || o.per_try_timeout.has_value();
}

void validate_retry_flags(const ExposeOptions& o) {
  if (!retry_flags_given(o)) {
    return;
  }
  if (o.remove) {
    throw UsageError("--retries, --retry-on and --per-try-timeout set the routes' retry policy; --remove takes the "
                     "routes away with theirs, so drop those flags");
  }
  if (o.retries && *o.retries < 0) {
    throw UsageError(fmt::format("--retries {} is negative; pass 0 to turn retries off, or the number of retries",
                                 *o.retries));
  }
  if (o.retries && *o.retries == 0 && (!o.retry_on.empty() || o.per_try_timeout)) {
    throw UsageError("--retries 0 turns retries off, and Istio rejects a retry policy with attempts 0; drop "
                     "--retry-on and --per-try-timeout, or pass --retries 1 or more");
  }
  if (o.per_try_timeout && o.per_try_timeout->count() < 1) {
    throw UsageError("--per-try-timeout must be at least 1ms (Istio rejects shorter durations); omit it and each try "
                     "may take as long as the route allows");
  }
}

// The retries block the flags ask for; nothing when none of them is given.
std::optional<nlohmann::json> wanted_retries(const ExposeOptions& o) {
  if (!retry_flags_given(o)) {
    return std::nullopt;
  }
  return manifest::retries_block(o.retries.value_or(manifest::kIstioDefaultAttempts), o.retry_on,
                                 o.per_try_timeout ? stream::format_duration(*o.per_try_timeout) : "");
}

std::string policy_source(const manifest::RetryPolicy& p, const ExposeFacts& f) {
  switch (p.source) {
    case manifest::RetryPolicy::Source::Route:
      return "set by --retries/--retry-on/--per-try-timeout";
    case manifest::RetryPolicy::Source::MeshDefault:
      return "the mesh default, meshConfig.defaultHttpRetryPolicy in ConfigMap istio-system/istio";
    case manifest::RetryPolicy::Source::IstioDefault:
      break;
  }
  return f.mesh_retry_default ? "Istio's default, as the routes set no retries"
                              : "Istio's default, as the routes set no retries; a meshConfig.defaultHttpRetryPolicy "
                                "would replace it, and the mesh config (ConfigMap istio-system/istio) was not read";
}

// Sets (or, with no retry flag, removes) the retries of the Service's routes
// in `object`, and says which retry policy applies.
void apply_retries(nlohmann::json& object, const ExposeOptions& o, const ExposeFacts& f, ChangeSet& cs) {
  const std::string fqdn = manifest::service_fqdn(o.service, o.namespace_name, o.cluster_domain);
  const std::optional<nlohmann::json> wanted = wanted_retries(o);
  std::vector<std::string> dropped;
  for (auto& route : object["spec"]["http"]) {
    if (route.value("/route/0/destination/host"_json_pointer, std::string()) != fqdn) {
      continue;
    }
    if (wanted) {
      route["retries"] = *wanted;
    } else if (route.contains("retries")) {
      dropped.push_back(route.value("/match/0/uri/prefix"_json_pointer, std::string("the catch-all route")) + " (" +
                        manifest::describe_retry_policy(manifest::effective_retry_policy(route["retries"])) + ")");
      route.erase("retries");
    }
  }
  const std::string who = fmt::format("Service {}/{}", o.namespace_name, o.service);
  if (!dropped.empty()) {
    cs.notes.push_back(fmt::format("The retry policy set earlier on {} is removed, as no retry flag is given: {}",
                                   fmt::join(dropped, ", "), "pass --retries/--retry-on again to keep it"));
  }
  const manifest::RetryPolicy policy =
      manifest::effective_retry_policy(wanted.value_or(nullptr), f.mesh_retry_default.value_or(nullptr));
  cs.notes.push_back(fmt::format("Retries for the routes to {}: {} ({})", who, manifest::describe_retry_policy(policy),
                                 policy_source(policy, f)));
  if (policy.enabled && !manifest::has_grpc_retry_condition(policy.retry_on)) {
    cs.warnings.push_back(fmt::format(
        "the retry policy for {} names no gRPC status: gRPC failures arrive as HTTP 200 with a grpc-status, which "
        "5xx and the connection conditions never match, so UNAVAILABLE is no longer retried; add unavailable "
        "(e.g. --retry-on {},unavailable,cancelled)", who, o.retry_on.empty() ? "5xx" : o.retry_on));
  }
  if (!policy.enabled && policy.source == manifest::RetryPolicy::Source::Route) {
    cs.notes.push_back(fmt::format("--retries 0 turns off Istio's default retries for {}: a call that meets an "
                                   "UNAVAILABLE backend or a refused stream fails at once", who));
  }
  if (o.per_try_timeout) {
    const std::string d = stream::format_duration(*o.per_try_timeout);
    std::vector<std::string> streaming;  // routed methods whose responses stream
    for (const ProtosetMethod& m : o.methods) {
      const bool routed = o.grpc_services.empty() ||
                          std::find(o.grpc_services.begin(), o.grpc_services.end(), m.service) != o.grpc_services.end();
      if (routed && m.server_streaming) {
        streaming.push_back(m.full_name());
      }
    }
    if (!streaming.empty() && !o.allow_stream_cut) {
      throw Error(fmt::format("--per-try-timeout {} cuts every call of the server-streaming {} {} ({}) that lasts "
                              "longer (a try's clock starts when the request is complete); pass --allow-stream-cut "
                              "to set it anyway", d, streaming.size() == 1 ? "method" : "methods",
                              fmt::join(streaming, ", "), o.protoset));
    }
    if (!f.stream_settings.empty() && !o.allow_stream_cut) {
      throw Error(fmt::format("--per-try-timeout {} cuts every server stream on {} that lasts longer (a try's clock "
                              "starts when the request is complete), and stream keeps that host's streams open "
                              "(DestinationRule {}); pass --allow-stream-cut to set it anyway", d, o.host,
                              fmt::join(f.stream_settings, ", ")));
    }
    cs.warnings.push_back(fmt::format("--per-try-timeout {} also cuts server-streaming calls to {} that last longer "
                                      "(a try's clock starts when the request is complete, as for the route "
                                      "timeout)", d, who));
  }
}

}  // namespace

ExposeFacts expose_facts_from_flags(const ExposeOptions& o) {
  ExposeFacts f;
  if (!o.gateway.empty()) {
    f.gateways = {o.gateway};
    f.virtual_service_namespace = o.gateway.substr(0, o.gateway.find('/'));
  } else if (!o.gateway_namespace.empty()) {
    f.gateways = {o.gateway_namespace + "/" + manifest::host_object_name(o.host)};
    f.virtual_service_namespace = o.gateway_namespace;
  } else {
    throw UsageError("--dry-run=client cannot look up the host's Gateway; pass --gateway-namespace (e.g. "
                     "istio-system) or --gateway NAMESPACE/NAME");
  }
  return f;
}

ChangeSet plan_expose(const ExposeOptions& o, const ExposeFacts& f) {
  validate_retry_flags(o);
  ChangeSet cs;
  ChangeSet retry_notes;  // said after the route table
  const std::string vs_name = manifest::host_object_name(o.host);
  const std::string vs_ref = f.virtual_service_namespace + "/" + vs_name;
  if (f.virtual_service && !manifest::managed_by_us(*f.virtual_service)) {
    throw Error(fmt::format("VirtualService {} already exists and was not created by kubectl-grpcmesh; rename or "
                            "delete it, since expose owns that VirtualService's whole http list", vs_ref));
  }
  const std::vector<GrpcRoute> current = f.virtual_service ? routes_of(*f.virtual_service) : std::vector<GrpcRoute>{};
  manifest::VirtualServiceOptions vs{vs_name, f.virtual_service_namespace, f.api_version, o.host, f.gateways, {},
                                     o.cluster_domain};
  // CORS and route timeouts set by web and stream survive the rebuilt list.
  const auto kept = [&](nlohmann::json generated) {
    return f.virtual_service ? manifest::keep_route_settings(std::move(generated), *f.virtual_service) : generated;
  };

  if (o.remove) {
    vs.routes = remove_routes(current, o.service, o.namespace_name);
    if (f.service) {
      if (auto renamed = port_names_back(o, *f.service, cs)) {
        cs.changes.push_back({Change::Kind::Apply, *renamed});
      } else {
        cs.changes.push_back({Change::Kind::Release, *f.service});
      }
    }
    if (f.virtual_service && vs.routes.empty()) {
      cs.changes.push_back({Change::Kind::Release, *f.virtual_service});
    } else if (f.virtual_service && vs.routes.size() != current.size()) {
      cs.changes.push_back({Change::Kind::Apply, kept(manifest::virtual_service(vs))});
    }
    cs.notes.push_back(fmt::format("{} no longer routes to Service {}/{}", o.host, o.namespace_name, o.service));
  } else {
    const Port port = pick_port(o, f);
    if (auto change = port_change(o, f, port, cs)) {
      cs.changes.push_back({Change::Kind::Apply, *change});
    }
    vs.routes = merge_routes(current, o.service, o.namespace_name, port.port, wanted_prefixes(o), o.force, o.host);
    nlohmann::json object = kept(manifest::virtual_service(vs));
    apply_retries(object, o, f, retry_notes);
    cs.changes.push_back({Change::Kind::Apply, object});

    for (const RouteRow& row : route_table(f.other_virtual_services)) {
      const bool overlaps = std::any_of(vs.routes.begin(), vs.routes.end(), [&](const GrpcRoute& mine) {
        return mine.service == o.service && mine.namespace_name == o.namespace_name &&
               (row.match == (mine.prefix.empty() ? "*" : mine.prefix) || row.match == "*");
      });
      {
        if (overlaps) {
          cs.warnings.push_back(fmt::format("VirtualService {} also routes {} for {}; Istio merges VirtualServices "
                                            "of one host in no guaranteed order, so requests may go to {} instead",
                                            row.virtual_service, row.match == "*" ? "everything" : row.match, o.host,
                                            row.destination));
        }
      }
    }
    if (f.ready_endpoints && *f.ready_endpoints == 0) {
      cs.warnings.push_back(fmt::format("Service {}/{} has no ready endpoints: calls through the gateway fail with "
                                        "UNAVAILABLE until its pods are ready", o.namespace_name, o.service));
    }
    std::string what = o.grpc_services.empty() ? "every gRPC call" : "";
    for (const auto& s : o.grpc_services) {
      what += (what.empty() ? "" : ", ") + s;
    }
    cs.notes.push_back(fmt::format("{} routes {} to {}:{} through {}", o.host, what,
                                   manifest::service_fqdn(o.service, o.namespace_name, o.cluster_domain), port.port,
                                   fmt::join(f.gateways, ", ")));
  }

  // The host's route table as it will be.
  std::vector<nlohmann::json> all;
  if (!vs.routes.empty()) {
    all.push_back(manifest::virtual_service(vs));
  }
  all.insert(all.end(), f.other_virtual_services.begin(), f.other_virtual_services.end());
  cs.notes.push_back(fmt::format("Routes for {}:\n{}", o.host, format_route_table(route_table(all))));
  if (cs.notes.back().back() == '\n') {
    cs.notes.back().pop_back();
  }
  cs.notes.insert(cs.notes.end(), retry_notes.notes.begin(), retry_notes.notes.end());
  cs.warnings.insert(cs.warnings.end(), retry_notes.warnings.begin(), retry_notes.warnings.end());
  return cs;
}

}  // namespace grpcmesh::mesh
