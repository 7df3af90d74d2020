// check's findings carry the code `istioctl analyze` gives the same problem
// (istioCode). On those shared codes, check must agree with Istio's own
// analyzers run on the same files: every Istio message with a shared code is
// matched by a check finding with that istioCode on the same resource, and
// every check finding with an istioCode by such an Istio message. Compared on
// every check fixture and on the input files of Istio's own analyzer tests
// (pkg/config/analysis/analyzers/testdata) that concern ingress paths. Each
// remaining difference is a decision listed below with its reason (and in
// docs/check.md, "Agreement with istioctl analyze").
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

#include "oracle_client.hpp"
#include "core/check/analyzer.hpp"
#include "core/check/file_loader.hpp"
#include "core/check/mesh.hpp"
#include "core/check/messages.hpp"
#include "oracle_client.hpp"
#include "scenarios.hpp"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace grpcmesh::check;

struct Case {
  std::string name;
  std::vector<std::string> files;
};

// The resource a message is about, and the code: what both sides must agree on.
struct Key {
  std::string code;
  std::string kind;
  std::string namespace_name;
  std::string name;
  auto operator<=>(const Key&) const = default;
  std::string str() const { return fmt::format("{} {} {}/{}", code, kind, namespace_name, name); }
};

// Which of a case's resources a decision covers.
enum class Scope {
  Any,
  // VirtualServices bound to no Gateway (only to the mesh).
  MeshOnlyRoute,
  // VirtualServices with no http rule (tcp or tls only).
  NoHttpRoute,
  // A message naming a Gateway ("... in Gateway ns/name.") that the input
  // does not hold.
  GatewayMissing,
  // Gateways without servers.
  GatewayWithoutServers,
  // Cases whose input holds no Pod.
  NoPodsInInput,
  // Gateways whose selector matches none of the input's Pods (when it holds
  // some).
  GatewaySelectsNoPod,
};

// A difference both tools keep on purpose. `missed`: an Istio message check
// does not report; otherwise a check finding Istio does not give. It applies
// to the cases whose name starts with `case_prefix`, to messages with `code`
// on `kind` (any kind when empty) in `scope`, whose text (Istio's for a
// missed message, check's for an extra finding, prefixed with its GM code)
// contains `text`.
struct Decision {
  bool missed;
  std::string_view case_prefix;
  std::string_view code;
  std::string_view kind;
  Scope scope;
  std::string_view text;
  std::string_view reason;
};

constexpr bool kMissed = true;
constexpr bool kExtra = false;

constexpr std::string_view kNotAValidator =
    "IST0106 is all of Istio's validation; check is no schema validator and carries IST0106 only on the validation "
    "errors of the gRPC path it reads (TLS on a plaintext server, durations, h2UpgradePolicy with useClientProtocol, "
    "retries, a route host with a port). istioctl validate and Istio's admission webhook refuse the others.";
constexpr std::string_view kIngressOnly =
    "check reads the ingress paths: routes bound to a Gateway. A VirtualService bound only to the mesh carries no "
    "ingress traffic.";

constexpr std::string_view kNoWorkload =
    "for Gateways that select no pod check reports that (GM0016, IST0101) and nothing about their servers: "
    "conflicts and shared certificates harm no workload. Istio reports all three.";

constexpr std::string_view kPerGateway =
    "Istio reports a bound Gateway that serves none of a VirtualService's hosts (vsHostInGateway); check reports "
    "a host that none of the bound Gateways serves, the host whose calls get 404.";
constexpr std::string_view kSamePods =
    "check finds the Gateways on one workload by the pods their selectors pick, as the gateway does when it "
    "merges their servers; Istio's analyzers compare selectors as labels (CertificateAnalyzer: a Gateway against "
    "those whose selector holds all of its labels, reported on the first only; ConflictingGatewayAnalyzer: one "
    "selector's text contained in the other's), so {app: istio-ingressgateway} and {istio: ingressgateway} on the "
    "same pods escape them, and of {istio} and {istio, app} only the first is reported.";

const std::vector<Decision>& decisions() {
  static const std::vector<Decision> list = {
      // On the check fixtures.
      {kMissed, "fixture ", "IST0101", "Gateway", Scope::NoPodsInInput, "Referenced selector not found",
       "files may leave out Pods: check then finds the gateway workload through the Service in front of it "
       "(docs/check.md, Skipped analyzers), while Istio's analyzers look only at Pods."},
      {kMissed, "fixture ", "IST0132", "VirtualService", Scope::GatewayMissing, "",
       "for a route naming a Gateway that does not exist, check reports the missing Gateway (GM0008, IST0101) and "
       "not also each host as missing from it; Istio reports both."},
      // On Istio's analyzer tests.
      {kMissed, "istio ", "IST0101", "VirtualService", Scope::MeshOnlyRoute, "", kIngressOnly},
      {kMissed, "istio ", "IST0130", "VirtualService", Scope::MeshOnlyRoute, "", kIngressOnly},
      {kMissed, "istio ", "IST0132", "VirtualService", Scope::GatewayMissing, "",
       "for a route naming a Gateway that does not exist, check reports the missing Gateway (GM0008, IST0101) and "
       "not also each host as missing from it; Istio reports both."},
      {kMissed, "istio ", "IST0101", "Gateway", Scope::GatewayWithoutServers, "Referenced selector not found",
       "Istio's ConflictingGatewayAnalyzer looks a selector up among the Gateways that have servers, so a Gateway "
       "without servers is reported as selecting no workload even when pods match; check reports the Gateway "
       "without servers only through Istio's validation (IST0106, see below)."},
      {kMissed, "istio ", "IST0130", "VirtualService", Scope::NoHttpRoute, "",
       "check looks for unreachable rules among http rules, where gRPC is routed; tcp and tls rules do not carry "
       "gRPC calls that check can follow."},
      {kMissed, "istio ", "IST0106", "", Scope::Any, "gateway must have at least one server", kNotAValidator},
      {kMissed, "istio ", "IST0106", "", Scope::Any, "SIMPLE TLS requires", kNotAValidator},
      {kMissed, "istio ", "IST0106", "", Scope::Any, "port names in servers must be unique", kNotAValidator},
      {kMissed, "istio ", "IST0106", "", Scope::Any, "port is required", kNotAValidator},
      {kMissed, "istio ", "IST0106", "", Scope::Any, "destination is required", kNotAValidator},
      {kMissed, "istio ", "IST0106", "", Scope::Any, "total destination weight = 0", kNotAValidator},
      {kMissed, "istio ", "IST0106", "", Scope::Any, "http, tcp or tls must be provided", kNotAValidator},
      {kMissed, "istio ", "IST0106", "", Scope::Any, "is not allowed for virtual services bound to the mesh gateway",
       kNotAValidator},
      {kMissed, "istio ", "IST0106", "", Scope::Any, "invalid value for gateway name", kNotAValidator},
      {kMissed, "istio ", "IST0106", "ServiceEntry", Scope::Any, "", kNotAValidator},
      {kMissed, "istio ", "IST0145", "Gateway", Scope::GatewaySelectsNoPod, "", kNoWorkload},
      {kMissed, "istio ", "IST0138", "Gateway", Scope::GatewaySelectsNoPod, "", kNoWorkload},
      {kExtra, "istio ", "IST0138", "Gateway", Scope::Any, "GM0021", kSamePods},
      {kMissed, "istio host defined in virtualservice not found in the gateway", "IST0132", "VirtualService",
       Scope::Any, "", kPerGateway},
      {kExtra, "istio host defined in virtualservice not found in the gateway with ns", "IST0145", "Gateway",
       Scope::Any, "GM0020",
       "Istio's ConflictingGatewayAnalyzer finds a conflict only between servers that name the same host text "
       "(model.CheckDuplicates, which the gateway merging also applies to TLS servers); check compares hosts "
       "without their namespace part and matches wildcards, so ./h, */h and * on one port conflict for check."},
      // On the mutations of the good fixtures.
      {kMissed, "mutation ok-https/VirtualService exportTo=", "IST0101", "VirtualService", Scope::Any,
       "Referenced host not found",
       "Istio's DestinationHostAnalyzer looks the destination Service up from the VirtualService's namespace (or "
       "its exportTo namespaces); the gateway looks it up from its own namespace, as Istio's generator shows (the "
       "oracle agreement test), and check follows the gateway: a Service exported only to istio-system serves a "
       "route in default through a gateway in istio-system, where the analyzer says the host is not found. A "
       "Service the gateway cannot see is GM0051, which answers that other question and carries no istioCode."},
      {kMissed, "mutation ok-https/both gateways", "IST0132", "VirtualService", Scope::Any, "", kPerGateway},
      {kExtra, "mutation ok-https/first gateway", "IST0132", "VirtualService", Scope::Any, "GM0014", kPerGateway},
      {kExtra, "mutation ok-https/second gateway", "IST0132", "VirtualService", Scope::Any, "GM0014", kPerGateway},
      {kExtra, "mutation ok-https/subset=", "IST0101", "VirtualService", Scope::Any, "GM0052",
       "Istio's DestinationRuleAnalyzer finds a subset in a DestinationRule of any namespace; the gateway applies "
       "only the DestinationRules of its own namespace, the Service's and the root namespace, as Istio's generator "
       "shows (the oracle agreement test), and check follows the gateway."},
      {kExtra, "mutation ok-https/second Gateway selector=", "IST0138", "Gateway", Scope::Any, "GM0021",
       kSamePods},
      {kExtra, "mutation ok-https/second Gateway selector=", "IST0145", "Gateway", Scope::Any, "GM0020",
       kSamePods},
  };
  return list;
}

// The IST codes some check message carries.
std::set<std::string> shared_codes() {
  std::set<std::string> out;
  for (const auto& e : catalogue()) {
    if (!e.istio_code.empty()) {
      out.insert(std::string(e.istio_code));
    }
  }
  return out;
}

struct Side {
  std::map<Key, std::vector<std::string>> messages;  // key -> texts
};

// What the decisions' scopes need to know of a case's input (from check's
// reading of it).
struct Facts {
  std::set<Key> mesh_only;        // VirtualServices bound to no Gateway (code empty)
  std::set<Key> no_http;          // VirtualServices without http rules
  std::set<Key> without_servers;  // Gateways without servers
  std::set<std::string> gateways;  // "ns/name" of every Gateway
  std::set<Key> selecting_nothing;  // Gateways whose selector matches no Pod
  bool pods = false;
};

Side check_side(const Case& c, std::chrono::system_clock::time_point now, Facts& facts) {
  Snapshot snapshot;
  std::istringstream no_stdin;
  load_files(snapshot, c.files, no_stdin, "default");
  const auto analyzers = all_analyzers();
  const Result result = run(snapshot, analyzers, now);
  for (const auto& vs : snapshot.list(Kind::VirtualService)) {
    const Key key{"", "VirtualService", vs.namespace_name, vs.name};
    if (mesh::gateway_refs(vs).empty()) {
      facts.mesh_only.insert(key);
    }
    if (vs.spec()["http"].empty()) {
      facts.no_http.insert(key);
    }
  }
  for (const auto& gw : snapshot.list(Kind::Gateway)) {
    facts.gateways.insert(gw.namespace_name + "/" + gw.name);
    if (gw.spec()["servers"].empty()) {
      facts.without_servers.insert(Key{"", "Gateway", gw.namespace_name, gw.name});
    }
  }
  facts.pods = !snapshot.list(Kind::Pod).empty();
  for (const auto& gw : snapshot.list(Kind::Gateway)) {
    bool selects = false;
    for (const auto& pod : snapshot.list(Kind::Pod)) {
      bool all = true;
      for (const auto& [k, v] : gw.spec()["selector"].items()) {
        all = all && pod.labels()[k] == v;
      }
      selects = selects || all;
    }
    if (facts.pods && !selects) {
      facts.selecting_nothing.insert(Key{"", "Gateway", gw.namespace_name, gw.name});
    }
  }
  Side out;
  for (const auto& f : result.findings) {
    if (f.istio_code.empty()) {
      continue;
    }
    out.messages[{std::string(f.istio_code), f.resource.kind, f.resource.namespace_name, f.resource.name}].push_back(
        fmt::format("{} {}", f.code, f.text));
  }
  return out;
}

Side istio_side(const json& result, const std::set<std::string>& codes) {
  Side out;
  for (const auto& m : result["messages"]) {
    const auto code = m.value("code", "");
    if (codes.count(code) == 0) {
      continue;
    }
    out.messages[{code, m.value("kind", ""), m.value("namespace", ""), m.value("name", "")}].push_back(
        m.value("text", ""));
  }
  return out;
}

// The Gateway "ns/name" a message names ("... in Gateway ns/name."), or "".
std::string named_gateway(const std::string& text) {
  const std::string marker = " in Gateway ";
  const auto at = text.find(marker);
  if (at == std::string::npos) {
    return "";
  }
  std::string name = text.substr(at + marker.size());
  while (!name.empty() && (name.back() == '.' || name.back() == ' ')) {
    name.pop_back();
  }
  return name;
}

bool in_scope(Scope scope, const Key& key, const std::string& text, const Facts& facts) {
  const Key resource{"", key.kind, key.namespace_name, key.name};
  switch (scope) {
    case Scope::Any:
      return true;
    case Scope::MeshOnlyRoute:
      return facts.mesh_only.count(resource) != 0;
    case Scope::NoHttpRoute:
      return facts.no_http.count(resource) != 0;
    case Scope::GatewayMissing: {
      const auto gw = named_gateway(text);
      return !gw.empty() && facts.gateways.count(gw) == 0;
    }
    case Scope::GatewayWithoutServers:
      return facts.without_servers.count(resource) != 0;
    case Scope::NoPodsInInput:
      return !facts.pods;
    case Scope::GatewaySelectsNoPod:
      return facts.selecting_nothing.count(resource) != 0;
  }
  return false;
}

const Decision* decided(bool missed, const std::string& case_name, const Key& key, const std::string& text,
                        const Facts& facts) {
  for (const auto& d : decisions()) {
    if (d.missed == missed && case_name.starts_with(d.case_prefix) && d.code == key.code &&
        (d.kind.empty() || d.kind == key.kind) && text.find(d.text) != std::string::npos &&
        in_scope(d.scope, key, text, facts)) {
      return &d;
    }
  }
  return nullptr;
}

struct Tally {
  int istio = 0;       // Istio messages on shared codes
  int reported = 0;    // of those, matched by a check finding
  int check = 0;       // check findings with an istioCode
  int false_pos = 0;   // of those, matched by no Istio message
  int undecided = 0;   // differences no decision covers
};

// Compares the two sides of every case; returns the undecided differences,
// one line each, and records which decisions were used.
std::vector<std::string> compare(const std::vector<Case>& cases, Tally& tally, std::map<const Decision*, int>& used) {
  json batch = json::array();
  for (const auto& c : cases) {
    batch.push_back({{"name", c.name}, {"files", c.files}, {"namespace", "default"}});
  }
  const json results = oracle::run_analyze(batch);
  // Istio's certificate validity check reads the clock (xds.ValidateCertificate
  // uses time.Now()), so check is run at the same time.
  const auto now = std::chrono::system_clock::now();
  const auto codes = shared_codes();
  std::vector<std::string> out;
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    REQUIRE_MESSAGE(results[i].value("error", "").empty(), c.name << ": " << results[i].value("error", ""));
    const Side theirs = istio_side(results[i], codes);
    Facts facts;
    const Side ours = check_side(c, now, facts);
    for (const auto& [key, texts] : theirs.messages) {
      for (const auto& text : texts) {
        ++tally.istio;
        if (ours.messages.count(key) != 0) {
          ++tally.reported;
          continue;
        }
        if (const auto* d = decided(kMissed, c.name, key, text, facts)) {
          ++used[d];
          continue;
        }
        ++tally.undecided;
        out.push_back(fmt::format("{}: Istio reports {} ({}), check does not", c.name, key.str(), text));
      }
    }
    for (const auto& [key, texts] : ours.messages) {
      for (const auto& text : texts) {
        ++tally.check;
        if (theirs.messages.count(key) != 0) {
          continue;
        }
        ++tally.false_pos;
        if (const auto* d = decided(kExtra, c.name, key, text, facts)) {
          ++used[d];
          continue;
        }
        ++tally.undecided;
        out.push_back(fmt::format("{}: check reports {} ({}), Istio does not", c.name, key.str(), text));
      }
    }
  }
  return out;
}

std::string figures(const Tally& t) {
  return fmt::format(
      "  Istio's messages on shared codes reported by check: {}/{} ({:.1f}%)\n"
      "  check findings with an istioCode that Istio does not give: {} of {}\n"
      "  differences no decision covers: {}\n",
      t.reported, t.istio, t.istio == 0 ? 100.0 : 100.0 * t.reported / t.istio, t.false_pos, t.check, t.undecided);
}

std::vector<Case> fixture_cases() {
  std::vector<Case> out;
  for (const auto& e : fs::directory_iterator(fs::path(GRPCMESH_TESTDATA_DIR) / "check")) {
    if (e.is_directory()) {
      out.push_back({"fixture " + e.path().filename().string(), {e.path().string()}});
    }
  }
  std::sort(out.begin(), out.end(), [](const Case& a, const Case& b) { return a.name < b.name; });
  return out;
}

// The cases of Istio's analyzer test table (analyzers_test.go, testGrid)
// about ingress paths: Gateways and their workloads, ports and secrets,
// VirtualServices' gateways, hosts and destinations, DestinationRules and
// Service ports. Files grouped per case as the table groups them.
//
// Istio's tests add, after the files, the dummy ingress gateway Pod and
// Service that `istioctl analyze` adds to a files-only analysis
// (IstiodAnalyzer.AddDefaultResources); their expectations depend on it. It
// is read from Istio's source (pkg/config/analysis/local/defaults.go, with
// the default mesh config's namespace and ingress Service) into `tmp` and
// given to both sides as the last file.
std::vector<Case> istio_cases(const oracle::TempDir& tmp) {
  const fs::path source = oracle::peer("ISTIO_SOURCE");
  const fs::path dir = source / "pkg/config/analysis/analyzers/testdata";
  std::ifstream in(source / "pkg/config/analysis/local/defaults.go");
  REQUIRE_MESSAGE(in, "cannot read Istio's pkg/config/analysis/local/defaults.go");
  std::string go((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string start = "const defaultIstioIngressGateway = `";
  const auto begin = go.find(start);
  REQUIRE_MESSAGE(begin != std::string::npos, "Istio's defaults.go has no defaultIstioIngressGateway");
  const auto end = go.find('`', begin + start.size());
  REQUIRE(end != std::string::npos);
  std::string defaults = go.substr(begin + start.size(), end - begin - start.size());
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"{{.namespace}}", "istio-system"}, {"{{.ingressService}}", "istio-ingressgateway"}}) {
    for (auto at = defaults.find(from); at != std::string::npos; at = defaults.find(from, at + to.size())) {
      defaults.replace(at, from.size(), to);
    }
  }
  REQUIRE(defaults.find("{{") == std::string::npos);
  const auto defaults_file = tmp.path() / "istio-default-resources.yaml";
  std::ofstream(defaults_file) << defaults;
  const std::vector<std::pair<std::string, std::vector<std::string>>> table = {
      {"gatewayNoWorkload", {"gateway-no-workload.yaml"}},
      {"gatewayBadPort", {"gateway-no-port.yaml"}},
      {"gatewayCorrectPort", {"gateway-correct-port.yaml"}},
      {"gatewayCustomIngressGateway", {"gateway-custom-ingressgateway.yaml"}},
      {"gatewayCustomIngressGatewayBadPort", {"gateway-custom-ingressgateway-badport.yaml"}},
      {"gatewayCustomIngressGatewayBadPortWithoutTarget", {"gateway-custom-ingressgateway-badport-notarget.yaml"}},
      {"gatewayCustomIngressGatewayTranslation", {"gateway-custom-ingressgateway-translation.yaml"}},
      {"gatewayServiceMatchPod", {"gateway-custom-ingressgateway-svcselector.yaml"}},
      {"gatewaySecret", {"gateway-secrets.yaml"}},
      {"gatewaySecretValidations", {"gateway-secrets-validation.yaml"}},
      {"conflicting gateways detect", {"conflicting-gateways.yaml"}},
      {"gateways with different port are non-conflicting", {"gateway-different-port.yaml"}},
      {"conflicting gateways with multiple port declarations", {"conflicting-gateways-multiple-ports.yaml"}},
      {"conflicting gateways detect by sub selector", {"conflicting-gateways-subSelector.yaml"}},
      {"conflicting gateways detect: no port", {"conflicting-gateways-invalid-port.yaml"}},
      {"Analyze conflicting gateway with list type", {"analyze-list-type.yaml"}},
      {"certificate duplication in Gateway", {"gateway-duplicate-certificate.yaml"}},
      {"portNameNotFollowConvention", {"service-no-port-name.yaml"}},
      {"namedPort", {"service-port-name.yaml"}},
      {"virtualServiceDestinationHosts", {"virtualservice_destinationhosts.yaml"}},
      {"virtualServiceDestinationRules", {"virtualservice_destinationrules.yaml"}},
      {"virtualServiceGateways", {"virtualservice_gateways.yaml"}},
      {"virtualServiceInternalGatewayRef", {"virtualservice_internal_gateway_ref.yaml"}},
      {"dupmatches", {"virtualservice_dupmatches.yaml", "virtualservice_overlappingmatches.yaml"}},
      {"host defined in virtualservice not found in the gateway", {"virtualservice_host_not_found_gateway.yaml"}},
      {"host defined in virtualservice not found in the gateway(beta version)",
       {"virtualservice_host_not_found_gateway_beta.yaml"}},
      {"host defined in virtualservice not found in the gateway with ns",
       {"virtualservice_host_not_found_gateway_with_ns_prefix.yaml"}},
      {"host defined in virtualservice not found in the gateway with ns(beta version)",
       {"virtualservice_host_not_found_gateway_with_ns_prefix_beta.yaml"}},
      {"Route Rule no effect on Ingress", {"virtualservice_route_rule_no_effects_ingress.yaml"}},
      {"DestinationRuleWithFakeHost", {"destinationrule-with-fake-host.yaml"}},
      {"DestinationRuleSubsetsNotSelectPods", {"destinationrule-subsets-not-select-pods.yaml"}},
  };
  std::vector<Case> out;
  for (const auto& [name, files] : table) {
    Case c{"istio " + name, {}};
    for (const auto& f : files) {
      REQUIRE_MESSAGE(fs::exists(dir / f), "Istio's analyzer test data has no " << (dir / f).string());
      c.files.push_back((dir / f).string());
    }
    c.files.push_back(defaults_file.string());
    out.push_back(std::move(c));
  }
  return out;
}

void judge(const std::vector<Case>& cases, const std::string& title, std::string_view prefix) {
  Tally tally;
  std::map<const Decision*, int> used;
  const auto undecided = compare(cases, tally, used);
  std::string per_decision;
  for (const auto& d : decisions()) {
    if (used.count(&d) != 0) {
      per_decision += fmt::format("    {} {} {} {} {:?}: {}\n", d.missed ? "missed" : "extra", d.code,
                                  d.kind.empty() ? "*" : d.kind, d.case_prefix, d.text, used[&d]);
    }
  }
  MESSAGE(title << ":\n" << figures(tally) << "  differences by decision:\n" << per_decision);
  for (const auto& d : undecided) {
    FAIL_CHECK(d);
  }
  CHECK(undecided.empty());
  // A decision nothing needs any more is removed, so the list stays the
  // list of real differences.
  for (const auto& d : decisions()) {
    if (d.case_prefix.starts_with(prefix) && used.count(&d) == 0) {
      FAIL_CHECK(fmt::format("decision no longer needed: {} {} {} {:?} ({})", d.case_prefix, d.code, d.kind,
                                 d.text, d.reason));
    }
  }
}

}  // namespace

TEST_CASE("check's istioCodes agree with Istio's analyzers on every check fixture") {
  const auto cases = fixture_cases();
  REQUIRE(cases.size() >= 40);
  judge(cases, fmt::format("{} check fixtures analysed by Istio", cases.size()), "fixture ");
}

TEST_CASE("check's istioCodes agree with Istio's analyzers on Istio's ingress-path analyzer tests") {
  oracle::TempDir tmp;
  const auto cases = istio_cases(tmp);
  judge(cases, fmt::format("{} cases of Istio's analyzer tests", cases.size()), "istio ");
}

TEST_CASE("check's istioCodes agree with Istio's analyzers on mutations of the good fixtures") {
  oracle::TempDir dir;
  const auto mutations = oracle::generate_mutations(fs::path(GRPCMESH_TESTDATA_DIR) / "check");
  REQUIRE(mutations.size() >= 300);
  std::vector<Case> cases;
  int n = 0;
  for (const auto& m : mutations) {
    const auto sub = dir.path() / std::to_string(n++);
    fs::create_directory(sub);
    oracle::write_docs(m.docs, sub / "objects.yaml");
    cases.push_back({"mutation " + m.name, {sub.string()}});
  }
  judge(cases, fmt::format("{} mutations of the good fixtures analysed by Istio", cases.size()), "mutation ");
}
