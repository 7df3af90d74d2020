#include "core/stream/gateway_settings.hpp"

#include <doctest/doctest.h>

#include "tests/unit/mesh/fixtures.hpp"

using namespace grpcmesh::stream;
using grpcmesh::testing::load_objects;
using nlohmann::json;

namespace {

json pod_with(const std::string& annotation) {
  json pod = {{"metadata", {{"name", "gw-1"}, {"namespace", "istio-system"}}}};
  if (!annotation.empty()) {
    pod["metadata"]["annotations"][kProxyConfigAnnotation] = annotation;
  }
  return pod;
}

}  // namespace

TEST_CASE("gateway settings: Istio's defaults cut nothing") {
  GatewayInputs in;
  in.pods = {pod_with("")};
  in.istio_version = "1.31.0";
  const GatewayTimeouts t = detect_gateway_timeouts(in);
  CHECK_FALSE(t.stream_idle.value.has_value());
  CHECK_FALSE(t.request.value.has_value());
  CHECK(t.profile.empty());
  CHECK(gateway_findings(t).empty());
}

TEST_CASE("gateway settings: the EDGE profile on the pods gives 5m stream idle and request timeouts") {
  GatewayInputs in;
  in.pods = load_objects("stream/gateway-edge.yaml", "Pod");
  in.istio_version = "1.31.0";
  const GatewayTimeouts t = detect_gateway_timeouts(in);
  CHECK(t.profile == "EDGE");
  CHECK(t.stream_idle.value == Duration{300000});
  CHECK(t.request.value == Duration{300000});
  CHECK(t.stream_idle.source ==
        "pod istio-system/istio-ingressgateway-a annotation proxy.istio.io/config (connectionSettings): profile EDGE "
        "default httpStreamIdleTimeout");
  const auto findings = gateway_findings(t);
  REQUIRE(findings.size() == 2);
  CHECK(findings[0].rfind("the gateway closes a stream that sends nothing for 5m (", 0) == 0);
  CHECK(findings[0].find("--gateway-idle-timeout") != std::string::npos);
  CHECK(findings[1].rfind("the gateway ends any request not fully received within 5m (", 0) == 0);
}

TEST_CASE("gateway settings: explicit fields win over the profile, the annotation replaces mesh defaults per field") {
  GatewayInputs in;
  in.mesh_config = json::parse(R"({"defaultConfig":{"connectionSettings":{"profile":"EDGE"},
                                   "proxyMetadata":{"ISTIO_META_IDLE_TIMEOUT":"30m"}}})");
  in.istio_version = "1.32.1";
  GatewayTimeouts t = detect_gateway_timeouts(in);
  CHECK(t.stream_idle.value == Duration{300000});
  CHECK(t.stream_idle.source.rfind("ConfigMap istio-system/istio (mesh defaultConfig.connectionSettings)", 0) == 0);

  in.pods = {pod_with("connectionSettings:\n  profile: EDGE\n  httpStreamIdleTimeout: 1h\n  httpRequestTimeout: 0s\n")};
  t = detect_gateway_timeouts(in);
  CHECK(t.stream_idle.value == Duration{3600000});
  CHECK_FALSE(t.request.value.has_value());
  CHECK(t.downstream_idle.value == Duration{3600000});
  CHECK(gateway_findings(t).size() == 1);

  // the annotation's connectionSettings replaces the mesh's whole field: no profile any more
  in.pods = {pod_with(R"({"connectionSettings":{"httpMaxConcurrentStreams":200}})")};
  t = detect_gateway_timeouts(in);
  CHECK(t.profile.empty());
  CHECK_FALSE(t.stream_idle.value.has_value());
}

TEST_CASE("gateway settings: before Istio 1.31 connectionSettings is ignored") {
  GatewayInputs in;
  in.pods = load_objects("stream/gateway-edge.yaml", "Pod");
  in.istio_version = "1.30.2";
  const GatewayTimeouts t = detect_gateway_timeouts(in);
  CHECK_FALSE(t.connection_settings_apply);
  CHECK(t.profile == "EDGE");
  CHECK_FALSE(t.stream_idle.value.has_value());
  CHECK(istio_at_least("1.31-dev", 1, 31));
  CHECK(istio_at_least("", 1, 31));
  CHECK_FALSE(istio_at_least("1.9.0", 1, 31));
  CHECK(istio_at_least("2.0.0", 1, 31));
}

TEST_CASE("gateway settings: the older downstream idle timeout from the container env") {
  GatewayInputs in;
  json pod = pod_with("");
  pod["spec"]["containers"] = json::parse(R"([{"name":"istio-proxy","env":[{"name":"ISTIO_META_IDLE_TIMEOUT","value":"15m"}]}])");
  in.pods = {pod};
  const GatewayTimeouts t = detect_gateway_timeouts(in);
  CHECK(t.downstream_idle.value == Duration{900000});
  CHECK(t.downstream_idle.source == "pod istio-system/gw-1 env ISTIO_META_IDLE_TIMEOUT");
}

TEST_CASE("gateway settings: setting the stream idle timeout keeps the rest of the annotation") {
  CHECK(proxy_config_with_stream_idle("", Duration{3600000}) ==
        R"({"connectionSettings":{"httpStreamIdleTimeout":"1h"}})");
  CHECK(proxy_config_with_stream_idle("concurrency: 2\nconnectionSettings:\n  profile: EDGE\n", Duration{600000}) ==
        R"({"concurrency":2,"connectionSettings":{"httpStreamIdleTimeout":"10m","profile":"EDGE"}})");
  CHECK(grpcmesh::testing::error_of([] { proxy_config_with_stream_idle("[1, 2]", Duration{1}); }) ==
        "the gateway pods' proxy.istio.io/config annotation is not a ProxyConfig object; fix it first");
}
