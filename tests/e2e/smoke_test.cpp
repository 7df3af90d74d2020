// Smoke tests of the foundation: the plugin through real kubectl, the control
// plane with Istio's and Gateway API's CRDs, the simulated Istio install,
// istioctl and the test gRPC server.
#include <doctest/doctest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "harness.hpp"

using e2e::cluster;
using e2e::Result;
using nlohmann::json;

namespace {

using e2e::contains;

size_t line_count(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

// A gRPC VirtualService bound to a gateway; `extra` is appended to its route.
std::string virtual_service(const std::string& ns, const std::string& extra) {
    return "apiVersion: networking.istio.io/v1\n"
           "kind: VirtualService\n"
           "metadata:\n"
           "  name: greeter\n"
           "  namespace: " + ns + "\n"
           "spec:\n"
           "  hosts: [greeter.example.com]\n"
           "  gateways: [istio-system/grpc-gateway]\n"
           "  http:\n"
           "  - match:\n"
           "    - uri:\n"
           "        prefix: /helloworld.Greeter/\n"
           "    route:\n"
           "    - destination:\n"
           "        host: greeter." + ns + ".svc.cluster.local\n"
           "        port:\n"
           "          number: 50051\n" + extra;
}

json get_json(const std::vector<std::string>& args) {
    auto r = e2e::kubectl(args);
    REQUIRE_MESSAGE(r.ok(), r.describe());
    return json::parse(r.out);
}

bool lists_resource(const json& resource_list, const std::string& name) {
    for (const auto& r : resource_list.at("resources")) {
        if (r.at("name") == name) return true;
    }
    return false;
}

}  // namespace

TEST_SUITE("harness") {
    TEST_CASE("run captures stdout, stderr, stdin and the exit code without a shell") {
        e2e::RunOptions options;
        options.stdin_data = "line one\nline two\n";
        auto r = e2e::run({"cat"}, options);
        CHECK_MESSAGE(r.ok(), r.describe());
        CHECK(r.out == "line one\nline two\n");

        // Arguments are passed as they are: no globbing, no variable expansion.
        auto echo = e2e::run({"echo", "$HOME", "*", "a b"});
        CHECK(echo.out == "$HOME * a b\n");

        auto missing = e2e::run({"ls", "/no/such/path"});
        CHECK(missing.exit_code == 2);
        CHECK(contains(missing.err, "/no/such/path"));
    }

    TEST_CASE("run sets and removes environment variables") {
        e2e::RunOptions options;
        options.env["GRPCMESH_E2E_PROBE"] = "value with spaces";
        options.unset.push_back("HOME");
        auto r = e2e::run({"env"}, options);
        REQUIRE(r.ok());
        CHECK(contains(r.out, "GRPCMESH_E2E_PROBE=value with spaces\n"));
        CHECK_FALSE(contains(r.out, "\nHOME="));
    }

    TEST_CASE("run kills a child that outlives its timeout") {
        e2e::RunOptions options;
        options.timeout = std::chrono::milliseconds(300);
        auto start = std::chrono::steady_clock::now();
        auto r = e2e::run({"sleep", "30"}, options);
        CHECK(r.timed_out);
        CHECK_FALSE(r.ok());
        CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
    }

    TEST_CASE("TempDir writes files and removes itself") {
        std::filesystem::path kept;
        {
            e2e::TempDir dir;
            kept = dir.path();
            auto file = dir.write("sub/file.txt", "hello");
            CHECK(e2e::read_file(file) == "hello");
        }
        CHECK_FALSE(std::filesystem::exists(kept));
    }
}

TEST_SUITE("plugin through kubectl") {
    TEST_CASE("kubectl finds the plugin on PATH and runs `kubectl grpcmesh version`") {
        e2e::PluginPath path;
        auto r = path.kubectl({"grpcmesh", "version"});
        REQUIRE_MESSAGE(r.ok(), r.describe());
        CHECK_MESSAGE(contains(r.out, GRPCMESH_VERSION), r.describe());

        auto list = path.kubectl({"plugin", "list"});
        CHECK_MESSAGE(contains(list.out, "kubectl-grpcmesh"), list.describe());
    }

    TEST_CASE("`kubectl grpcmesh --help` works through kubectl") {
        e2e::PluginPath path;
        auto r = path.kubectl({"grpcmesh", "--help"});
        REQUIRE_MESSAGE(r.ok(), r.describe());
        CHECK_MESSAGE(contains(r.out, "kubectl grpcmesh"), r.describe());
        CHECK(contains(r.out, "version"));
    }

    TEST_CASE("an unknown flag exits 2 with kubectl's error and the command's help named as typed") {
        // Through real kubectl, which sets KUBECTL_PATH for its plugins: the
        // help is named "kubectl grpcmesh ...".
        e2e::PluginPath path;
        auto r = path.kubectl({"grpcmesh", "version", "--no-such-flag"});
        CHECK_MESSAGE(r.exit_code == 2, r.describe());
        CHECK_MESSAGE(r.err == "error: unknown flag: --no-such-flag\nSee 'kubectl grpcmesh version --help' for usage.\n",
                      r.describe());
        CHECK(r.out.empty());

        auto root = path.kubectl({"grpcmesh", "--no-such-flag"});
        CHECK_MESSAGE(root.exit_code == 2, root.describe());
        CHECK_MESSAGE(line_count(root.err) == 2, root.describe());
        CHECK_MESSAGE(root.err == "error: unknown flag: --no-such-flag\nSee 'kubectl grpcmesh --help' for usage.\n",
                      root.describe());
    }
}

TEST_SUITE("control plane") {
    TEST_CASE("serves networking.istio.io/v1 virtualservices and gateway.networking.k8s.io/v1 grpcroutes") {
        CHECK(lists_resource(get_json({"get", "--raw", "/apis/networking.istio.io/v1"}), "virtualservices"));
        CHECK(lists_resource(get_json({"get", "--raw", "/apis/networking.istio.io/v1"}), "destinationrules"));
        CHECK(lists_resource(get_json({"get", "--raw", "/apis/networking.istio.io/v1"}), "gateways"));
        CHECK(lists_resource(get_json({"get", "--raw", "/apis/networking.istio.io/v1alpha3"}), "envoyfilters"));
        CHECK(lists_resource(get_json({"get", "--raw", "/apis/gateway.networking.k8s.io/v1"}), "grpcroutes"));
        auto r = e2e::kubectl({"get", "virtualservices.networking.istio.io,grpcroutes.gateway.networking.k8s.io", "-A"});
        CHECK_MESSAGE(r.ok(), r.describe());
    }

    TEST_CASE("a VirtualService with `timeout: 0s` is rejected server-side with 422 and the CEL message") {
        auto ns = e2e::create_namespace("vs-timeout");
        auto bad = e2e::apply_yaml(virtual_service(ns, "    timeout: 0s\n"), {"-v=6"});
        CHECK_FALSE(bad.ok());
        CHECK_MESSAGE(contains(bad.err, "422 Unprocessable Entity"), bad.describe());
        CHECK_MESSAGE(contains(bad.err, "spec.http[0].timeout"), bad.describe());
        CHECK_MESSAGE(contains(bad.err, "must be a valid duration greater than 1ms"), bad.describe());
        CHECK(e2e::kubectl({"get", "virtualservice", "-n", ns, "greeter"}).exit_code != 0);

        auto good = e2e::apply_yaml(virtual_service(ns, "    timeout: 30s\n"));
        CHECK_MESSAGE(good.ok(), good.describe());
    }

    TEST_CASE("the viewer may read services but not secrets, and may not write") {
        auto viewer = cluster("GRPCMESH_VIEWER_KUBECONFIG");
        auto services = e2e::kubectl_as(viewer, {"get", "services", "-n", "istio-system"});
        CHECK_MESSAGE(services.ok(), services.describe());
        auto secrets = e2e::kubectl_as(viewer, {"get", "secrets", "-n", "istio-system"});
        CHECK(secrets.exit_code != 0);
        CHECK_MESSAGE(contains(secrets.err, "Forbidden"), secrets.describe());
        auto create = e2e::kubectl_as(viewer, {"create", "namespace", e2e::unique_name("viewer")});
        CHECK(create.exit_code != 0);
        CHECK_MESSAGE(contains(create.err, "Forbidden"), create.describe());
    }

    TEST_CASE("the static token user authenticates with its bearer token") {
        auto r = e2e::kubectl_as(cluster("GRPCMESH_TOKEN_KUBECONFIG"), {"auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"});
        CHECK_MESSAGE(r.ok(), r.describe());
        CHECK(r.out == cluster("GRPCMESH_TOKEN_USER"));
    }

    TEST_CASE("the simulated Istio install is there as real objects") {
        REQUIRE(cluster("GRPCMESH_ISTIO_SIM") == "1");
        auto svc = get_json({"get", "service", "-n", "istio-system", "istio-ingressgateway", "-o", "json"});
        CHECK(svc["spec"]["type"] == "LoadBalancer");
        CHECK(svc["status"]["loadBalancer"]["ingress"][0]["ip"] == cluster("GRPCMESH_INGRESS_IP"));
        auto pods = get_json({"get", "pods", "-n", "istio-system", "-l", "istio=ingressgateway", "-o", "json"});
        REQUIRE(pods["items"].size() >= 1);
        for (const auto& pod : pods["items"]) {
            CHECK(pod["status"]["phase"] == "Running");
            CHECK_FALSE(pod["status"]["podIP"].get<std::string>().empty());
        }
        auto istiod = get_json({"get", "deployment", "-n", "istio-system", "istiod", "-o", "json"});
        CHECK(istiod["spec"]["template"]["spec"]["containers"][0]["image"] ==
              "docker.io/istio/pilot:" + cluster("GRPCMESH_ISTIO_SIM_VERSION"));
    }
}

TEST_SUITE("peers") {
    TEST_CASE("istioctl validate accepts a correct gRPC VirtualService and rejects `timeout: 0s`, offline") {
        e2e::TempDir dir;
        auto good = dir.write("good.yaml", virtual_service("default", "    timeout: 30s\n"));
        auto bad = dir.write("bad.yaml", virtual_service("default", "    timeout: 0s\n"));
        // No cluster: validation must not need one.
        e2e::RunOptions offline;
        offline.env["KUBECONFIG"] = (dir.path() / "no-such-kubeconfig").string();
        offline.env["HOME"] = dir.path().string();

        auto ok = e2e::istioctl({"validate", "-f", good.string()}, offline);
        CHECK_MESSAGE(ok.ok(), ok.describe());
        CHECK(contains(ok.out + ok.err, "is valid"));

        auto rejected = e2e::istioctl({"validate", "-f", bad.string()}, offline);
        CHECK(rejected.exit_code != 0);
        CHECK_MESSAGE(contains(rejected.out + rejected.err, "duration must be greater than 1ms"), rejected.describe());
    }

    TEST_CASE("the test gRPC server answers grpcurl and logs the :authority it received") {
        e2e::TestServer server;
        auto list = e2e::grpcurl({"-plaintext", server.address(), "list"});
        REQUIRE_MESSAGE(list.ok(), list.describe());
        CHECK(contains(list.out, "helloworld.Greeter"));
        CHECK(contains(list.out, "grpcmesh.test.v1.TestService"));
        CHECK(contains(list.out, "grpc.reflection.v1alpha.ServerReflection"));

        auto hello = e2e::grpcurl({"-plaintext", "-authority", "greeter.example.com", "-d", R"({"name":"e2e"})",
                                   server.address(), "helloworld.Greeter/SayHello"});
        REQUIRE_MESSAGE(hello.ok(), hello.describe());
        CHECK(contains(hello.out, "Hello e2e"));
        CHECK_MESSAGE(contains(server.log(), R"("authority":"greeter.example.com")"), server.log());
    }
}
