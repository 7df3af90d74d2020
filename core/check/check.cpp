#include "core/check/check.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>
#include <tuple>

#include "core/check/file_loader.hpp"
#include "core/check/mesh.hpp"
#include "core/check/report.hpp"
#include "core/util/error.hpp"
#include "core/util/yaml.hpp"
#include "core/version.hpp"

namespace grpcmesh::check {
namespace {

// The objects whose findings belong to a host: the VirtualServices serving
// it, the Gateways they bind and the Services they route to, and the Gateways
// whose servers name it.
std::set<ResourceRef> related_to_host(const Snapshot& snapshot, const std::string& host) {
  std::set<ResourceRef> out;
  for (const Resource& gw : snapshot.list(Kind::Gateway)) {
    for (Node server : gw.spec()["servers"]) {
      for (const std::string& h : mesh::server_hosts(server)) {
        if (mesh::host_matches(h, host)) {
          out.insert(gw.ref());
        }
      }
    }
  }
  for (const Resource& vs : snapshot.list(Kind::VirtualService)) {
    bool serves = false;
    for (const std::string& h : mesh::string_list(field(vs.spec(), "hosts"))) {
      serves = serves || mesh::host_matches(h, host);
    }
    if (!serves) {
      continue;
    }
    out.insert(vs.ref());
    for (const auto& g : mesh::gateway_refs(vs)) {
      out.insert({"Gateway", g.namespace_name, g.name});
    }
    for (const auto& d : mesh::destinations(vs)) {
      if (auto s = mesh::service_for_host(d.host, vs.namespace_name)) {
        out.insert({"Service", s->namespace_name, s->name});
      }
    }
  }
  add_gateway_api_related(snapshot, host, out);
  return out;
}

// Whether any VirtualService or Gateway server names `host` (wildcards
// matching as Istio matches them).
bool host_is_named(const Snapshot& snapshot, const std::string& host) {
  for (const Resource& vs : snapshot.list(Kind::VirtualService)) {
    for (const std::string& h : mesh::hosts(vs)) {
      if (mesh::host_matches(h, host)) {
        return true;
      }
    }
  }
  for (const Resource& gw : snapshot.list(Kind::Gateway)) {
    for (Node server : gw.spec()["servers"]) {
      for (const std::string& h : mesh::server_hosts(server)) {
        if (mesh::host_matches(h, host)) {
          return true;
        }
      }
    }
  }
  for (const std::string& h : gateway_api_hosts(snapshot, "")) {
    if (mesh::host_matches(h, host)) {
      return true;
    }
  }
  return false;
}

}  // namespace

void apply_scope(Result& result, std::vector<HostPath>& paths, const Snapshot& snapshot, const Options& options) {
  if (!options.host.empty()) {
    std::set<ResourceRef> related = related_to_host(snapshot, options.host);
    std::erase_if(result.findings, [&](const Message& m) {
      return m.host.empty() ? !related.count(m.resource) : !mesh::host_matches(m.host, options.host);
    });
    std::erase_if(paths, [&](const HostPath& p) { return !mesh::host_matches(p.host, options.host); });
  }
  if (!options.all_namespaces && options.live) {
    // A namespace-scoped live check reports on that namespace's objects; the
    // gateway workload's objects are read too but judged only through them.
    std::set<ResourceRef> related;
    for (const Resource& vs : snapshot.list(Kind::VirtualService)) {
      if (vs.namespace_name == options.namespace_name) {
        for (const std::string& h : mesh::string_list(field(vs.spec(), "hosts"))) {
          auto more = related_to_host(snapshot, h);
          related.insert(more.begin(), more.end());
        }
      }
    }
    const std::vector<std::string> namespace_gateway_api_hosts = gateway_api_hosts(snapshot, options.namespace_name);
    for (const std::string& h : namespace_gateway_api_hosts) {
      auto more = related_to_host(snapshot, h);
      related.insert(more.begin(), more.end());
    }
    // A cluster-scoped object (from the files) is in no namespace: kept.
    std::erase_if(result.findings, [&](const Message& m) {
      return !m.resource.namespace_name.empty() && m.resource.namespace_name != options.namespace_name &&
             !related.count(m.resource);
    });
    std::set<std::string> hosts;
    for (const Resource& vs : snapshot.list(Kind::VirtualService)) {
      if (vs.namespace_name == options.namespace_name) {
        for (const std::string& h : mesh::string_list(field(vs.spec(), "hosts"))) {
          hosts.insert(h);
        }
      }
    }
    // And the hosts of the namespace's Gateway API routes and listeners.
    for (const std::string& h : namespace_gateway_api_hosts) {
      hosts.insert(h);
    }
    // A Gateway of the namespace also draws the hosts no route serves.
    for (const Resource& gw : snapshot.list(Kind::Gateway)) {
      if (gw.namespace_name == options.namespace_name) {
        for (Node server : gw.spec()["servers"]) {
          for (const std::string& h : mesh::server_hosts(server)) {
            hosts.insert(h);
          }
        }
      }
    }
    std::erase_if(paths, [&](const HostPath& p) { return !hosts.count(p.host); });
  }
}

void parse_fail_on(const std::string& text, Options& options) {
  if (text == "error") {
    options.fail_on = Level::Error;
  } else if (text == "warning") {
    options.fail_on = Level::Warning;
  } else if (text == "info") {
    options.fail_on = Level::Info;
  } else if (text == "none") {
    options.fail_never = true;
  } else {
    throw UsageError(fmt::format("invalid --fail-on \"{}\": use error, warning, info or none", text));
  }
}

OutputFormat parse_output(const std::string& text) {
  if (text.empty()) {
    return OutputFormat::Human;
  }
  if (text == "json") {
    return OutputFormat::Json;
  }
  if (text == "yaml") {
    return OutputFormat::Yaml;
  }
  if (text == "sarif") {
    return OutputFormat::Sarif;
  }
  throw UsageError(fmt::format("unable to match a printer suitable for the output format \"{}\", allowed formats are: json,sarif,yaml", text));
}

int run_check(const Options& options, const LiveLoader& live, Streams& streams, const DeepInspector& inspector) {
  Snapshot snapshot;
  if (options.live) {
    live(snapshot, options);
  }
  if (!options.files.empty()) {
    load_files(snapshot, options.files, streams.in, options.namespace_name);
  }
  if (!options.live && options.files.empty()) {
    throw UsageError("nothing to check: give -f FILE|DIR|- with --offline (or when no cluster is configured)");
  }
  auto analyzers = all_analyzers();
  Result result = run(snapshot, analyzers, options.now);
  // SARIF has no place for paths (--deep checks the hosts they draw).
  std::vector<HostPath> paths =
      options.output != OutputFormat::Sarif || options.deep ? trace_paths(snapshot) : std::vector<HostPath>();
  apply_scope(result, paths, snapshot, options);
  std::optional<deep::DeepReport> deep_report;
  if (options.deep && inspector) {
    std::vector<std::string> hosts;
    for (const HostPath& p : paths) {
      hosts.push_back(p.host);
    }
    deep_report = inspector(snapshot, hosts, result.findings, streams);
    std::stable_sort(result.findings.begin(), result.findings.end(), [](const Message& a, const Message& b) {
      return std::tie(a.host, a.code, a.resource) < std::tie(b.host, b.code, b.resource);
    });
  }
  // A host nothing names has no path to draw: say so instead of reporting
  // nothing, and fail as a finding does.
  bool unserved = !options.host.empty() && !host_is_named(snapshot, options.host);
  if (unserved) {
    streams.err << fmt::format("nothing serves host \"{}\": no Gateway server, VirtualService, Gateway API listener or route{} names it{}\n",
                               options.host,
                               options.all_namespaces || !options.live ? "" : " in namespace " + options.namespace_name,
                               options.all_namespaces || !options.live ? "" : " (use -A to look in every namespace)");
    if (options.output == OutputFormat::Human) {
      return options.fail_never ? kExitOk : kExitFindings;
    }
  }
  switch (options.output) {
    case OutputFormat::Json:
    case OutputFormat::Yaml: {
      nlohmann::ordered_json out = to_json(result, paths);
      if (deep_report) {
        out["deep"] = deep::to_json(*deep_report);
      }
      if (options.output == OutputFormat::Json) {
        streams.out << out.dump(2) << '\n';
      } else {
        // The YAML printer sorts keys, like kubectl's.
        streams.out << yaml::dump(nlohmann::json::parse(out.dump()));
      }
      break;
    }
    case OutputFormat::Sarif:
      streams.out << to_sarif(result, build_info().version).dump(2) << '\n';
      break;
    case OutputFormat::Human:
      render_human(streams.out, result, paths, {options.color});
      if (deep_report) {
        deep::render_human(streams.out, *deep_report);
      }
      break;
  }
  if (!options.fail_never && (unserved || has_findings_at(result, options.fail_on))) {
    return kExitFindings;
  }
  return kExitOk;
}

}  // namespace grpcmesh::check
