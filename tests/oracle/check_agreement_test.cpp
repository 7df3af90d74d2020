// check must agree with Istio: for every host of every check fixture and of
// every mutation generated from the good fixtures, check's verdict on the
// gRPC path (does a gRPC call reach a backend cluster that speaks HTTP/2?)
// must be the one Istio's own config generator gives (the oracle).
// Certificates and endpoint readiness are facts the oracle cannot see; the
// codes about them are left out of check's verdict (docs/check.md).
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <sstream>

#include "core/check/analyzer.hpp"
#include "core/check/file_loader.hpp"
#include "core/check/paths.hpp"
#include "oracle_client.hpp"
#include "scenarios.hpp"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace grpcmesh::check;

fs::path fixtures() { return fs::path(GRPCMESH_TESTDATA_DIR) / "check"; }

// The clock the fixtures' certificates are dated from (2026-06-01).
std::chrono::system_clock::time_point fixture_now() { return std::chrono::system_clock::from_time_t(1780272000); }

// Codes left out of check's verdict on the gRPC path, and why. The same
// table is in docs/check.md ("Agreement with Istio's generator").
const std::map<std::string_view, std::string_view>& excluded_codes() {
  static const std::map<std::string_view, std::string_view> codes = {
      {"GM0003", "a Service the API server rejects: no cluster can hold it"},
      {"GM0022", "Secrets and certificates: Istio's simulation does not model SDS"},
      {"GM0023", "Secrets and certificates: Istio's simulation does not model SDS"},
      {"GM0024", "Secrets and certificates: Istio's simulation does not model SDS"},
      {"GM0025", "Secrets and certificates: Istio's simulation does not model SDS"},
      {"GM0026", "Secrets and certificates: Istio's simulation does not model SDS"},
      {"GM0027", "Secrets and certificates: Istio's simulation does not model SDS"},
      {"GM0028", "Secrets and certificates: Istio's simulation does not model SDS"},
      {"GM0029", "Secrets and certificates: Istio's simulation does not model SDS"},
      {"GM0043", "Secrets and certificates: Istio's simulation does not model SDS"},
      {"GM0053", "cert-manager Certificates: Istio's simulation does not model SDS"},
      {"GM0054", "cert-manager Certificates: Istio's simulation does not model SDS"},
      {"GM0055", "cert-manager Certificates: Istio's simulation does not model SDS"},
      {"GM0056", "cert-manager Certificates: Istio's simulation does not model SDS"},
      {"GM0057", "cert-manager Certificates: Istio's simulation does not model SDS"},
      {"GM0058", "cert-manager Certificates: Istio's simulation does not model SDS"},
      {"GM0059", "cert-manager Certificates: Istio's simulation does not model SDS"},
      {"GM0060", "cert-manager Certificates: Istio's simulation does not model SDS"},
      {"GM0030", "endpoint readiness: the generated configuration does not show it"},
      {"GM0035", "gRPC-Web: about browser calls, judged on them"},
      {"GM0036", "gRPC-Web: about browser calls, judged on them"},
      {"GM0037", "gRPC-Web: about browser calls, judged on them"},
      {"GM0038", "CORS: about browser calls, judged on them"},
      {"GM0047", "stream lifetime: the call reaches the backend; long streams are judged on the route's timeouts"},
  };
  return codes;
}

struct Verdict {
  bool reaches = false;
  std::string why;
};

std::string key(std::string_view kind, std::string_view ns, std::string_view name) {
  return fmt::format("{} {}/{}", kind, ns, name);
}

// check's verdict per host, as its report draws the path: an error on a hop
// of the host's path breaks it (a host check draws no path for is not
// reached). Codes of excluded_codes() are left out.
std::map<std::string, Verdict> check_verdicts(const Result& result, const Snapshot& snapshot,
                                              const std::vector<std::string>& hosts) {
  std::set<std::string> drawn;
  for (const auto& p : trace_paths(snapshot)) {
    drawn.insert(p.host);
  }
  std::map<std::string, Verdict> out;
  for (const auto& host : hosts) {
    Verdict v{true, ""};
    if (drawn.count(host) == 0) {
      v = {false, "no path drawn"};
    }
    for (const auto& f : result.findings) {
      if (f.level != Level::Error || f.host != host || f.hop == Hop::None || excluded_codes().count(f.code) != 0) {
        continue;
      }
      v.reaches = false;
      v.why += (v.why.empty() ? "" : "; ") + std::string(f.code) + " " + f.text;
    }
    out[host] = v;
  }
  return out;
}

Verdict oracle_verdict(const json& call) {
  const std::string error = call.value("error", "");
  if (!error.empty()) {
    return {false, error};
  }
  if (!call.value("clusterFound", false)) {
    return {false, "no cluster " + call.value("cluster", "")};
  }
  const std::string protocol = call.value("upstreamProtocol", "");
  // DOWNSTREAM: the client's protocol, which is HTTP/2 for gRPC; OPAQUE: a
  // TCP proxy (TLS passthrough) hands the client's TLS, and the HTTP/2
  // inside it, to the backend untouched.
  if (protocol != "HTTP2" && protocol != "DOWNSTREAM" && protocol != "OPAQUE") {
    return {false, "upstream " + protocol + " to " + call.value("cluster", "")};
  }
  return {true, call.value("cluster", "")};
}

struct Scenario {
  std::string name;
  std::string group;
  fs::path dir;
  json calls;
};

struct Tally {
  int agree = 0;
  int total = 0;
};

// Runs the scenarios through the oracle and check; returns the
// disagreements, one line each, and counts per group.
std::vector<std::string> compare(const std::vector<Scenario>& scenarios, std::map<std::string, Tally>& tally) {
  json batch = json::array();
  for (const auto& s : scenarios) {
    batch.push_back({{"name", s.name}, {"files", json::array({s.dir.string()})}, {"calls", s.calls}});
  }
  const json results = oracle::run_batch(batch);
  std::vector<std::string> disagreements;
  for (size_t i = 0; i < scenarios.size(); ++i) {
    const auto& s = scenarios[i];
    const auto& r = results[i];
    REQUIRE_MESSAGE(r.value("error", "").empty(), s.name << ": " << r.value("error", ""));
    std::vector<std::string> hosts;
    for (const auto& c : s.calls) {
      hosts.push_back(c["authority"].get<std::string>());
    }
    Snapshot snapshot;
    std::istringstream no_stdin;
    load_files(snapshot, {s.dir.string()}, no_stdin, "default");
    const Result result = run(snapshot, all_analyzers(), fixture_now());
    // Objects Istio's validation rejects (they never reach istiod): check
    // must report an error on each.
    for (const auto& inv : r["invalid"]) {
      const std::string k = key(inv.value("kind", ""), inv.value("namespace", ""), inv.value("name", ""));
      const bool reported = std::any_of(result.findings.begin(), result.findings.end(), [&](const Message& f) {
        return f.level == Level::Error && key(f.resource.kind, f.resource.namespace_name, f.resource.name) == k;
      });
      auto& t = tally["Istio's validation"];
      ++t.total;
      if (reported) {
        ++t.agree;
      } else {
        disagreements.push_back(fmt::format("{}: Istio rejects {} ({}), check reports no error on it", s.name, k,
                                            inv.value("error", "")));
      }
    }
    const auto ours = check_verdicts(result, snapshot, hosts);
    for (size_t j = 0; j < hosts.size(); ++j) {
      const Verdict theirs = oracle_verdict(r["calls"][j]);
      const Verdict& mine = ours.at(hosts[j]);
      auto& t = tally[s.group];
      ++t.total;
      if (mine.reaches == theirs.reaches) {
        ++t.agree;
        continue;
      }
      std::string invalid;
      for (const auto& inv : r["invalid"]) {
        invalid += fmt::format(" [Istio rejects {} {}/{}: {}]", inv.value("kind", ""), inv.value("namespace", ""),
                               inv.value("name", ""), inv.value("error", ""));
      }
      disagreements.push_back(fmt::format("{} host {}: check says {} ({}), Istio says {} ({}){}", s.name, hosts[j],
                                          mine.reaches ? "it reaches" : "it fails", mine.why,
                                          theirs.reaches ? "it reaches" : "it fails", theirs.why, invalid));
    }
  }
  return disagreements;
}

std::string report(const std::map<std::string, Tally>& tally) {
  std::string out;
  for (const auto& [group, t] : tally) {
    out += fmt::format("  {}: {}/{} hosts agree\n", group, t.agree, t.total);
  }
  return out;
}

}  // namespace

TEST_CASE("check agrees with Istio on every check fixture") {
  std::vector<Scenario> scenarios;
  for (const auto& e : fs::directory_iterator(fixtures())) {
    if (!e.is_directory()) {
      continue;
    }
    const auto docs = oracle::read_fixture(e.path());
    json calls = json::array();
    for (const auto& h : oracle::served_hosts(docs)) {
      calls.push_back(oracle::grpc_call_for(docs, h));
    }
    if (calls.empty()) {
      continue;
    }
    scenarios.push_back({e.path().filename().string(), "fixtures", e.path(), calls});
  }
  std::sort(scenarios.begin(), scenarios.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  REQUIRE(scenarios.size() >= 40);
  std::map<std::string, Tally> tally;
  const auto disagreements = compare(scenarios, tally);
  MESSAGE("fixtures judged by Istio's generator:\n" << report(tally));
  for (const auto& d : disagreements) {
    FAIL_CHECK(d);
  }
  CHECK(disagreements.empty());
}

TEST_CASE("check agrees with Istio on mutations of the good fixtures") {
  oracle::TempDir dir;
  const auto mutations = oracle::generate_mutations(fixtures());
  REQUIRE(mutations.size() >= 300);
  std::vector<Scenario> scenarios;
  int n = 0;
  for (const auto& m : mutations) {
    const auto sub = dir.path() / std::to_string(n++);
    fs::create_directory(sub);
    oracle::write_docs(m.docs, sub / "objects.yaml");
    scenarios.push_back({m.name, m.group, sub, m.calls});
  }
  std::map<std::string, Tally> tally;
  const auto disagreements = compare(scenarios, tally);
  MESSAGE(mutations.size() << " mutations judged by Istio's generator:\n" << report(tally));
  for (const auto& d : disagreements) {
    FAIL_CHECK(d);
  }
  CHECK(disagreements.empty());
}
