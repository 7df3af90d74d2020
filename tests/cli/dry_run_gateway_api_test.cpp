// `--dry-run=client -o yaml` of init, tls, expose, stream and web with --api gateway-api,
// run through the built binary with every cluster fact given as a flag (no
// kubeconfig, no cluster), compared with the files in
// tests/testdata/dry-run-gateway-api/. The e2e test gateway_api_test.cpp
// applies the same files with a server-side dry run against the Gateway API
// CRDs, so their schemas and CEL rules are known to accept them.
//
// Rewrite them with
//   GRPCMESH_UPDATE_GOLDEN=1 build/tests/cli/grpcmesh_cli_tests -tc='dry-run gateway-api*'
// and review the diff.
#include <doctest/doctest.h>

#include "cli_util.hpp"

using namespace cli_test;

namespace {

const fs::path kGoldenDir = source_dir() / "tests/testdata/dry-run-gateway-api";

std::string tls_file(const std::string& name) { return (source_dir() / "tests/testdata/tls" / name).string(); }

const std::vector<std::pair<std::string, std::vector<std::string>>>& cases() {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> all = {
      {"init-https.yaml", {"init", "--host", "grpc.example.com", "--gateway-namespace", "istio-ingress"}},
      {"init-https-h2c.yaml",
       {"init", "--host", "grpc.example.com", "--gateway-namespace", "istio-ingress", "--https", "--plaintext",
        "--gateway-class", "istio"}},
      {"init-shared.yaml", {"init", "--host", "grpc.example.com", "--gateway", "infra/shared", "--plaintext"}},
      {"tls-cert-key.yaml",
       {"tls", "--host", "grpc.example.com", "--gateway-namespace", "istio-ingress", "--cert",
        tls_file("grpc.example.com.crt"), "--key", tls_file("grpc.example.com.key")}},
      {"tls-secret-namespace.yaml",
       {"tls", "--host", "grpc.example.com", "--gateway-namespace", "istio-ingress", "--cert",
        tls_file("grpc.example.com.crt"), "--key", tls_file("grpc.example.com.key"), "--secret-namespace", "certs"}},
      {"init-client-ca.yaml",
       {"init", "--host", "grpc.example.com", "--gateway-namespace", "istio-ingress", "--client-ca",
        tls_file("other.crt")}},
      {"tls-issuer.yaml",
       {"tls", "--host", "grpc.example.com", "--gateway-namespace", "istio-ingress", "--issuer", "letsencrypt",
        "--issuer-kind", "ClusterIssuer"}},
      {"tls-issuer-secret-namespace.yaml",
       {"tls", "--host", "grpc.example.com", "--gateway-namespace", "istio-ingress", "--issuer", "letsencrypt",
        "--issuer-kind", "ClusterIssuer", "--secret-namespace", "certs"}},
      {"expose.yaml",
       {"expose", "greeter", "-n", "apps", "--host", "grpc.example.com", "--port", "50051", "--grpc-service",
        "helloworld.Greeter", "--gateway-namespace", "istio-ingress"}},
      {"expose-method.yaml",
       {"expose", "greeter", "-n", "istio-ingress", "--host", "grpc.example.com", "--port", "50051", "--grpc-method",
        "helloworld.Greeter/SayHello", "--app-protocol", "grpc", "--gateway-namespace", "istio-ingress"}},
      {"stream.yaml", {"stream", "--host", "grpc.example.com", "--backend", "apps/greeter"}},
      {"web.yaml",
       {"web", "--host", "grpc.example.com", "--allow-origin", "https://app.example.com", "--gateway-namespace",
        "istio-ingress"}},
  };
  return all;
}

e2e::Result dry_run(std::vector<std::string> args) {
  args.insert(args.end(), {"--api", "gateway-api", "--dry-run=client", "-o", "yaml"});
  return plugin(args);
}

}  // namespace

TEST_CASE("dry-run gateway-api: init, tls, expose, stream and web print their golden objects without a cluster") {
  std::set<std::string> expected;
  for (const auto& file_and_args : cases()) {
    const std::string& file = file_and_args.first;
    const std::vector<std::string>& args = file_and_args.second;
    CAPTURE(file);
    expected.insert(file);
    auto r = dry_run(args);
    REQUIRE_MESSAGE(r.ok(), r.describe());
    CHECK_MESSAGE(r.err.rfind("API: gateway-api (gateway.networking.k8s.io/v1 Gateway and GRPCRoute): --api "
                              "gateway-api\n",
                              0) == 0,
                  r.describe());
    if (updating_goldens()) {
      spit(kGoldenDir / file, r.out);
      continue;
    }
    REQUIRE_MESSAGE(fs::exists(kGoldenDir / file), "no golden file; run with GRPCMESH_UPDATE_GOLDEN=1");
    CHECK_MESSAGE(r.out == slurp(kGoldenDir / file),
                  "output changed; if intended, rerun with GRPCMESH_UPDATE_GOLDEN=1 and review the diff");
  }
  for (const auto& entry : fs::directory_iterator(kGoldenDir)) {
    CHECK_MESSAGE(expected.count(entry.path().filename().string()) == 1,
                  (entry.path().filename().string() + " belongs to no case"));
  }
}

TEST_CASE("dry-run gateway-api: the goldens hold what each variant is about") {
  const auto has = [](const std::string& file, const std::string& text) {
    return slurp(kGoldenDir / file).find(text) != std::string::npos;
  };
  CHECK(has("init-https.yaml", "mode: Terminate"));
  CHECK(has("init-https.yaml", "gatewayClassName: istio"));
  CHECK_FALSE(has("init-https.yaml", "protocol: HTTP\n"));
  CHECK(has("init-https-h2c.yaml", "protocol: HTTP\n"));
  CHECK(has("init-shared.yaml", "name: grpc-example-com-h2c"));
  CHECK_FALSE(has("init-shared.yaml", "gatewayClassName"));  // a shared Gateway gets only the host's listener
  CHECK_FALSE(has("init-shared.yaml", "managed-by"));
  CHECK(has("tls-cert-key.yaml", "type: kubernetes.io/tls"));
  CHECK(has("tls-cert-key.yaml", "namespace: istio-ingress"));
  CHECK(has("tls-secret-namespace.yaml", "kind: ReferenceGrant"));
  CHECK(has("tls-secret-namespace.yaml", "      kind: Secret\n      name: grpc-example-com-tls"));
  CHECK(has("init-client-ca.yaml", "kind: ConfigMap"));
  CHECK(has("init-client-ca.yaml", "    ca.crt: |\n      -----BEGIN CERTIFICATE-----"));
  CHECK(has("init-client-ca.yaml", "        perPort:\n        - port: 443\n"));
  CHECK(has("init-client-ca.yaml", "                kind: ConfigMap\n                name: grpc-example-com-client-ca"));
  CHECK(has("tls-issuer.yaml", "kind: Certificate"));
  CHECK(has("tls-issuer.yaml", "  namespace: istio-ingress\n"));
  CHECK(has("tls-issuer.yaml", "  secretName: grpc-example-com-tls\n"));
  CHECK_FALSE(has("tls-issuer.yaml", "ReferenceGrant"));
  CHECK(has("tls-issuer-secret-namespace.yaml", "    namespace: certs\n"));
  CHECK(has("tls-issuer-secret-namespace.yaml", "kind: ReferenceGrant"));
  CHECK(has("expose.yaml", "appProtocol: kubernetes.io/h2c"));
  CHECK(has("expose.yaml", "kind: GRPCRoute"));
  CHECK(has("expose.yaml", "kind: ReferenceGrant"));
  CHECK(has("expose-method.yaml", "method: SayHello"));
  CHECK(has("expose-method.yaml", "appProtocol: grpc"));
  CHECK_FALSE(has("expose-method.yaml", "ReferenceGrant"));
  CHECK(has("stream.yaml", "kind: DestinationRule"));
  CHECK(has("stream.yaml", "idleTimeout: 24h"));
  CHECK(has("web.yaml", "name: envoy.filters.http.grpc_web"));
  CHECK(has("web.yaml", "gateway.networking.k8s.io/gateway-name: grpc-example-com"));
  CHECK(has("web.yaml", "applyTo: VIRTUAL_HOST"));
  CHECK(has("web.yaml", "domainName: grpc.example.com"));
  CHECK(has("web.yaml", "- exact: https://app.example.com"));
}

TEST_CASE("dry-run gateway-api: flags of the other API are refused in one line") {
  const auto error_of = [](std::vector<std::string> args) {
    auto r = plugin(args);
    CHECK(r.exit_code == 2);
    return r.err.substr(0, r.err.find('\n'));
  };
  CHECK(error_of({"init", "--host", "grpc.example.com", "--api", "istio", "--gateway", "infra/shared",
                  "--gateway-namespace", "istio-system", "--dry-run=client"}) ==
        "error: --gateway names a Gateway API Gateway; pass --api gateway-api");
  CHECK(error_of({"expose", "greeter", "--host", "grpc.example.com", "--api", "gateway-api", "--retries", "3",
                  "--gateway-namespace", "istio-ingress", "--port", "50051", "--dry-run=client"}) ==
        "error: --retries is for Istio's VirtualService (a GRPCRoute of the standard channel has no retry policy); "
        "pass --api istio, or drop it");
  CHECK(error_of({"expose", "greeter", "--host", "grpc.example.com", "--grpc-method", "helloworld.Greeter/SayHello",
                  "--gateway-namespace", "istio-system", "--port", "50051", "--dry-run=client"}) ==
        "error: --grpc-method is for the Gateway API's GRPCRoute; pass --api gateway-api");
  CHECK(error_of({"tls", "--host", "grpc.example.com", "--api", "istio", "--self-signed", "--secret-namespace",
                  "certs", "--gateway-namespace", "istio-system", "--dry-run=client"}) ==
        "error: --secret-namespace is for a Gateway API Gateway's certificateRefs; pass --api gateway-api (Istio's "
        "Gateway reads the Secret from the gateway pods' namespace)");
  CHECK(error_of({"stream", "--host", "grpc.example.com", "--api", "gateway-api", "--backend", "apps/greeter",
                  "--timeout", "1h", "--dry-run=client"}) ==
        "error: --timeout is for Istio's VirtualService: a GRPCRoute has no timeouts field, and Istio gives its routes "
        "none; pass --api istio, or drop it");
  CHECK(error_of({"stream", "--host", "grpc.example.com", "--api", "gateway-api", "--backend", "apps/greeter",
                  "--gateway-idle-timeout", "1h", "--dry-run=client"})
            .rfind("error: --gateway-idle-timeout changes the Deployment of Istio's ingress gateway pods", 0) == 0);
  CHECK(error_of({"web", "--host", "grpc.example.com", "--api", "gateway-api", "--allow-origin",
                  "https://app.example.com", "--selector", "app=gw", "--gateway-namespace", "istio-ingress",
                  "--dry-run=client"})
            .rfind("error: --selector is for Istio's ingress gateway pods", 0) == 0);
  CHECK(error_of({"web", "--host", "grpc.example.com", "--api", "istio", "--allow-origin", "https://app.example.com",
                  "--gateway", "infra/shared", "--gateway-namespace", "istio-system", "--dry-run=client"}) ==
        "error: --gateway names a Gateway API Gateway; pass --api gateway-api");
  // tls --ca: the Gateway API keeps the client CA on the Gateway, which init --client-ca sets.
  CHECK(error_of({"tls", "--host", "grpc.example.com", "--api", "gateway-api", "--self-signed", "--ca",
                  tls_file("other.crt"), "--gateway-namespace", "istio-ingress", "--dry-run=client"}) ==
        "error: --ca: the Gateway API reads the client CA from the Gateway's spec.tls.frontend, not from the "
        "listener's Secret; set it with kubectl grpcmesh init --host grpc.example.com --api gateway-api --client-ca "
        "FILE, and drop --ca here");
  CHECK(error_of({"tls", "--host", "grpc.example.com", "--api", "istio", "--issuer", "letsencrypt",
                  "--secret-namespace", "certs", "--gateway-namespace", "istio-system", "--dry-run=client"}) ==
        "error: --secret-namespace is for a Gateway API Gateway's certificateRefs; pass --api gateway-api (Istio's "
        "Gateway reads the Secret from the gateway pods' namespace)");
  const std::string bad_value = error_of({"init", "--host", "grpc.example.com", "--api", "gateway", "--dry-run=client"});
  CHECK_MESSAGE(bad_value.find("--api") != std::string::npos, bad_value);
  CHECK_MESSAGE(bad_value.find("gateway-api") != std::string::npos, bad_value);
}

TEST_CASE("dry-run gateway-api: --client-ca on a shared Gateway is refused, the Gateway API validates per port") {
  auto r = plugin({"init", "--host", "grpc.example.com", "--api", "gateway-api", "--gateway", "infra/shared",
                   "--client-ca", tls_file("other.crt"), "--dry-run=client", "-o", "yaml"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK_MESSAGE(r.err.rfind("error: --client-ca cannot go on shared Gateway infra/shared: the Gateway API asks for "
                            "client certificates per Gateway port (spec.tls.frontend)",
                            0) == 0,
                r.describe());
}
