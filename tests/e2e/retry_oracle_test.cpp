// Retries, through Istio's own generator: the istio-oracle test binary
// (tests/peers/istio/oracle) builds the gateway's Envoy configuration from
// a snapshot, as istiod does, and reports the retry policy of the route a
// gRPC call takes. Fed with
// - each `expose` dry-run golden (tests/testdata/dry-run/expose-*.yaml, with
//   the host's Gateway from init-https.yaml, the gateway's Service and Pod,
//   the backend's EndpointSlice and the certificate Secret), the policy must
//   be what the flags asked for, or Istio's default without them;
// - each retry fixture of `check` (tests/testdata/check), the policy must
//   show the trap the finding is about, and an object check calls invalid
//   must be one Istio's validation rejects.
// The expected values are written out here, not computed by the code under
// test; the last case compares the retry rules expose and check share
// (core/manifest/retry_policy.hpp) with Istio on hundreds of retryOn values.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "core/manifest/retry_policy.hpp"
#include "harness.hpp"

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const char* const kCalls =
    R"([{"name":"c","port":443,"tls":"tls","authority":"grpc.example.com",)"
    R"("path":"/helloworld.Greeter/SayHello","headers":{"content-type":"application/grpc"}}])";

// The objects around an expose golden: the ingress gateway's Service and Pod
// (as the simulated install has them), the backend's EndpointSlice (the
// golden holds the backend Service's apply configuration) and the Secret the
// Gateway of init-https.yaml names.
const char* const kSupport = R"(apiVersion: v1
kind: Service
metadata: {name: istio-ingressgateway, namespace: istio-system, labels: {app: istio-ingressgateway, istio: ingressgateway}}
spec:
  type: LoadBalancer
  selector: {app: istio-ingressgateway, istio: ingressgateway}
  ports:
  - {name: http2, port: 80, targetPort: 8080}
  - {name: https, port: 443, targetPort: 8443}
---
apiVersion: v1
kind: Pod
metadata: {name: istio-ingressgateway-sim-1, namespace: istio-system, labels: {app: istio-ingressgateway, istio: ingressgateway}}
spec:
  containers: [{name: istio-proxy, image: docker.io/istio/proxyv2:1.31.0}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: greeter-x7k2p, namespace: apps, labels: {kubernetes.io/service-name: greeter}}
addressType: IPv4
ports: [{name: api, port: 50051, protocol: TCP}]
endpoints: [{addresses: [10.0.0.5], conditions: {ready: true}}]
)";

// Runs the oracle on the snapshot paths; returns its answer.
json oracle(const e2e::TempDir& tmp, const std::vector<std::string>& snapshot) {
    std::string joined;
    for (const auto& s : snapshot) {
        joined += (joined.empty() ? "" : ",") + s;
    }
    const fs::path out = tmp.path() / "out.json";
    fs::remove(out);
    e2e::Result r = e2e::run({e2e::cluster("ISTIO_ORACLE"), "-test.run=^TestOracle$", "-snapshot=" + joined,
                              "-calls=" + (tmp.path() / "calls.json").string(), "-out=" + out.string()});
    REQUIRE_MESSAGE(r.ok(), r.describe());
    return json::parse(e2e::read_file(out));
}

}  // namespace

TEST_CASE("retries: Istio generates for each expose golden the retry policy its flags ask for") {
    e2e::TempDir tmp("grpcmesh-retry-oracle");
    tmp.write("calls.json", kCalls);
    const fs::path support = tmp.write("support/objects.yaml", kSupport);
    const std::string secret = e2e::read_file(e2e::source_dir() / "tests/testdata/check/ok-https/secret.yaml");
    const std::string from = "\"name\": \"grpc-cert\"";
    REQUIRE(secret.find(from) != std::string::npos);
    tmp.write("support/secret.yaml",
              std::string(secret).replace(secret.find(from), from.size(), "\"name\": \"grpc-example-com-tls\""));
    const fs::path goldens = e2e::source_dir() / "tests/testdata/dry-run";

    const json istio_default = {{"retryOn", "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes"},
                                {"numRetries", 2}};
    const std::vector<std::pair<std::string, json>> variants = {
        // no retry flag: no retries block, Istio's default (route/retry/retry.go)
        {"expose-appprotocol.yaml", istio_default},
        {"expose-port-naming-name.yaml", istio_default},
        // --retries 3 --retry-on UNAVAILABLE,resource-exhausted --per-try-timeout 2s
        {"expose-retries.yaml",
         {{"retryOn", "unavailable,resource-exhausted"}, {"numRetries", 3}, {"perTryTimeoutMs", 2000}}},
        // --retries 0: no retry policy at all
        {"expose-retries-off.yaml", nullptr},
        // --retry-on unavailable,cancelled,503: 2 retries, 503 as a retriable status code
        {"expose-retry-on-codes.yaml",
         {{"retryOn", "unavailable,cancelled,retriable-status-codes"},
          {"numRetries", 2},
          {"retriableStatusCodes", {503}}}},
    };
    for (const auto& [golden, want] : variants) {
        CAPTURE(golden);
        const json answer =
            oracle(tmp, {(tmp.path() / "support").string(), (goldens / "init-https.yaml").string(),
                         (goldens / golden).string()});
        CAPTURE(answer.dump());
        CHECK(answer.at("invalid").empty());
        REQUIRE(answer.at("calls").size() == 1);
        const json& call = answer["calls"][0];
        CHECK_FALSE(call.contains("error"));
        CHECK(call.value("cluster", "") == "outbound|50051||greeter.apps.svc.cluster.local");
        CHECK(call.value("upstreamProtocol", "") == "HTTP2");
        CHECK(call.value("retry", json()) == want);
    }
}

TEST_CASE("retries: the check fixtures' retry traps are what Istio generates or rejects") {
    e2e::TempDir tmp("grpcmesh-retry-oracle");
    tmp.write("calls.json", kCalls);
    const fs::path fixtures = e2e::source_dir() / "tests/testdata/check";
    const auto retry_of = [&](const std::string& fixture) {
        CAPTURE(fixture);
        const json answer = oracle(tmp, {(fixtures / fixture).string()});
        CAPTURE(answer.dump());
        CHECK(answer.at("invalid").empty());
        REQUIRE(answer.at("calls").size() == 1);
        CHECK(answer["calls"][0].value("cluster", "") == "outbound|50051||greeter.default.svc.cluster.local");
        return answer["calls"][0].value("retry", json());
    };

    // no finding: the gRPC statuses stay in the list, 503 becomes a status code
    CHECK(retry_of("ok-retries-grpc") == json{{"retryOn", "unavailable,cancelled,retriable-status-codes"},
                                              {"numRetries", 3},
                                              {"retriableStatusCodes", {503}}});
    // GM0045: the generated list has no gRPC condition left
    const json no_grpc = retry_of("gm0045-retry-on-without-grpc");
    CHECK(no_grpc == json{{"retryOn", "5xx,connect-failure"}, {"numRetries", 3}});
    for (const char* grpc : {"cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable"}) {
        CHECK(no_grpc.value("retryOn", "").find(grpc) == std::string::npos);
    }
    // GM0046 and GM0047: Envoy gets the per-try timeout
    for (const char* fixture : {"gm0046-per-try-timeout", "gm0047-per-try-timeout-stream"}) {
        CHECK(retry_of(fixture) == json{{"retryOn", "unavailable"}, {"numRetries", 2}, {"perTryTimeoutMs", 5000}});
    }
    // GM0048: attempts 0 leaves the route without any retry policy
    CHECK(retry_of("gm0048-retries-disabled").is_null());

    // GM0049: Istio's validation rejects the VirtualService
    const std::vector<std::pair<std::string, std::string>> invalid = {
        {"gm0049-retry-on-invalid", "\"aborted\" is not a valid retryOn policy"},
        {"gm0049-retry-on-without-attempts", "http retry policy configured when attempts are set to 0 (disabled)"},
    };
    for (const auto& [fixture, error] : invalid) {
        CAPTURE(fixture);
        const json answer = oracle(tmp, {(fixtures / fixture).string()});
        CAPTURE(answer.dump());
        REQUIRE(answer.at("invalid").size() == 1);
        CHECK(answer["invalid"][0].value("kind", "") == "VirtualService");
        CHECK(answer["invalid"][0].value("name", "") == "greeter");
        CHECK(answer["invalid"][0].value("error", "").find(error) != std::string::npos);
    }
}

TEST_CASE("retries: Istio's validation and generator agree with the retryOn rules of expose and check") {
    // Each token alone, and lists: every condition Istio lists, near misses,
    // every number from 0 to 600 and the other ways strconv.Atoi reads one.
    std::vector<std::string> values = {
        "5xx", "gateway-error", "reset", "reset-before-request", "connect-failure", "retriable-4xx",
        "refused-stream", "retriable-status-codes", "retriable-headers", "envoy-ratelimited",
        "http3-post-connect-failure", "cancelled", "deadline-exceeded", "internal", "resource-exhausted",
        "unavailable", "UNAVAILABLE", "Unavailable", "aborted", "deadline_exceeded", "5XX", "retriable-status-code",
        "grpc-unavailable", " unavailable", "unavailable ", "5xx, unavailable", "unavailable,", ",unavailable",
        "unavailable,,cancelled", "503,unavailable", "unavailable,cancelled,503,429", "+503", "-503", "0503",
        "00429", "1e3", "503.0", "99999999999999999999", "0000000000000000000503", "503 ", "retriable-status-codes,503"};
    for (int code = 0; code <= 600; ++code) {
        values.push_back(std::to_string(code));
    }
    std::string objects = R"(apiVersion: v1
kind: Service
metadata: {name: istio-ingressgateway, namespace: istio-system, labels: {istio: ingressgateway}}
spec:
  selector: {istio: ingressgateway}
  ports: [{name: http2, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: istio-ingressgateway-sim-1, namespace: istio-system, labels: {istio: ingressgateway}}
spec:
  containers: [{name: istio-proxy, image: docker.io/istio/proxyv2:1.31.0}]
---
apiVersion: v1
kind: Service
metadata: {name: greeter, namespace: apps}
spec:
  selector: {app: greeter}
  ports: [{name: grpc, port: 50051}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
)";
    json calls = json::array();
    for (size_t i = 0; i < values.size(); ++i) {
        const std::string host = "r" + std::to_string(i) + ".example.com";
        const json vs = {
            {"apiVersion", "networking.istio.io/v1"},
            {"kind", "VirtualService"},
            {"metadata", {{"name", "r" + std::to_string(i)}, {"namespace", "istio-system"}}},
            {"spec",
             {{"hosts", {host}},
              {"gateways", {"gw"}},
              {"http",
               {{{"route", {{{"destination", {{"host", "greeter.apps.svc.cluster.local"},
                                              {"port", {{"number", 50051}}}}}}}},
                 {"retries", {{"attempts", 3}, {"retryOn", values[i]}}}}}}}}};
        objects += "---\n" + vs.dump() + "\n";
        calls.push_back({{"name", std::to_string(i)}, {"port", 80}, {"tls", "plaintext"}, {"authority", host},
                         {"path", "/helloworld.Greeter/SayHello"}, {"headers", {{"content-type", "application/grpc"}}}});
    }
    e2e::TempDir tmp("grpcmesh-retry-on-oracle");
    tmp.write("calls.json", calls.dump());
    const json answer = oracle(tmp, {tmp.write("snapshot/objects.yaml", objects).string()});
    std::set<std::string> invalid;
    for (const auto& o : answer.at("invalid")) {
        invalid.insert(o.at("name").get<std::string>());
    }
    REQUIRE(answer.at("calls").size() == values.size());
    int accepted = 0;
    for (size_t i = 0; i < values.size(); ++i) {
        const std::string& value = values[i];
        CAPTURE(value);
        const bool istio_rejects = invalid.count("r" + std::to_string(i)) == 1;
        CHECK(grpcmesh::manifest::rejected_retry_on_tokens(value).empty() == !istio_rejects);
        if (istio_rejects) {
            continue;
        }
        ++accepted;
        const json& call = answer["calls"][i];
        CAPTURE(call.dump());
        const grpcmesh::manifest::RetryPolicy p =
            grpcmesh::manifest::effective_retry_policy(json{{"attempts", 3}, {"retryOn", value}});
        json want = {{"retryOn", p.retry_on}, {"numRetries", p.num_retries}};
        if (!p.retriable_status_codes.empty()) {
            want["retriableStatusCodes"] = p.retriable_status_codes;
        }
        CHECK(call.value("retry", json()) == want);
    }
    // the numbers Go's net/http names, the conditions and the lists that are right
    CHECK(accepted >= 60 + 16);
}
