// The --dry-run=client -o yaml goldens (tests/testdata/dry-run), composed as
// a GitOps repository would hold them (init, tls, expose, stream, web) over
// an ingress gateway (tests/testdata/oracle/world.yaml), judged by Istio's
// own config generator: a gRPC call reaches the backend over HTTP/2 with no
// route timeout on every server the goldens configure, gRPC-Web meets the
// grpc_web filter first (where Istio puts it on its own GRPC-WEB servers),
// and an unknown host finds no route.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "oracle_client.hpp"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const std::string kGreeter = "outbound|50051||greeter.apps.svc.cluster.local";

fs::path golden(const std::string& name) { return fs::path(GRPCMESH_TESTDATA_DIR) / "dry-run" / (name + ".yaml"); }

json files(const std::vector<std::string>& goldens) {
  json out = json::array({(fs::path(GRPCMESH_TESTDATA_DIR) / "oracle" / "world.yaml").string()});
  for (const auto& g : goldens) {
    REQUIRE_MESSAGE(fs::exists(golden(g)), golden(g));
    out.push_back(golden(g).string());
  }
  return out;
}

json call(const std::string& name, bool tls, const std::string& host = "grpc.example.com",
          const std::string& content_type = "application/grpc") {
  json c = {{"name", name},
            {"port", tls ? 443 : 80},
            {"authority", host},
            {"path", "/helloworld.Greeter/SayHello"},
            {"headers", {{"content-type", content_type}}}};
  if (tls) {
    c["tls"] = "tls";
    c["alpn"] = "h2";
  }
  return c;
}

struct Case {
  std::string name;
  std::vector<std::string> goldens;
  bool https;
  bool h2c;
  bool web = false;
  bool stream = false;
};

}  // namespace

TEST_CASE("dry-run goldens composed into a repository route gRPC as Istio builds them") {
  const std::vector<Case> cases = {
      {"https", {"init-https", "tls-cert-key", "expose-appprotocol"}, true, false},
      {"h2c", {"init-h2c", "expose-appprotocol"}, false, true},
      {"https and h2c, port renamed", {"init-https-h2c", "tls-cert-key", "expose-port-naming-name"}, true, true},
      {"mutual", {"init-mutual", "tls-cert-key", "expose-appprotocol"}, true, false},
      {"stream", {"init-https", "tls-cert-key", "expose-appprotocol", "stream"}, true, false, false, true},
      {"stream tuned", {"init-https", "tls-cert-key", "expose-appprotocol", "stream-tuned"}, true, false, false, true},
      {"web", {"init-https", "tls-cert-key", "expose-appprotocol", "web"}, true, false, true},
  };
  json batch = json::array();
  for (const auto& c : cases) {
    json calls = json::array({call("https", true), call("h2c", false), call("unknown host", true, "other.example.com"),
                              call("grpc-web", true, "grpc.example.com", "application/grpc-web+proto")});
    batch.push_back({{"name", c.name}, {"files", files(c.goldens)}, {"calls", calls}});
  }
  const json results = oracle::run_batch(batch);
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const json& r = results[i];
    INFO(c.name);
    REQUIRE_MESSAGE(r.value("error", "").empty(), r.dump());
    CHECK_MESSAGE(r["invalid"].empty(), "Istio's validation rejects: " << r["invalid"].dump());
    const json& https = r["calls"][0];
    const json& h2c = r["calls"][1];
    for (const auto& [served, result] : {std::pair{c.https, &https}, std::pair{c.h2c, &h2c}}) {
      INFO(result->dump());
      if (!served) {
        CHECK(result->value("error", "") != "");
        continue;
      }
      CHECK(result->value("error", "") == "");
      CHECK(result->value("cluster", "") == kGreeter);
      CHECK(result->value("upstreamProtocol", "") == "HTTP2");
      CHECK((*result)["timeoutMs"] == 0);
      CHECK(result->value("tcpKeepalive", false) == c.stream);
    }
    CHECK_MESSAGE(r["calls"][2].value("error", "") != "", r["calls"][2].dump());
    const json& web = r["calls"][3];
    const json filters = web.value("httpFilters", json::array());
    auto at = [&](const std::string& name) {
      auto it = std::find(filters.begin(), filters.end(), name);
      return it == filters.end() ? -1 : static_cast<int>(it - filters.begin());
    };
    const int grpc_web = at("envoy.filters.http.grpc_web");
    CHECK_MESSAGE((grpc_web >= 0) == c.web, web.dump());
    if (c.web) {
      // First, as on Istio's own GRPC-WEB servers: before grpc_stats, fault,
      // cors and the router.
      for (const char* later : {"envoy.filters.http.grpc_stats", "envoy.filters.http.fault", "envoy.filters.http.cors",
                                "envoy.filters.http.router"}) {
        CHECK_MESSAGE(grpc_web < at(later), later << ": " << web.dump());
      }
    }
  }
}
