// `kubectl grpcmesh grpcurl --host HOST`: the address, TLS name and
// :authority come from the Gateway serving HOST, its workload and Service.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness.hpp"

namespace {

using e2e::Result;
using nlohmann::json;

void must(const Result& r) { REQUIRE_MESSAGE(r.ok(), r.describe()); }

void openssl(const std::vector<std::string>& args, const e2e::TempDir& dir) {
  std::vector<std::string> argv = {"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  e2e::RunOptions options;
  options.cwd = dir.path();
  must(e2e::run(argv, options));
}

// A running "gateway" pod labelled istio=LABEL in NS, and a plaintext GRPC
// Gateway server for HOST on PORT selecting it.
void gateway_for(const std::string& ns, const std::string& label, const std::string& host, int port) {
  must(e2e::apply_yaml("apiVersion: v1\nkind: Pod\nmetadata:\n  name: gw\n  namespace: " + ns +
                       "\n  labels: {istio: " + label + "}\nspec:\n  containers:\n  - name: istio-proxy\n"
                       "    image: docker.io/istio/proxyv2:1.31.0\n"));
  must(e2e::kubectl({"patch", "-n", ns, "pod", "gw", "--subresource=status", "--type=merge", "-p",
                     R"({"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}})"}));
  must(e2e::apply_yaml("apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: grpc\n  namespace: " +
                       ns + "\nspec:\n  selector: {istio: " + label + "}\n  servers:\n  - port: {number: " +
                       std::to_string(port) + ", name: grpc, protocol: GRPC}\n    hosts: [" + host + "]\n"));
}

}  // namespace

TEST_SUITE("grpcurl") {
  TEST_CASE("--host resolves a NodePort gateway Service through a Node's address") {
    const std::string ns = e2e::create_namespace("grpcurl");
    const std::string label = e2e::unique_name("grpcurl-np");
    const std::string host = label + ".example.com";
    gateway_for(ns, label, host, 8080);
    // The Service maps port 80 -> targetPort 8080 (the Gateway server's port);
    // the API server allocates its node port, on which the server then listens.
    must(e2e::apply_yaml("apiVersion: v1\nkind: Service\nmetadata:\n  name: ingress\n  namespace: " + ns +
                         "\nspec:\n  type: NodePort\n  selector: {istio: " + label +
                         "}\n  ports:\n  - {name: grpc, port: 80, targetPort: 8080}\n"));
    Result node_port = e2e::kubectl({"get", "-n", ns, "service", "ingress", "-o", "jsonpath={.spec.ports[0].nodePort}"});
    must(node_port);
    const std::string port = node_port.out;
    e2e::TestServer server({"--port", port});
    // A Node whose address is loopback (no kubelet needed for the object).
    const std::string node = e2e::unique_name("grpcurl-node");
    must(e2e::apply_yaml("apiVersion: v1\nkind: Node\nmetadata:\n  name: " + node + "\n"));
    must(e2e::kubectl({"patch", "node", node, "--subresource=status", "--type=merge", "-p",
                       R"({"status":{"addresses":[{"type":"InternalIP","address":"127.0.0.1"}]}})"}));

    Result r = e2e::plugin({"grpcurl", "-v", "-plaintext", "--host", host, "-d", R"({"message": "via node port"})",
                            "grpcmesh.test.v1.TestService/Echo"});
    e2e::kubectl({"delete", "node", node, "--wait=false"});
    REQUIRE_MESSAGE(r.ok(), r.describe());
    CHECK(r.err.find("  address 127.0.0.1:" + port + ": no load-balancer address, so NodePort " + port +
                     " on a node\n") != std::string::npos);
    CHECK(r.err.find("  h2c (plaintext) with :authority " + host + "\n") != std::string::npos);
    const std::string body = r.out.substr(r.out.find("\nResponse contents:\n") + 20);
    json call = json::parse(body.substr(0, body.find("\n}\n") + 2)).at("call");
    CHECK(call.at("authority") == host);
  }

  TEST_CASE("--port-forward without a kubelet fails with kubectl's reason on one line") {
    // kubectl port-forward streams through the kubelet of the pod's node; this
    // control plane has none, so the tunnel cannot open (the success path is
    // unit-tested: forwarded_address).
    const std::string ns = e2e::create_namespace("grpcurl");
    const std::string label = e2e::unique_name("grpcurl-pf");
    const std::string host = label + ".example.com";
    gateway_for(ns, label, host, 8080);
    must(e2e::apply_yaml("apiVersion: v1\nkind: Service\nmetadata:\n  name: ingress\n  namespace: " + ns +
                         "\nspec:\n  selector: {istio: " + label + "}\n  ports:\n  - {name: grpc, port: 8080}\n"));
    Result no_flag = e2e::plugin({"grpcurl", "-plaintext", "--host", host, "list"});
    CHECK(no_flag.exit_code == 1);
    CHECK(no_flag.err == "error: the gateway Service " + ns + "/ingress has no external address (no load-balancer "
                         "ingress, no reachable NodePort): add --port-forward to tunnel through kubectl port-forward\n");
    e2e::RunOptions with_kubectl;
    with_kubectl.env["PATH"] = std::filesystem::path(e2e::cluster("KUBECTL")).parent_path().string() + ":" +
                               std::string(std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin");
    Result r = e2e::plugin({"grpcurl", "-plaintext", "--host", host, "--port-forward", "list"}, with_kubectl);
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK(r.err.rfind("error: kubectl port-forward to Service " + ns + "/ingress port 8080 failed: ", 0) == 0);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }

  TEST_CASE("--host resolves the Gateway's load-balancer address and calls with SNI and :authority = HOST") {
    const std::string ns = e2e::create_namespace("grpcurl");
    const std::string label = e2e::unique_name("grpcurl-gw");
    const std::string host = label + ".example.com";

    // A CA and a certificate for HOST, like the one `tls --self-signed` writes.
    e2e::TempDir pki("grpcmesh-e2e-pki");
    openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "1",
             "-subj", "/CN=grpcmesh test CA"},
            pki);
    openssl({"req", "-newkey", "rsa:2048", "-nodes", "-keyout", "tls.key", "-out", "tls.csr", "-subj", "/CN=" + host},
            pki);
    pki.write("ext.cnf", "subjectAltName=DNS:" + host + "\n");
    openssl({"x509", "-req", "-in", "tls.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out",
             "tls.crt", "-days", "1", "-extfile", "ext.cnf"},
            pki);
    // The "gateway": a local TLS server whose port the ingress Service exposes on 127.0.0.1.
    e2e::TestServer server({"--tls-cert", (pki.path() / "tls.crt").string(), "--tls-key",
                            (pki.path() / "tls.key").string()});
    const std::string port = std::to_string(server.port());

    must(e2e::apply_yaml("apiVersion: v1\nkind: Pod\nmetadata:\n  name: gw\n  namespace: " + ns +
                         "\n  labels: {istio: " + label + "}\nspec:\n  containers:\n  - name: istio-proxy\n"
                         "    image: docker.io/istio/proxyv2:1.31.0\n"));
    must(e2e::kubectl({"patch", "-n", ns, "pod", "gw", "--subresource=status", "--type=merge", "-p",
                       R"({"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}})"}));
    must(e2e::apply_yaml("apiVersion: v1\nkind: Service\nmetadata:\n  name: ingress\n  namespace: " + ns +
                         "\nspec:\n  type: LoadBalancer\n  selector: {istio: " + label +
                         "}\n  ports:\n  - {name: https, port: " + port + ", targetPort: " + port + "}\n"));
    must(e2e::kubectl({"patch", "-n", ns, "service", "ingress", "--subresource=status", "--type=merge", "-p",
                       R"({"status":{"loadBalancer":{"ingress":[{"ip":"127.0.0.1"}]}}})"}));
    must(e2e::apply_yaml("apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: grpc\n  namespace: " +
                         ns + "\nspec:\n  selector: {istio: " + label + "}\n  servers:\n  - port: {number: " + port +
                         ", name: https, protocol: HTTPS}\n    hosts: [" + host +
                         "]\n    tls: {mode: SIMPLE, credentialName: " + label + "-cert}\n"));

    Result r = e2e::plugin({"grpcurl", "-v", "--host", host, "-cacert", (pki.path() / "ca.crt").string(), "-d",
                            R"({"message": "through the gateway"})", "grpcmesh.test.v1.TestService/Echo"});
    REQUIRE_MESSAGE(r.ok(), r.describe());
    CHECK(r.err.find("Resolved --host " + host + ":\n  host " + host + ": Gateway " + ns + "/grpc server 0 (HTTPS port " +
                     port + ", TLS SIMPLE)\n") != std::string::npos);
    CHECK(r.err.find("  address 127.0.0.1:" + port + " from status.loadBalancer.ingress[].ip\n") != std::string::npos);
    const std::string body = r.out.substr(r.out.find("\nResponse contents:\n") + 20);
    json call = json::parse(body.substr(0, body.find("\n}\n") + 2)).at("call");
    CHECK(call.at("sni") == host);
    CHECK(call.at("authority") == host);
    // The server's own log agrees.
    CHECK(server.log().find("\"authority\":\"" + host + "\"") != std::string::npos);

    // A host no Gateway serves is a clear error, exit 1.
    Result none = e2e::plugin({"grpcurl", "--host", "nobody-" + host, "list"});
    CHECK(none.exit_code == 1);
    CHECK(none.err.find("error: no Istio Gateway server (networking.istio.io) serves host \"nobody-" + host + "\"") == 0);
  }
}
