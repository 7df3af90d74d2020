#include "core/stream/stream_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/manifest/destination_rule.hpp"
#include "core/manifest/http_routes.hpp"
#include "core/mesh/ownership.hpp"
#include "core/stream/timeout_chain.hpp"
#include "core/stream/virtual_service_edit.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::stream {
namespace {

std::string str_at(const nlohmann::json& o, const char* pointer) {
  const nlohmann::json::json_pointer ptr(pointer);
  return o.contains(ptr) && o.at(ptr).is_string() ? o.at(ptr).get<std::string>() : std::string();
}

// "svc", "svc.ns", "svc.ns.svc", "svc.ns.svc.<domain>" -> the FQDN; other
// hosts (ServiceEntries, external names) are returned as they are.
std::string qualify(const std::string& host, const std::string& ns, const std::string& domain) {
  const auto dots = std::count(host.begin(), host.end(), '.');
  if (dots == 0) {
    return fmt::format("{}.{}.svc.{}", host, ns, domain);
  }
  if (dots == 1) {
    return fmt::format("{}.svc.{}", host, domain);
  }
  if (host.size() > 4 && host.compare(host.size() - 4, 4, ".svc") == 0) {
    return host + "." + domain;
  }
  return host;
}

bool is_service_host(const std::string& fqdn, const std::string& domain) {
  const std::string suffix = ".svc." + domain;
  return fqdn.size() > suffix.size() && fqdn.compare(fqdn.size() - suffix.size(), suffix.size(), suffix) == 0 &&
         std::count(fqdn.begin(), fqdn.end(), '.') == 3 + std::count(domain.begin(), domain.end(), '.');
}

std::string service_of(const std::string& fqdn) { return fqdn.substr(0, fqdn.find('.')); }

std::string namespace_of(const std::string& fqdn) {
  const size_t a = fqdn.find('.');
  return fqdn.substr(a + 1, fqdn.find('.', a + 1) - a - 1);
}

// The backend connection settings one host asks stream for.
struct HostSettings {
  Duration idle_timeout{0};
  Duration keepalive_time{0};
  Duration keepalive_interval{0};
  int keepalive_probes = 0;
  std::optional<Duration> max_connection_duration;  // none: no limit
  bool operator==(const HostSettings&) const = default;
};

// Which host asked for which settings on one DestinationRule.
using StreamRecord = std::map<std::string, HostSettings>;

HostSettings settings_of(const StreamOptions& o) {
  return {o.idle_timeout, o.keepalive_time, o.keepalive_interval, o.keepalive_probes, o.max_connection_duration};
}

manifest::StreamConnectionPool pool_of(const HostSettings& s) {
  manifest::StreamConnectionPool pool;
  pool.http_idle_timeout = format_duration(s.idle_timeout);
  pool.keepalive = manifest::TcpKeepalive{format_duration(s.keepalive_time), format_duration(s.keepalive_interval),
                                          s.keepalive_probes};
  if (s.max_connection_duration) {
    pool.max_connection_duration = format_duration(*s.max_connection_duration);
  }
  return pool;
}

// One host's entry in the record: the same field names as the rule's connectionPool.
nlohmann::json record_entry(const HostSettings& s) {
  const manifest::StreamConnectionPool pool = pool_of(s);
  nlohmann::json out = {{"idleTimeout", pool.http_idle_timeout},
                        {"tcpKeepalive",
                         {{"time", pool.keepalive->time},
                          {"interval", pool.keepalive->interval},
                          {"probes", pool.keepalive->probes}}}};
  if (!pool.max_connection_duration.empty()) {
    out["maxConnectionDuration"] = pool.max_connection_duration;
  }
  return out;
}

std::optional<HostSettings> parse_record_entry(const nlohmann::json& entry) {
  const auto duration = [&](const char* pointer) { return try_parse_duration(str_at(entry, pointer)); };
  const nlohmann::json::json_pointer probes("/tcpKeepalive/probes");
  const auto idle = duration("/idleTimeout");
  const auto time = duration("/tcpKeepalive/time");
  const auto interval = duration("/tcpKeepalive/interval");
  if (!idle || !time || !interval || !entry.contains(probes) || !entry.at(probes).is_number_integer()) {
    return std::nullopt;
  }
  HostSettings s{*idle, *time, *interval, entry.at(probes).get<int>(), std::nullopt};
  if (entry.contains("maxConnectionDuration")) {
    s.max_connection_duration = duration("/maxConnectionDuration");
    if (!s.max_connection_duration) {
      return std::nullopt;
    }
  }
  return s;
}

// The record kept on a DestinationRule (entries that cannot be read are left out).
StreamRecord stream_record(const nlohmann::json& dr) {
  StreamRecord out;
  const nlohmann::json record =
      nlohmann::json::parse(str_at(dr, "/metadata/annotations/kubectl-grpcmesh~1stream-settings"), nullptr, false);
  if (!record.is_object()) {
    return out;
  }
  for (const auto& [host, entry] : record.items()) {
    if (auto s = parse_record_entry(entry)) {
      out[host] = *s;
    }
  }
  return out;
}

// What serves every host of a (non-empty) record: no host's streams are cut
// sooner, nor its connections probed later, than it asked for.
HostSettings shared_settings(const StreamRecord& record) {
  HostSettings out = record.begin()->second;
  for (const auto& [host, s] : record) {
    out.idle_timeout = std::max(out.idle_timeout, s.idle_timeout);
    out.keepalive_time = std::min(out.keepalive_time, s.keepalive_time);
    out.keepalive_interval = std::min(out.keepalive_interval, s.keepalive_interval);
    out.keepalive_probes = std::max(out.keepalive_probes, s.keepalive_probes);
    if (out.max_connection_duration && s.max_connection_duration) {
      out.max_connection_duration = std::max(*out.max_connection_duration, *s.max_connection_duration);
    } else {
      out.max_connection_duration.reset();
    }
  }
  return out;
}

std::string describe(const HostSettings& s) {
  return fmt::format("idle timeout {}, keepalive time {} interval {} probes {}, {}", format_duration(s.idle_timeout),
                     format_duration(s.keepalive_time), format_duration(s.keepalive_interval), s.keepalive_probes,
                     s.max_connection_duration
                         ? "max connection duration " + format_duration(*s.max_connection_duration)
                         : std::string("no max connection duration"));
}

std::string hosts_in(const StreamRecord& record) {
  std::vector<std::string> out;
  for (const auto& [host, s] : record) {
    out.push_back(host);
  }
  return fmt::format("{}", fmt::join(out, ", "));
}

void check_destination_rule(const nlohmann::json& dr, mesh::ChangeSet& cs) {
  const nlohmann::json::json_pointer http("/spec/trafficPolicy/connectionPool/http");
  if (dr.contains(http) && dr.at(http).value("h2UpgradePolicy", "") == "UPGRADE" &&
      dr.at(http).value("useClientProtocol", false)) {
    cs.warnings.push_back(fmt::format("DestinationRule {} sets h2UpgradePolicy UPGRADE together with "
                                      "useClientProtocol: true, which Istio rejects; drop useClientProtocol",
                                      ref_of(dr)));
  }
  for (const auto& p : dr.value("/spec/trafficPolicy/portLevelSettings"_json_pointer, nlohmann::json::array())) {
    if (p.contains("connectionPool")) {
      cs.warnings.push_back(fmt::format("DestinationRule {} has portLevelSettings with a connectionPool for port {}, "
                                        "which replaces the rule-wide one set here for that port; set the stream "
                                        "settings there too", ref_of(dr), p.value("/port/number"_json_pointer, 0)));
    }
  }
}

// Which host asked for which gateway stream idle timeout, as recorded on the
// gateway Deployment (empty when nothing is recorded or it is unreadable).
std::map<std::string, Duration> gateway_idle_timeouts(const nlohmann::json& deployment) {
  std::map<std::string, Duration> out;
  const std::string text = str_at(deployment, "/metadata/annotations/kubectl-grpcmesh~1gateway-idle-timeouts");
  const nlohmann::json record = nlohmann::json::parse(text, nullptr, false);
  if (!record.is_object()) {
    return out;
  }
  for (const auto& [host, value] : record.items()) {
    if (value.is_string()) {
      if (auto d = try_parse_duration(value.get<std::string>())) {
        out[host] = *d;
      }
    }
  }
  return out;
}

std::optional<Duration> longest(const std::map<std::string, Duration>& record) {
  std::optional<Duration> out;
  for (const auto& [host, d] : record) {
    out = out ? std::max(*out, d) : d;
  }
  return out;
}

std::string hosts_of(const std::map<std::string, Duration>& record) {
  std::vector<std::string> out;
  for (const auto& [host, d] : record) {
    out.push_back(fmt::format("{} {}", host, format_duration(d)));
  }
  return fmt::format("{}", fmt::join(out, ", "));
}

// Our apply configuration of the gateway Deployment: the record in its
// metadata (no restart) and the stream idle timeout in the pod template.
nlohmann::json gateway_idle_config(const nlohmann::json& d, const std::map<std::string, Duration>& record,
                                   Duration effective) {
  nlohmann::json recorded = nlohmann::json::object();
  for (const auto& [host, duration] : record) {
    recorded[host] = format_duration(duration);
  }
  const nlohmann::json::json_pointer ptr("/spec/template/metadata/annotations/proxy.istio.io~1config");
  const std::string current = d.contains(ptr) && d.at(ptr).is_string() ? d.at(ptr).get<std::string>() : "";
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata",
           {{"name", str_at(d, "/metadata/name")},
            {"namespace", str_at(d, "/metadata/namespace")},
            {"annotations", {{kGatewayIdleTimeoutsAnnotation, recorded.dump()}}}}},
          {"spec",
           {{"template",
             {{"metadata",
               {{"annotations", {{kProxyConfigAnnotation, proxy_config_with_stream_idle(current, effective)}}}}}}}}}};
}

}  // namespace

void validate_stream_options(const StreamOptions& o) {
  if (o.route_timeout && o.route_timeout->count() == 0) {
    throw Error("--timeout 0s is refused: Istio rejects a route timeout of 0s (it must be at least 1ms), and "
                     "an omitted timeout already means none; drop --timeout and stream removes the routes' timeouts");
  }
  if (o.idle_timeout.count() < 1) {
    throw Error("--idle-timeout must be at least 1ms (Istio rejects 0s for connectionPool.http.idleTimeout)");
  }
  if (o.keepalive_time.count() < 1000 || o.keepalive_interval.count() < 1000) {
    throw Error("--keepalive-time and --keepalive-interval must be at least 1s (TCP keepalive counts seconds)");
  }
  if (o.keepalive_probes < 1) {
    throw Error("--keepalive-probes must be at least 1");
  }
  if (o.max_connection_duration && o.max_connection_duration->count() < 1) {
    throw Error("--max-connection-duration must be at least 1ms; omit it for no limit");
  }
  if (o.gateway_idle_timeout && o.gateway_idle_timeout->count() < 1) {
    throw Error("--gateway-idle-timeout must be at least 1ms");
  }
  for (const auto& b : o.backends) {
    const size_t slash = b.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == b.size() || b.find('/', slash + 1) != std::string::npos) {
      throw Error(fmt::format("invalid --backend \"{}\": pass NAMESPACE/SERVICE, e.g. apps/greeter", b));
    }
  }
}

std::vector<std::string> backend_hosts(const std::vector<nlohmann::json>& virtual_services,
                                       const std::vector<std::string>& prefixes, const std::string& domain) {
  std::set<std::string> out;
  for (const auto& vs : virtual_services) {
    const std::string ns = str_at(vs, "/metadata/namespace");
    for (const auto& route : vs.value("/spec/http"_json_pointer, nlohmann::json::array())) {
      if (!manifest::route_selected(route, prefixes)) {
        continue;
      }
      for (const auto& d : route.value("route", nlohmann::json::array())) {
        const std::string host = str_at(d, "/destination/host");
        if (!host.empty()) {
          out.insert(qualify(host, ns, domain));
        }
      }
    }
  }
  return {out.begin(), out.end()};
}

std::optional<nlohmann::json> destination_rule_for(const std::vector<nlohmann::json>& rules, const std::string& fqdn,
                                                   const std::string& domain) {
  std::optional<nlohmann::json> found;
  for (const auto& dr : rules) {
    if (qualify(str_at(dr, "/spec/host"), str_at(dr, "/metadata/namespace"), domain) != fqdn) {
      continue;
    }
    if (str_at(dr, "/metadata/namespace") == namespace_of(fqdn)) {
      return dr;
    }
    if (!found) {
      found = dr;
    }
  }
  return found;
}

std::optional<nlohmann::json> gateway_deployment(const std::vector<nlohmann::json>& deployments,
                                                 const mesh::Labels& selector) {
  for (const auto& d : deployments) {
    mesh::Labels labels;
    const nlohmann::json labels_json = d.value("/spec/template/metadata/labels"_json_pointer, nlohmann::json::object());
    for (const auto& [k, v] : labels_json.items()) {
      if (v.is_string()) {
        labels[k] = v.get<std::string>();
      }
    }
    if (mesh::selects(selector, labels)) {
      return d;
    }
  }
  return std::nullopt;
}

StreamFacts stream_facts_from_flags(const StreamOptions& o) {
  if (o.backends.empty()) {
    throw UsageError("--dry-run=client cannot read the host's routes; pass the backends with --backend "
                     "NAMESPACE/SERVICE");
  }
  if (o.gateway_idle_timeout) {
    throw UsageError("--gateway-idle-timeout changes the gateway's Deployment, which --dry-run=client cannot read; "
                     "use --dry-run=server");
  }
  StreamFacts f;
  f.live = false;
  return f;
}

mesh::ChangeSet plan_stream(const StreamOptions& o, const StreamFacts& f) {
  mesh::ChangeSet cs;
  if (f.live && f.servers.empty()) {
    throw Error(fmt::format("no Gateway serves {}; create one first: kubectl grpcmesh init --host {}", o.host, o.host));
  }

  // 1. Route timeouts: none (omitted = disabled), or the explicit --timeout.
  std::vector<nlohmann::json> planned_vs;
  const std::optional<std::string> wanted =
      o.route_timeout ? std::optional<std::string>(format_duration(*o.route_timeout)) : std::nullopt;
  for (const auto& vs : f.virtual_services) {
    const nlohmann::json http = vs.value("/spec/http"_json_pointer, nlohmann::json::array());
    nlohmann::json updated = nlohmann::json::array();
    std::vector<std::string> changed;
    std::vector<std::string> per_try;
    for (size_t i = 0; i < http.size(); ++i) {
      const auto& route = http[i];
      if (o.remove || !manifest::route_selected(route, o.prefixes) || manifest::is_preflight_route(route)) {
        updated.push_back(route);
        continue;
      }
      updated.push_back(manifest::with_route_timeout(route, wanted));
      if (updated.back() != route) {
        changed.push_back(route.contains("timeout")
                              ? fmt::format("http[{}] timeout {}", i, route["timeout"].get<std::string>())
                              : fmt::format("http[{}] no timeout", i));
      }
      // A perTryTimeout cuts streams like a route timeout does (its clock also
      // starts when the request is complete); the retries themselves stay.
      const nlohmann::json::json_pointer per_try_ptr("/retries/perTryTimeout");
      if (route.contains(per_try_ptr)) {
        const nlohmann::json& value = route.at(per_try_ptr);
        per_try.push_back(fmt::format("http[{}] perTryTimeout {}", i,
                                      value.is_string() ? value.get<std::string>() : value.dump()));
        updated.back() = manifest::without_per_try_timeout(updated.back());
      }
    }
    nlohmann::json planned = vs;
    planned["spec"]["http"] = updated;
    planned_vs.push_back(planned);
    if (changed.empty() && per_try.empty()) {
      continue;
    }
    std::vector<std::string> problems;
    std::vector<std::string> fixes;
    if (!changed.empty()) {
      problems.push_back(fmt::format("{} ({})", wanted ? "needs route timeout " + *wanted : "has a route timeout",
                                     fmt::join(changed, ", ")));
      fixes.push_back(wanted ? "set it" : "remove the timeout field from it");
    }
    if (!per_try.empty()) {
      problems.push_back(fmt::format("has a retries.perTryTimeout that cuts streams ({})", fmt::join(per_try, ", ")));
      fixes.push_back("remove retries.perTryTimeout from it");
    }
    const std::string problem = fmt::format("VirtualService {} {}", ref_of(vs), fmt::join(problems, " and "));
    const std::string fix = fmt::format("{} with: kubectl edit virtualservice {} -n {}", fmt::join(fixes, " and "),
                                        str_at(vs, "/metadata/name"), str_at(vs, "/metadata/namespace"));
    cs.changes.push_back(replace_http(vs, updated, o.field_manager, o.force, problem, fix));
    if (!changed.empty()) {
      cs.notes.push_back(fmt::format("VirtualService {}: {} ({})", ref_of(vs),
                                     wanted ? "route timeout set to " + *wanted
                                            : "route timeout removed, so the route has none (an omitted timeout is "
                                              "disabled; Istio rejects 0s)",
                                     fmt::join(changed, ", ")));
    }
    if (!per_try.empty()) {
      cs.notes.push_back(fmt::format("VirtualService {}: retries.perTryTimeout removed, as a try's clock starts when "
                                     "the request is complete and cuts longer server streams; the retries stay ({})",
                                     ref_of(vs), fmt::join(per_try, ", ")));
    }
  }
  if (o.remove && !f.virtual_services.empty()) {
    cs.notes.push_back("Route timeouts and per-try timeouts are left as they are (a removed timeout has no earlier "
                       "value to restore)");
  }

  // 2. One DestinationRule per backend host: ours, or the existing one patched.
  std::vector<std::string> backends;
  for (const auto& b : o.backends) {
    const size_t slash = b.find('/');
    backends.push_back(fmt::format("{}.{}.svc.{}", b.substr(slash + 1), b.substr(0, slash), o.cluster_domain));
  }
  if (backends.empty()) {
    backends = backend_hosts(f.virtual_services, o.prefixes, o.cluster_domain);
  }
  if (backends.empty()) {
    cs.warnings.push_back(fmt::format("no route of {} leads to a backend yet, so no DestinationRule is set; route "
                                      "it first: kubectl grpcmesh expose SERVICE -n NAMESPACE --host {}",
                                      o.host, o.host));
  }
  if (o.remove) {
    // A rule where this host is recorded but that its routes no longer lead
    // to (the route was removed first) still drops the host's entry.
    for (const auto& dr : f.destination_rules) {
      const std::string fqdn = qualify(str_at(dr, "/spec/host"), str_at(dr, "/metadata/namespace"), o.cluster_domain);
      if (stream_record(dr).count(o.host) == 1 && std::find(backends.begin(), backends.end(), fqdn) == backends.end()) {
        backends.push_back(fqdn);
      }
    }
  }
  std::vector<nlohmann::json> planned_dr;
  for (const auto& backend : backends) {
    if (!is_service_host(backend, o.cluster_domain)) {
      cs.notes.push_back(fmt::format("{} is not a Service of this cluster; its connection settings are left alone",
                                     backend));
      continue;
    }
    const auto existing = destination_rule_for(f.destination_rules, backend, o.cluster_domain);
    // Every host routed to this backend shares its rule: the rule records
    // which host asked for what and gets what serves all of them.
    StreamRecord record = existing ? stream_record(*existing) : StreamRecord{};
    if (o.remove) {
      const auto managers = existing ? mesh::field_managers(*existing) : std::vector<std::string>{};
      if (std::find(managers.begin(), managers.end(), o.field_manager) == managers.end()) {
        continue;
      }
      if (!record.empty() && record.erase(o.host) == 0) {
        cs.notes.push_back(fmt::format("DestinationRule {}: {} set no stream settings for {}; the ones {} asked for "
                                       "stay", ref_of(*existing), o.host, backend, hosts_in(record)));
        continue;
      }
      if (record.empty()) {  // the last host (or a rule from before hosts were recorded)
        cs.changes.push_back({mesh::Change::Kind::Release, *existing});
        cs.notes.push_back(fmt::format("DestinationRule {}: the stream settings for {} are removed", ref_of(*existing),
                                       backend));
        continue;
      }
    } else {
      record[o.host] = settings_of(o);
    }
    const HostSettings shared = shared_settings(record);
    manifest::DestinationRuleOptions dr;
    dr.api_version = f.api_version;
    dr.pool = pool_of(shared);
    if (existing) {
      check_destination_rule(*existing, cs);
      dr.name = str_at(*existing, "/metadata/name");
      dr.namespace_name = str_at(*existing, "/metadata/namespace");
      dr.host = str_at(*existing, "/spec/host");
      dr.ours = is_ours(*existing);
      if (!dr.ours && !o.remove) {
        cs.notes.push_back(fmt::format("DestinationRule {} already configures {}: patched (co-owning only the "
                                       "connection pool fields) instead of adding a second rule for the host",
                                       ref_of(*existing), backend));
      }
    } else {
      dr.name = service_of(backend) + "-grpc-stream";
      dr.namespace_name = namespace_of(backend);
      dr.host = backend;
    }
    nlohmann::json recorded = nlohmann::json::object();
    for (const auto& [host, s] : record) {
      recorded[host] = record_entry(s);
    }
    nlohmann::json object = manifest::destination_rule(dr);
    object["metadata"]["annotations"] = {{kStreamSettingsAnnotation, recorded.dump()}};
    cs.changes.push_back({mesh::Change::Kind::Apply, object});
    if (o.remove) {
      cs.notes.push_back(fmt::format("DestinationRule {} keeps the stream settings for {} that {} still {} ({})",
                                     ref_of(*existing), backend, hosts_in(record),
                                     record.size() == 1 ? "asks for" : "ask for", describe(shared)));
      continue;
    }
    if (record.size() > 1) {
      StreamRecord others = record;
      others.erase(o.host);
      cs.notes.push_back(fmt::format("DestinationRule {} is shared with {} (routed to {} too): it gets what serves "
                                     "every host ({})", ref_of(object), hosts_in(others), backend, describe(shared)));
    }
    nlohmann::json merged = existing ? *existing : object;
    merged.merge_patch(object);
    planned_dr.push_back(merged);
    planned_dr.back()["spec"]["host"] = backend;
  }

  // 3. The gateway: report what cuts streams; change it only when asked.
  GatewayTimeouts gateway = detect_gateway_timeouts(f.gateway);
  if (o.gateway_idle_timeout && !o.remove && !f.gateway_deployment) {
    throw Error("cannot find the Deployment of the gateway pods, so --gateway-idle-timeout cannot set their "
                "proxy config; set connectionSettings.httpStreamIdleTimeout in their proxy.istio.io/config "
                "annotation yourself");
  }
  if (f.gateway_deployment && (o.gateway_idle_timeout || o.remove)) {
    // The gateway pods are shared by every host they serve: the Deployment
    // records which host asked for which timeout, the longest one is set, and
    // a host's --remove only drops its own entry.
    const nlohmann::json& d = *f.gateway_deployment;
    std::map<std::string, Duration> record = gateway_idle_timeouts(d);
    const std::optional<Duration> before = longest(record);
    const std::string source = fmt::format("Deployment {} annotation {} (connectionSettings.httpStreamIdleTimeout)",
                                           ref_of(d), kProxyConfigAnnotation);
    if (o.remove) {
      if (record.erase(o.host) == 1) {
        const std::optional<Duration> after = longest(record);
        if (!after) {
          const auto managers = mesh::field_managers(d);
          if (std::find(managers.begin(), managers.end(), o.field_manager) != managers.end()) {
            cs.changes.push_back({mesh::Change::Kind::Release, d});
            cs.warnings.push_back(fmt::format("Deployment {}: the gateway pods restart to drop the stream idle "
                                              "timeout set earlier", ref_of(d)));
          }
        } else {
          cs.changes.push_back({mesh::Change::Kind::Apply, gateway_idle_config(d, record, *after)});
          cs.notes.push_back(fmt::format("Deployment {} keeps a gateway stream idle timeout of {}: {} still {} it",
                                         ref_of(d), format_duration(*after), hosts_of(record),
                                         record.size() == 1 ? "asks for" : "ask for"));
          if (after != before) {
            cs.warnings.push_back(fmt::format("Deployment {}: changing the pod template restarts the gateway pods "
                                              "(rolling)", ref_of(d)));
          }
        }
      }
    } else {
      record[o.host] = *o.gateway_idle_timeout;
      const Duration effective = *longest(record);
      cs.changes.push_back({mesh::Change::Kind::Apply, gateway_idle_config(d, record, effective)});
      cs.warnings.push_back(fmt::format("Deployment {}: changing the pod template restarts the gateway pods (rolling)",
                                        ref_of(d)));
      if (effective != *o.gateway_idle_timeout) {
        std::map<std::string, Duration> others = record;
        others.erase(o.host);
        cs.notes.push_back(fmt::format("Deployment {} keeps a gateway stream idle timeout of {}, the longest any host "
                                       "on these gateway pods asks for ({})", ref_of(d), format_duration(effective),
                                       hosts_of(others)));
      }
      gateway.stream_idle = GatewayTimeout{effective, source};
    }
  }
  if (f.live && !o.remove) {
    for (auto& finding : gateway_findings(gateway)) {
      if (!(o.gateway_idle_timeout && finding.rfind("the gateway closes a stream", 0) == 0)) {
        cs.warnings.push_back(finding);
      }
    }
    if (!gateway.connection_settings_apply && !gateway.profile.empty()) {
      cs.notes.push_back(fmt::format("Istio {} ignores connectionSettings (profile {}); it applies from 1.31",
                                     f.gateway.istio_version, gateway.profile));
    }
  }

  // 4. The effective timeout chain.
  if (!o.remove) {
    const nlohmann::json mesh_retry_default = f.gateway.mesh_config.is_object()
                                                  ? f.gateway.mesh_config.value("defaultHttpRetryPolicy", nlohmann::json())
                                                  : nlohmann::json();
    std::string chain =
        format_chain(timeout_chain(planned_vs, o.prefixes, gateway, backends, planned_dr, mesh_retry_default));
    chain.pop_back();
    cs.notes.push_back(fmt::format("Timeouts a stream on {} meets{}:\n{}", o.host,
                                   f.live ? "" : " (routes and gateway not read: --dry-run=client)", chain));
  }
  return cs;
}

}  // namespace grpcmesh::stream
