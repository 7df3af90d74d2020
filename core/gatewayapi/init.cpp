#include "core/gatewayapi/init.hpp"

#include <fmt/format.h>

#include "core/manifest/names.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::gatewayapi {
namespace {

std::optional<Listener> find_listener(const std::vector<Listener>& all, const std::string& name) {
  for (const Listener& l : all) {
    if (l.name == name) {
      return l;
    }
  }
  return std::nullopt;
}

// A port is free for the host's listener unless another listener uses it
// with another protocol (one port carries one protocol on Istio's gateway)
// or already claims the host there.
void require_free_port(const Listener& mine, const std::vector<Listener>& all, const std::string& gateway_ref,
                       const std::string& flag) {
  for (const Listener& other : all) {
    if (other.name == listener_name(mine.hostname, "HTTPS") || other.name == listener_name(mine.hostname, "HTTP") ||
        other.port != mine.port) {
      continue;
    }
    if (other.protocol != mine.protocol) {
      throw Error(fmt::format("port {} of Gateway {} is taken by listener {} ({}); a port carries one protocol, so "
                              "pick another with {}",
                              mine.port, gateway_ref, other.name, other.protocol, flag));
    }
    if (other.hostname == mine.hostname) {
      throw Error(fmt::format("listener {} of Gateway {} already serves {} on port {}; remove it, or pick another "
                              "port with {}",
                              other.name, gateway_ref, mine.hostname, mine.port, flag));
    }
  }
}

std::string describe_listener(const Listener& l, const std::string& gateway_namespace) {
  if (l.protocol == "HTTPS") {
    return fmt::format("HTTPS on port {} (listener {}, tls Terminate, certificateRefs Secret {}/{})", l.port, l.name,
                       l.secret_namespace.empty() ? gateway_namespace : l.secret_namespace, l.secret_name);
  }
  return fmt::format("h2c on port {} (listener {}, protocol HTTP)", l.port, l.name);
}

// The listeners init made for other hosts on the Gateway, applied again as they are.
std::vector<Listener> other_hosts(const std::vector<Listener>& all, const std::string& host) {
  std::vector<Listener> out;
  for (const Listener& l : all) {
    if (made_by_init(l) && l.hostname != host) {
      out.push_back(l);
    }
  }
  return out;
}

// The client validation a Gateway of ours has for the host's HTTPS port
// `was`, given again for port `port` (null when it has none).
nlohmann::json carried_client_ca(const nlohmann::json& gateway, int was, int port) {
  if (!manifest::managed_by_us(gateway)) {
    return nullptr;
  }
  const std::string map = client_ca_of(gateway, was);
  return map.empty() ? nlohmann::json(nullptr) : client_ca_tls(port, map);
}

void release_client_ca(const InitFacts& f, mesh::ChangeSet& cs) {
  if (f.client_ca && manifest::managed_by_us(*f.client_ca)) {
    cs.changes.push_back({mesh::Change::Kind::Release, *f.client_ca});
  }
}

// --client-ca asks every client of the HTTPS port for a certificate (the
// Gateway API validates per port, not per listener), so the port must be
// the host's alone, on a Gateway of its own.
void require_own_port(const InitOptions& o, const std::optional<Listener>& https, const std::vector<Listener>& all,
                      const std::string& gateway_ref, bool shared) {
  if (shared) {
    throw Error(fmt::format("--client-ca cannot go on shared Gateway {}: the Gateway API asks for client certificates "
                            "per Gateway port (spec.tls.frontend), from the clients of every HTTPS listener on it, "
                            "other hosts' too; drop --gateway so {} gets a Gateway of its own",
                            gateway_ref, o.host));
  }
  if (!https) {
    throw UsageError("--client-ca asks the clients of the HTTPS listener for certificates, and the host has none; "
                     "add --https");
  }
  for (const Listener& other : all) {
    if (other.protocol == "HTTPS" && other.port == https->port && other.name != https->name) {
      throw Error(fmt::format("listener {} of Gateway {} shares port {} with {}: the Gateway API asks for client "
                              "certificates per port (spec.tls.frontend), so --client-ca would ask its clients too; "
                              "move the host to another port with --https-port",
                              other.name, gateway_ref, https->port, o.host));
    }
  }
}

}  // namespace

std::pair<std::string, std::string> target_gateway(const InitOptions& o) {
  if (!o.gateway.empty()) {
    const auto slash = o.gateway.find('/');
    return {o.gateway.substr(0, slash), o.gateway.substr(slash + 1)};
  }
  return {o.namespace_name, manifest::host_object_name(o.host)};
}

mesh::ChangeSet plan_init(const InitOptions& o, const InitFacts& f) {
  mesh::ChangeSet cs;
  const auto [ns, name] = target_gateway(o);
  const std::string gw_ref = ns + "/" + name;
  const bool shared = !o.gateway.empty();
  if (!shared && f.gateway && !manifest::managed_by_us(*f.gateway)) {
    throw Error(fmt::format("Gateway {} already exists and was not created by kubectl-grpcmesh; attach the host to it "
                            "with --gateway {}, or delete or rename it",
                            gw_ref, gw_ref));
  }
  if (shared && f.known && !f.gateway && !o.remove) {
    throw Error(fmt::format("Gateway {} not found; create it first, or drop --gateway and init creates a Gateway for "
                            "{}",
                            gw_ref, o.host));
  }
  const std::vector<Listener> all = f.gateway ? listeners_of(*f.gateway) : std::vector<Listener>{};
  const std::string https_name = listener_name(o.host, "HTTPS");
  const std::string h2c_name = listener_name(o.host, "HTTP");
  std::optional<Listener> https = find_listener(all, https_name);
  std::optional<Listener> h2c = find_listener(all, h2c_name);
  const std::optional<Listener> https_before = https;
  const bool explicit_kind = o.https || o.plaintext;
  std::optional<std::string> gateway_class;
  if (!shared) {
    gateway_class = o.gateway_class ? *o.gateway_class
                    : f.gateway    ? f.gateway->value("/spec/gatewayClassName"_json_pointer, std::string("istio"))
                                   : std::string("istio");
  }

  if (o.remove) {
    if (!f.gateway || (!https && !h2c)) {
      cs.notes.push_back(fmt::format("Gateway {} has no listener for {}; nothing to remove", gw_ref, o.host));
      return cs;
    }
    if (!explicit_kind || o.https) {
      https.reset();
    }
    if (!explicit_kind || o.plaintext) {
      h2c.reset();
    }
    if (!https && !h2c && other_hosts(all, o.host).empty()) {
      cs.changes.push_back({mesh::Change::Kind::Release, *f.gateway});
      release_client_ca(f, cs);
      cs.notes.push_back(shared ? fmt::format("Gateway {} no longer has listeners for {}", gw_ref, o.host)
                                : fmt::format("{} no longer has a Gateway from kubectl-grpcmesh", o.host));
      return cs;
    }
    GatewayConfig g{name, ns, gateway_class, other_hosts(all, o.host)};
    for (const auto& l : {https, h2c}) {
      if (l) {
        g.listeners.push_back(*l);
      }
    }
    if (https && !shared) {
      g.tls = carried_client_ca(*f.gateway, https->port, https->port);
    }
    cs.changes.push_back({mesh::Change::Kind::Apply, gateway(g)});
    cs.notes.push_back(https || h2c ? fmt::format("Gateway {} keeps its {} listener for {}", gw_ref,
                                                  https ? "HTTPS" : "h2c", o.host)
                                    : fmt::format("Gateway {} no longer has listeners for {}", gw_ref, o.host));
    if (!https) {
      release_client_ca(f, cs);
    }
    return cs;
  }

  if (o.https || !o.plaintext) {
    Listener l{https_name, o.host, o.https_port.value_or(https ? https->port : 443), "HTTPS", "", ""};
    l.secret_name = !o.credential_name.empty()               ? o.credential_name
                    : https && !https->secret_name.empty()   ? https->secret_name
                                                             : manifest::default_credential_name(o.host);
    // A Secret elsewhere (tls --secret-namespace) stays bound unless another name is asked for.
    if (https && o.credential_name.empty()) {
      l.secret_namespace = https->secret_namespace;
    }
    https = l;
  }
  if (o.plaintext) {
    h2c = Listener{h2c_name, o.host, o.plaintext_port.value_or(h2c ? h2c->port : 80), "HTTP", "", ""};
  }
  if (https && h2c && https->port == h2c->port) {
    throw UsageError(fmt::format("the HTTPS and h2c listeners cannot share port {}; set --https-port or "
                                 "--plaintext-port",
                                 https->port));
  }
  if (https) {
    require_free_port(*https, all, gw_ref, "--https-port");
  }
  if (h2c) {
    require_free_port(*h2c, all, gw_ref, "--plaintext-port");
  }
  GatewayConfig g{name, ns, gateway_class, other_hosts(all, o.host)};
  const size_t first_own = g.listeners.size();
  for (const auto& l : {https, h2c}) {
    if (l) {
      g.listeners.push_back(*l);
    }
  }
  std::string client_ca_note;
  if (!o.client_ca_pem.empty()) {
    require_own_port(o, https, all, gw_ref, shared);
    const std::string map = client_ca_config_map_name(o.host);
    // The CA first: the Gateway never names a ConfigMap that is not there.
    cs.changes.push_back({mesh::Change::Kind::Apply, client_ca_config_map(map, ns, o.client_ca_pem)});
    g.tls = client_ca_tls(https->port, map);
    client_ca_note = fmt::format("Gateway {} asks the clients of port {} for a certificate signed by the CA in "
                                 "ConfigMap {}/{} (spec.tls.frontend; Istio serves the listener with tls mode MUTUAL)",
                                 gw_ref, https->port, ns, map);
  } else if (https && !shared && f.gateway) {
    g.tls = carried_client_ca(*f.gateway, https_before ? https_before->port : https->port, https->port);
    if (!g.tls.is_null()) {
      client_ca_note = fmt::format("Gateway {} keeps asking the clients of port {} for a certificate (ConfigMap {}/{})",
                                   gw_ref, https->port, ns, client_ca_of(*f.gateway, https_before ? https_before->port : https->port));
    }
  }
  cs.changes.push_back({mesh::Change::Kind::Apply, gateway(g)});

  for (const nlohmann::json& other : f.other_gateways) {
    for (const Listener& l : listeners_of(other)) {
      if (l.hostname == o.host) {
        cs.warnings.push_back(fmt::format("Gateway {} also has a listener for {} (port {}); each Gateway gets its "
                                          "own gateway pods and address, so clients reach one or the other: remove "
                                          "one of them",
                                          ref(other), o.host, l.port));
      }
    }
  }
  std::string summary = fmt::format("Gateway {} serves {}:", gw_ref, o.host);
  std::string sep = " ";
  for (size_t i = first_own; i < g.listeners.size(); ++i) {
    summary += sep + describe_listener(g.listeners[i], ns);
    sep = "; ";
  }
  if (gateway_class) {
    summary += fmt::format(", gatewayClassName {}", *gateway_class);
  }
  cs.notes.push_back(summary);
  if (!client_ca_note.empty()) {
    cs.notes.push_back(client_ca_note);
  }
  if (https && https->secret_namespace.empty() && f.credential_exists.has_value() && !*f.credential_exists) {
    cs.warnings.push_back(fmt::format("Secret {}/{} does not exist yet, so the HTTPS listener has no certificate "
                                      "(ResolvedRefs False); create it with: kubectl grpcmesh tls --host {} "
                                      "--api gateway-api --self-signed (or --cert FILE --key FILE)",
                                      ns, https->secret_name, o.host));
  }
  cs.notes.push_back(fmt::format("Next: kubectl grpcmesh expose SERVICE -n NAMESPACE --host {} --api gateway-api",
                                 o.host));
  return cs;
}

}  // namespace grpcmesh::gatewayapi
