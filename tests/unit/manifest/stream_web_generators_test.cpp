#include <doctest/doctest.h>

#include "core/manifest/cors_policy.hpp"
#include "core/manifest/destination_rule.hpp"
#include "core/manifest/grpc_web_filter.hpp"
#include "core/util/error.hpp"
#include "core/util/yaml.hpp"
#include "tests/unit/mesh/fixtures.hpp"

using namespace grpcmesh::manifest;
using grpcmesh::testing::check_golden;
using grpcmesh::testing::error_of;
using grpcmesh::yaml::dump;

TEST_CASE("manifest: DestinationRule with idle timeout, keepalive and max connection duration") {
  DestinationRuleOptions o;
  o.name = "greeter-grpc-stream";
  o.namespace_name = "apps";
  o.host = "greeter.apps.svc.cluster.local";
  o.pool = {"24h", TcpKeepalive{"5m", "30s", 3}, "4h"};
  const nlohmann::json dr = destination_rule(o);
  check_golden("manifest/destination-rule-stream.yaml", dump(dr));
  CHECK_FALSE(dr.contains("/spec/trafficPolicy/connectionPool/http/h2UpgradePolicy"_json_pointer));
  CHECK_FALSE(dr.contains("/spec/trafficPolicy/connectionPool/http/useClientProtocol"_json_pointer));
}

TEST_CASE("manifest: a DestinationRule patch of someone else's rule carries no label and only the set fields") {
  DestinationRuleOptions o;
  o.name = "greeter";
  o.namespace_name = "apps";
  o.api_version = "networking.istio.io/v1beta1";
  o.host = "greeter";
  o.ours = false;
  o.pool.http_idle_timeout = "1h";
  check_golden("manifest/destination-rule-patch.yaml", dump(destination_rule(o)));
}

TEST_CASE("manifest: grpc_web EnvoyFilter first in the chain, for the gateway workload only") {
  const nlohmann::json f =
      grpc_web_filter({"grpc-web-ingressgateway", "istio-system", {{"istio", "ingressgateway"}}});
  check_golden("manifest/envoy-filter-grpc-web.yaml", dump(f));
  CHECK(f["apiVersion"] == "networking.istio.io/v1alpha3");
  CHECK(f["spec"]["configPatches"][0]["match"]["context"] == "GATEWAY");
  CHECK(f["spec"]["configPatches"][0]["patch"]["operation"] == "INSERT_FIRST");
}

TEST_CASE("manifest: grpc_web filter names come from the selector's values") {
  CHECK(grpc_web_filter_name({{"istio", "ingressgateway"}}) == "grpc-web-ingressgateway");
  CHECK(grpc_web_filter_name({{"app", "Edge_GW"}, {"istio", "ingressgateway"}}) == "grpc-web-edge-gw-ingressgateway");
}

TEST_CASE("manifest: CORS policy for gRPC-Web: exact and regex origins, extra headers, credentials") {
  CorsOptions o;
  o.origins = {"https://app.example.com"};
  check_golden("manifest/cors-policy.yaml", dump(cors_policy(o)));
  o.origin_regexes = {"https://.*\\.example\\.com"};
  o.extra_headers = {"Authorization", "x-grpc-web"};
  o.allow_credentials = true;
  o.max_age = "1h";
  check_golden("manifest/cors-policy-credentials.yaml", dump(cors_policy(o)));
}

TEST_CASE("manifest: CORS validation refuses what browsers or Envoy would never match") {
  const auto error = [](CorsOptions o) { return error_of([&] { validate_cors(o); }); };
  CorsOptions ok;
  ok.origins = {"https://app.example.com", "http://localhost:3000", "*"};
  CHECK(error(ok).empty());

  CorsOptions c;
  c.origins = {"app.example.com"};
  CHECK(error(c) == "invalid --allow-origin \"app.example.com\": it is not a URL (no scheme); an origin is "
                    "scheme://host[:port] as the browser sends it, e.g. https://app.example.com (use "
                    "--allow-origin-regex for patterns)");
  c.origins = {"https://app.example.com/"};
  CHECK(error(c).find("it has a path") != std::string::npos);
  c.origins = {"ftp://app.example.com"};
  CHECK(error(c).find("the scheme \"ftp\" is not http or https") != std::string::npos);
  c.origins = {"https://App.example.com"};
  CHECK(error(c).find("lower case") != std::string::npos);
  c.origins = {"https://"};
  CHECK(error(c).find("not a DNS name") != std::string::npos);

  c.origins = {"*"};
  c.allow_credentials = true;
  CHECK(error(c) == "--allow-origin \"*\" cannot be combined with --allow-credentials: browsers refuse credentialed "
                    "responses for any origin; list the origins that may send credentials instead");

  CorsOptions none;
  CHECK(error(none).find("no origin to allow") == 0);
  CorsOptions bad_regex;
  bad_regex.origin_regexes = {"https://(unclosed"};
  CHECK(error(bad_regex) == "invalid --allow-origin-regex \"https://(unclosed\": not a regular expression");
  CorsOptions bad_header;
  bad_header.origins = {"https://app.example.com"};
  bad_header.extra_headers = {"bad header"};
  CHECK(error(bad_header) == "invalid --allow-header \"bad header\": not an HTTP header name");
}
