#include "core/check/deep/deep.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

#include "core/util/error.hpp"

namespace grpcmesh::check::deep {
namespace {

HostFacts facts_of(const HostExpectation& e, const PodState& pod, const Located& at) {
  HostFacts f;
  f.host = e.host;
  f.pod = pod.pod->namespace_name + "/" + pod.pod->name;
  if (at.listener != nullptr) {
    f.listener = at.listener->name;
    f.port = at.listener->port;
  }
  if (at.chain != nullptr) {
    f.server_names = at.chain->server_names;
    f.route_config = at.chain->route_config;
    f.http_filters = at.chain->http_filters;
    f.secrets = at.chain->sds_secrets;
  }
  if (at.virtual_host != nullptr) {
    f.virtual_host = at.virtual_host->name;
    for (const ExpectedRoute& r : e.routes) {
      RouteFacts rf;
      rf.match = r.match;
      if (const HttpRoute* live = first_match(*at.virtual_host, r.path)) {
        rf.route = live->name;
        rf.cluster = live->cluster;
        rf.timeout = live->timeout.value_or("");
        auto c = pod.dump->clusters.find(live->cluster);
        rf.http2 = c != pod.dump->clusters.end() && c->second.http2;
        if (c != pod.dump->clusters.end()) {
          rf.idle_timeout = c->second.idle_timeout.value_or("");
        }
      }
      if (const HttpRoute* pre = first_match(*at.virtual_host, r.path, /*preflight=*/true)) {
        rf.preflight_cors = pre->cors || at.virtual_host->cors;
      }
      f.routes.push_back(std::move(rf));
    }
  }
  return f;
}

}  // namespace

std::string istiod_version(std::string_view body) {
  std::string text(body);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  if (text.empty() || text.size() > 200 || text.find_first_of("{<\n") != std::string::npos) {
    return "";  // not istiod's /version
  }
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    size_t dash = text.find('-', start);
    parts.push_back(text.substr(start, dash - start));
    if (dash == std::string::npos) {
      break;
    }
    start = dash + 1;
  }
  size_t n = parts.size();
  if (n < 3) {
    return text;
  }
  size_t keep = parts[n - 2] == "dirty" && n >= 4 ? n - 3 : n - 2;
  std::string out = parts[0];
  for (size_t i = 1; i < keep; ++i) {
    out += "-" + parts[i];
  }
  return out;
}

DeepReport inspect(const Snapshot& snapshot, const std::vector<std::string>& hosts, IstiodSource& istiod,
                   std::vector<Message>& findings, const Progress& progress) {
  DeepReport report;
  report.istiods = istiod.instances();
  // Every istiod's proxies; a pod connected twice (to two instances) counts once.
  std::vector<ProxySync> syncs;
  std::vector<size_t> sync_istiod;
  auto bodies = istiod.get_all("/debug/syncz");
  for (size_t i = 0; i < bodies.size(); ++i) {
    if (bodies[i].status != 200) {
      throw Error(fmt::format("--deep: istiod {} answered {} to /debug/syncz", report.istiods[i], bodies[i].status));
    }
    std::vector<ProxySync> got;
    try {
      got = parse_syncz(bodies[i].body, report.istiods[i]);
    } catch (const Error& e) {
      throw Error(fmt::format("--deep: {} ({}): is it istiod's debug port?", e.what(), report.istiods[i]));
    }
    for (auto& s : got) {
      syncs.push_back(std::move(s));
      sync_istiod.push_back(i);
    }
    bodies[i].body.clear();
    bodies[i].body.shrink_to_fit();
  }
  // Each istiod's own version (its /version, on the monitoring port: the
  // debug port given directly may not serve it), read as istioctl reads it.
  std::vector<std::string> istiod_versions(report.istiods.size());
  {
    auto versions = istiod.get_all("/version");
    for (size_t i = 0; i < versions.size() && i < istiod_versions.size(); ++i) {
      if (versions[i].status == 200) {
        istiod_versions[i] = istiod_version(versions[i].body);
      }
    }
  }
  std::map<std::string, size_t> by_proxy;
  for (size_t i = 0; i < syncs.size(); ++i) {
    by_proxy.try_emplace(syncs[i].proxy, i);
  }

  std::vector<HostExpectation> expectations;
  std::vector<const Resource*> pods;
  std::set<const Resource*> seen;
  for (const std::string& host : hosts) {
    expectations.push_back(expect_host(snapshot, host));
    for (const Resource* pod : expectations.back().pods) {
      if (seen.insert(pod).second) {
        pods.push_back(pod);
      }
    }
  }

  // One dump per pod, read once whatever the number of hosts it serves.
  std::map<const Resource*, PodState> states;
  std::map<const Resource*, ConfigDump> dumps;
  size_t done = 0;
  for (const Resource* pod : pods) {
    PodState& st = states[pod];
    st.pod = pod;
    st.proxy = pod->name + "." + pod->namespace_name;
    PodFacts pf;
    pf.pod = pod->namespace_name + "/" + pod->name;
    pf.proxy = st.proxy;
    if (auto it = by_proxy.find(st.proxy); it != by_proxy.end()) {
      const ProxySync& sync = syncs[it->second];
      size_t which = sync_istiod[it->second];
      kube::Response r = istiod.get(which, "/debug/config_dump?proxyID=" + st.proxy);
      if (r.status == 200) {
        try {
          dumps[pod] = parse_config_dump(r.body);
        } catch (const Error& e) {
          throw Error(fmt::format("--deep: {} (proxy {}, istiod {})", e.what(), st.proxy, report.istiods[which]));
        }
        st.sync = &sync;
        st.dump = &dumps[pod];
        st.istiod_version = istiod_versions[which];
        pf.istiod = report.istiods[which];
        pf.istio_version = sync.istio_version;
        pf.istiod_version = istiod_versions[which];
        pf.sync = sync.types;
      }
      // A 404: the pod left istiod between the two reads; not connected.
    }
    report.pods.push_back(std::move(pf));
    ++done;
    if (progress) {
      progress(done, pods.size());
    }
  }

  auto analyzers = all_deep_analyzers();
  for (const HostExpectation& e : expectations) {
    for (const Resource* pod : e.pods) {
      const PodState& st = states[pod];
      Located at = st.dump != nullptr ? locate(e, *st.dump) : Located{};
      if (at.server == nullptr && !e.servers.empty()) {
        at.server = &e.servers.front();
      }
      DeepContext ctx(e, st, at, report.istiods, findings);
      for (const auto& a : analyzers) {
        a->analyze(ctx);
      }
      if (st.dump != nullptr) {
        report.hosts.push_back(facts_of(e, st, at));
      }
    }
  }
  return report;
}

nlohmann::ordered_json to_json(const DeepReport& report) {
  nlohmann::ordered_json pods = nlohmann::ordered_json::array();
  for (const PodFacts& p : report.pods) {
    nlohmann::ordered_json sync = nlohmann::ordered_json::array();
    for (const TypeSync& t : p.sync) {
      nlohmann::ordered_json one = {{"type", short_type(t.type_url)}, {"state", t.state}};
      if (!t.error.empty()) {
        one["error"] = t.error;
      }
      sync.push_back(std::move(one));
    }
    pods.push_back({{"pod", p.pod},
                    {"proxy", p.proxy},
                    {"connected", !p.istiod.empty()},
                    {"istiod", p.istiod},
                    {"istioVersion", p.istio_version},
                    {"istiodVersion", p.istiod_version},
                    {"sync", std::move(sync)}});
  }
  nlohmann::ordered_json hosts = nlohmann::ordered_json::array();
  for (const HostFacts& h : report.hosts) {
    nlohmann::ordered_json routes = nlohmann::ordered_json::array();
    for (const RouteFacts& r : h.routes) {
      routes.push_back({{"match", r.match},
                        {"route", r.route},
                        {"cluster", r.cluster},
                        {"timeout", r.timeout},
                        {"http2", r.http2},
                        {"idleTimeout", r.idle_timeout},
                        {"preflightCors", r.preflight_cors}});
    }
    hosts.push_back({{"host", h.host},
                     {"pod", h.pod},
                     {"listener", h.listener},
                     {"port", h.port},
                     {"serverNames", h.server_names},
                     {"routeConfig", h.route_config},
                     {"virtualHost", h.virtual_host},
                     {"httpFilters", h.http_filters},
                     {"routes", std::move(routes)},
                     {"sdsSecrets", h.secrets}});
  }
  return {{"istiod", report.istiods}, {"pods", std::move(pods)}, {"hosts", std::move(hosts)}};
}

void render_human(std::ostream& out, const DeepReport& report) {
  out << fmt::format("\nWhat istiod ({}) sends the gateway pods\n", joined(report.istiods));
  for (const PodFacts& p : report.pods) {
    std::vector<std::string> states;
    for (const TypeSync& t : p.sync) {
      states.push_back(short_type(t.type_url) + " " + t.state);
    }
    out << fmt::format("  pod {}: {}\n", p.pod,
                       p.istiod.empty() ? std::string("not connected to istiod")
                                        : fmt::format("istiod {}{}, Istio {}, {}", p.istiod,
                                                      p.istiod_version.empty() ? "" : " (Istio " + p.istiod_version + ")",
                                                      p.istio_version.empty() ? "?" : p.istio_version, joined(states)));
  }
  for (const HostFacts& h : report.hosts) {
    out << fmt::format("  {} on {}: ", h.host, h.pod);
    if (h.listener.empty()) {
      out << "no filter chain\n";
      continue;
    }
    out << fmt::format("listener {} (port {}), route configuration {}\n", h.listener, h.port,
                       h.route_config.empty() ? "none" : h.route_config);
    out << fmt::format("    http filters: {}\n", joined(h.http_filters));
    for (const RouteFacts& r : h.routes) {
      out << fmt::format("    {} -> {}{}{}\n", r.match, r.cluster.empty() ? "no route" : r.cluster,
                         r.cluster.empty() ? "" : (r.http2 ? " (HTTP/2)" : " (not HTTP/2)"),
                         r.timeout.empty() || r.timeout == "0s" ? "" : ", timeout " + r.timeout);
    }
  }
}

}  // namespace grpcmesh::check::deep
