// The --dry-run=client -o yaml goldens (tests/testdata/dry-run), composed as
// a GitOps repository would hold them (init, tls, expose, stream, web) over
// an ingress gateway (tests/testdata/oracle/world.yaml), judged by Istio's
// own config generator: a gRPC call reaches the backend over HTTP/2 with no
// route timeout on every server the goldens configure, gRPC-Web meets the
// grpc_web filter first (where Istio puts it on its own GRPC-WEB servers),
// and an unknown host finds no route.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/mesh/local_state.hpp"
#include "core/util/yaml.hpp"
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

TEST_CASE("--local goldens over their repository route gRPC as Istio builds them") {
  // tests/testdata/local/repo with what tls, web and stream printed for it
  // with --local (tests/cli/local_test.cpp), read as the commands read them
  // (a later object replaces a same-named earlier one) on top of the gateway
  // pod of world.yaml, then judged by Istio.
  const fs::path local = fs::path(GRPCMESH_TESTDATA_DIR) / "local";
  std::vector<std::string> inputs = {(fs::path(GRPCMESH_TESTDATA_DIR) / "oracle" / "world.yaml").string(),
                                     (local / "repo").string()};
  for (const char* g : {"tls.yaml", "web.yaml", "stream.yaml"}) {
    inputs.push_back((local / g).string());
  }
  std::istringstream none;
  const grpcmesh::mesh::LocalState state = grpcmesh::mesh::LocalState::load(inputs, none, "default", "kubectl-grpcmesh");
  std::vector<json> objects;
  for (const auto& o : state.objects()) {
    json object = o.object;
    object["metadata"].erase("managedFields");
    objects.push_back(object);
  }
  const fs::path composed = fs::temp_directory_path() / ("grpcmesh-local-oracle-" + std::to_string(::getpid()) + ".yaml");
  {
    std::ofstream out(composed);
    out << grpcmesh::yaml::dump_all(objects);
  }
  const auto route = [](const std::string& name, const std::string& path, const std::string& content_type) {
    json c = call(name, true, "grpc.example.com", content_type);
    c["path"] = path;
    return c;
  };
  const json batch = json::array(
      {{{"name", "local"},
        {"files", json::array({composed.string()})},
        {"calls", json::array({route("greeter", "/helloworld.Greeter/SayHello", "application/grpc"),
                               route("admin", "/admin.v1.Admin/Get", "application/grpc"),
                               route("grpc-web", "/helloworld.Greeter/SayHello", "application/grpc-web+proto")})}}});
  const json results = oracle::run_batch(batch);
  fs::remove(composed);
  const json& r = results[0];
  REQUIRE_MESSAGE(r.value("error", "").empty(), r.dump());
  CHECK_MESSAGE(r["invalid"].empty(), "Istio's validation rejects: " << r["invalid"].dump());
  const std::vector<std::pair<std::string, bool>> expected = {
      {"outbound|50051||greeter.apps.svc.cluster.local", true},  // stream's DestinationRule: keepalive
      {"outbound|7000||admin.apps.svc.cluster.local", true},     // the other team's route, with CORS
  };
  for (size_t i = 0; i < expected.size(); ++i) {
    const json& c = r["calls"][i];
    INFO(c.dump());
    CHECK(c.value("error", "") == "");
    CHECK(c.value("cluster", "") == expected[i].first);
    CHECK(c.value("upstreamProtocol", "") == "HTTP2");
    CHECK(c.value("tcpKeepalive", false) == expected[i].second);
  }
  const json filters = r["calls"][2].value("httpFilters", json::array());
  CHECK_MESSAGE((!filters.empty() && filters[0] == "envoy.filters.http.grpc_web"), r["calls"][2].dump());
}
