#include "core/check/report.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

namespace grpcmesh::check {
namespace {

std::string_view sarif_level(Level level) {
  switch (level) {
    case Level::Error:
      return "error";
    case Level::Warning:
      return "warning";
    case Level::Info:
      return "note";
  }
  return "note";
}

struct Palette {
  bool on;
  std::string paint(std::string_view code, std::string_view text) const {
    return on ? fmt::format("\x1b[{}m{}\x1b[0m", code, text) : std::string(text);
  }
  std::string red(std::string_view t) const { return paint("31", t); }
  std::string yellow(std::string_view t) const { return paint("33", t); }
  std::string green(std::string_view t) const { return paint("32", t); }
  std::string bold(std::string_view t) const { return paint("1", t); }
  std::string level(Level l) const {
    switch (l) {
      case Level::Error:
        return red("error");
      case Level::Warning:
        return yellow("warning");
      case Level::Info:
        return "info";
    }
    return "info";
  }
};

std::string resource_text(const Message& m) {
  std::string r = m.resource.namespace_name.empty()
                      ? fmt::format("{} {}", m.resource.kind, m.resource.name)
                      : fmt::format("{} {}/{}", m.resource.kind, m.resource.namespace_name, m.resource.name);
  if (!m.origin.empty()) {
    r += fmt::format(" ({})", m.origin);
  }
  return r;
}

// A cluster-scoped object has no namespace: none is written, as kubectl
// writes none in its metadata.
nlohmann::ordered_json resource_json(const ResourceRef& r) {
  nlohmann::ordered_json out = {{"kind", r.kind}};
  if (!r.namespace_name.empty()) {
    out["namespace"] = r.namespace_name;
  }
  out["name"] = r.name;
  return out;
}

// "Kind/namespace/name", or "Kind/name" for a cluster-scoped object.
std::string qualified_name(const ResourceRef& r) {
  return r.namespace_name.empty() ? fmt::format("{}/{}", r.kind, r.name)
                                  : fmt::format("{}/{}/{}", r.kind, r.namespace_name, r.name);
}

// A hop's status: BROKEN or WARN by its worst finding (infos do not count),
// else UNCHECKED when an analyzer of the hop was skipped, else OK.
enum class HopStatus { Ok, Warn, Broken, Unchecked };
HopStatus hop_status(Hop hop, const std::vector<const Message*>& findings, bool skipped) {
  bool any = false;
  Level worst = Level::Info;
  for (const Message* m : findings) {
    if (m->hop == hop && m->level != Level::Info) {
      any = true;
      worst = std::max(worst, m->level);
    }
  }
  if (any) {
    return worst == Level::Error ? HopStatus::Broken : HopStatus::Warn;
  }
  return skipped ? HopStatus::Unchecked : HopStatus::Ok;
}

// The skipped analyzers drawn under a hop of a path: those of the hop, but
// not those of an API that does not serve the host.
std::vector<const Skipped*> skipped_on(const Result& result, const HostPath& path, Hop hop) {
  std::vector<const Skipped*> out;
  for (const Skipped& s : result.skipped) {
    if (s.hop == hop && !(s.needs_istio && !path.istio) && !(s.gateway_api && !path.gateway_api)) {
      out.push_back(&s);
    }
  }
  return out;
}

std::string_view status_name(HopStatus s) {
  switch (s) {
    case HopStatus::Ok:
      return "OK";
    case HopStatus::Warn:
      return "WARN";
    case HopStatus::Broken:
      return "BROKEN";
    case HopStatus::Unchecked:
      return "UNCHECKED";
  }
  return "OK";
}

void render_finding(std::ostream& out, const Message& m, const Palette& p, std::string_view indent) {
  out << fmt::format("{}{} {} {}: {}\n", indent, p.level(m.level), m.code, resource_text(m), m.text);
  out << fmt::format("{}  fix: {}\n", indent, m.fix);
}

}  // namespace

nlohmann::ordered_json to_json(const Result& result) {
  nlohmann::ordered_json findings = nlohmann::ordered_json::array();
  for (const Message& m : result.findings) {
    findings.push_back({{"code", m.code},
                        {"level", level_name(m.level)},
                        {"message", m.text},
                        {"fix", m.fix},
                        {"resource", resource_json(m.resource)},
                        {"istioCode", m.istio_code}});
  }
  nlohmann::ordered_json skipped = nlohmann::ordered_json::array();
  for (const Skipped& s : result.skipped) {
    skipped.push_back({{"analyzer", s.analyzer}, {"reason", s.reason}});
  }
  return {{"findings", std::move(findings)}, {"skipped", std::move(skipped)}};
}

nlohmann::ordered_json to_json(const Result& result, const std::vector<HostPath>& paths) {
  nlohmann::ordered_json out = {{"schemaVersion", kJsonSchemaVersion}};
  nlohmann::ordered_json base = to_json(result);
  for (auto it = base.begin(); it != base.end(); ++it) {
    out[it.key()] = std::move(it.value());
  }
  std::map<std::string, std::vector<const Message*>> by_host;
  for (const Message& m : result.findings) {
    by_host[m.host].push_back(&m);
  }
  nlohmann::ordered_json drawn = nlohmann::ordered_json::array();
  for (const HostPath& path : paths) {
    nlohmann::ordered_json hops = nlohmann::ordered_json::array();
    for (const PathHop& hop : path.hops) {
      hops.push_back({{"hop", hop_name(hop.hop)},
                      {"label", hop.label},
                      {"status", status_name(hop_status(hop.hop, by_host[path.host],
                                                        !skipped_on(result, path, hop.hop).empty()))}});
    }
    drawn.push_back({{"host", path.host}, {"hops", std::move(hops)}});
  }
  out["paths"] = std::move(drawn);
  return out;
}

nlohmann::json to_sarif(const Result& result, const std::string& tool_version) {
  nlohmann::json rules = nlohmann::json::array();
  std::map<std::string_view, size_t> index;
  for (const CatalogueEntry& e : catalogue()) {
    index[e.code] = rules.size();
    nlohmann::json rule = {{"id", e.code},
                           {"name", e.name},
                           {"shortDescription", {{"text", e.text_template}}},
                           {"help", {{"text", e.fix_template}}},
                           {"defaultConfiguration", {{"level", sarif_level(e.level)}}}};
    if (!e.istio_code.empty()) {
      rule["properties"] = {{"istioCode", e.istio_code}};
    }
    rules.push_back(std::move(rule));
  }
  nlohmann::json results = nlohmann::json::array();
  for (const Message& m : result.findings) {
    nlohmann::json location = {
        {"logicalLocations",
         {{{"fullyQualifiedName", qualified_name(m.resource)}, {"kind", "resource"}}}}};
    if (auto colon = m.origin.rfind(':'); colon != std::string::npos) {
      int line = std::atoi(m.origin.c_str() + colon + 1);
      location["physicalLocation"] = {{"artifactLocation", {{"uri", m.origin.substr(0, colon)}}},
                                      {"region", {{"startLine", line > 0 ? line : 1}}}};
    }
    results.push_back({{"ruleId", m.code},
                       {"ruleIndex", index.at(m.code)},
                       {"level", sarif_level(m.level)},
                       {"message", {{"text", fmt::format("{} Fix: {}", m.text, m.fix)}}},
                       {"locations", {location}}});
  }
  nlohmann::json notifications = nlohmann::json::array();
  for (const Skipped& s : result.skipped) {
    notifications.push_back(
        {{"level", "warning"}, {"message", {{"text", fmt::format("analyzer {} skipped: {}", s.analyzer, s.reason)}}}});
  }
  return {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
          {"version", "2.1.0"},
          {"runs",
           {{{"tool",
              {{"driver",
                {{"name", "kubectl-grpcmesh check"},
                 {"version", tool_version},
                 {"rules", std::move(rules)}}}}},
             {"invocations", {{{"executionSuccessful", true}, {"toolExecutionNotifications", notifications}}}},
             {"results", std::move(results)}}}}};
}

void render_human(std::ostream& out, const Result& result, const std::vector<HostPath>& paths,
                  const HumanOptions& options) {
  Palette p{options.color};
  std::map<std::string, std::vector<const Message*>> by_host;
  for (const Message& m : result.findings) {
    by_host[m.host].push_back(&m);
  }
  std::set<std::string> drawn;
  auto draw_host = [&](const std::string& host, const HostPath* path) {
    drawn.insert(host);
    out << p.bold(host) << '\n';
    const auto& findings = by_host[host];
    if (path != nullptr) {
      out << "  client\n";
      std::string indent = "  ";
      for (const PathHop& hop : path->hops) {
        const std::vector<const Skipped*> skipped = skipped_on(result, *path, hop.hop);
        const HopStatus state = hop_status(hop.hop, findings, !skipped.empty());
        std::string status = state == HopStatus::Broken ? p.red(status_name(state))
                             : state == HopStatus::Ok   ? p.green(status_name(state))
                                                        : p.yellow(status_name(state));
        out << fmt::format("{}└─ {}: {}  {}\n", indent, hop_name(hop.hop), hop.label, status);
        indent += "   ";
        for (const Skipped* s : skipped) {
          out << fmt::format("{}{} {}: {}\n", indent, p.yellow("skipped"), s->analyzer, s->reason);
        }
      }
    }
    for (const Message* m : findings) {
      render_finding(out, *m, p, "  ");
    }
    out << '\n';
  };
  for (const HostPath& path : paths) {
    draw_host(path.host, &path);
  }
  for (const auto& [host, findings] : by_host) {
    if (!host.empty() && !drawn.count(host)) {
      draw_host(host, nullptr);
    }
  }
  if (auto it = by_host.find(""); it != by_host.end() && !it->second.empty()) {
    out << p.bold("Other findings") << '\n';
    for (const Message* m : it->second) {
      render_finding(out, *m, p, "  ");
    }
    out << '\n';
  }
  for (const Skipped& s : result.skipped) {
    out << fmt::format("{} analyzer {}: {}\n", p.yellow("skipped"), s.analyzer, s.reason);
  }
  int counts[3] = {0, 0, 0};
  for (const Message& m : result.findings) {
    ++counts[static_cast<int>(m.level)];
  }
  out << fmt::format("{} error(s), {} warning(s), {} info(s); {} analyzer(s) run, {} skipped\n", counts[2], counts[1],
                     counts[0], result.analyzers_run.size(), result.skipped.size());
}

bool has_findings_at(const Result& result, Level level) {
  for (const Message& m : result.findings) {
    if (m.level >= level) {
      return true;
    }
  }
  return false;
}

}  // namespace grpcmesh::check
