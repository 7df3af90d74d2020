// GM0062: a listener's certificateRefs to a Secret of another namespace
// without a ReferenceGrant there (istiod: ResolvedRefs False, RefNotPermitted).
#include <doctest/doctest.h>

#include "tests/unit/check/analyzers/gatewayapi_snapshot.hpp"

using check_test::gatewayapi_findings;

namespace {
const std::string kCrossNamespace = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: apps}
spec:
  gatewayClassName: istio
  listeners:
  - name: https
    port: 443
    protocol: HTTPS
    hostname: grpc.example.com
    tls: {mode: Terminate, certificateRefs: [{name: grpc-cert, namespace: certs}]}
)";

std::string grant(const std::string& from_kind, const std::string& from_ns, const std::string& to) {
  return "---\napiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata: {name: g, namespace: certs}\n"
         "spec:\n  from: [{group: gateway.networking.k8s.io, kind: " + from_kind + ", namespace: " + from_ns +
         "}]\n  to: [" + to + "]\n";
}
}  // namespace

TEST_CASE("gatewayapi_certificate_grant: a Secret of another namespace needs a ReferenceGrant there") {
  const std::set<std::string> reported{"GM0062 Gateway apps/gw"};
  CHECK(gatewayapi_findings(kCrossNamespace) == reported);
  CHECK(gatewayapi_findings(kCrossNamespace + grant("Gateway", "apps", "{group: \"\", kind: Secret}")).empty());
  CHECK(gatewayapi_findings(kCrossNamespace + grant("Gateway", "apps", "{group: \"\", kind: Secret, name: grpc-cert}"))
            .empty());
  // A grant for another Secret, another namespace or another kind opens nothing.
  CHECK(gatewayapi_findings(kCrossNamespace + grant("Gateway", "apps", "{group: \"\", kind: Secret, name: other}")) ==
        reported);
  CHECK(gatewayapi_findings(kCrossNamespace + grant("Gateway", "web", "{group: \"\", kind: Secret}")) == reported);
  CHECK(gatewayapi_findings(kCrossNamespace + grant("HTTPRoute", "apps", "{group: \"\", kind: Secret}")) == reported);
  CHECK(gatewayapi_findings(kCrossNamespace + grant("Gateway", "apps", "{group: \"\", kind: Service}")) == reported);
}

TEST_CASE("gatewayapi_certificate_grant: a Secret of the Gateway's namespace needs none") {
  CHECK(gatewayapi_findings("").empty());
}
