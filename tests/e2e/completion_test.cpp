// Completion through real kubectl: `kubectl grpcmesh <TAB>` makes kubectl run
// `kubectl __complete grpcmesh ...`, which finds kubectl_complete-grpcmesh on
// PATH and relays its candidates. Values come from the control plane.
#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>

#include "harness.hpp"

namespace {

// The candidate values (before any tab) of a completion answer, without the
// directive line; the directive is returned through `directive`.
std::vector<std::string> candidates(const std::string& out, std::string* directive = nullptr) {
    std::vector<std::string> values;
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with(":")) {
            if (directive != nullptr) *directive = line;
            continue;
        }
        values.push_back(line.substr(0, line.find('\t')));
    }
    return values;
}

bool has(const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

// The plugin's own visible commands, as it completes them.
std::vector<std::string> plugin_commands() {
    auto r = e2e::run({e2e::plugin_path().string(), "__completeNoDesc", ""});
    REQUIRE_MESSAGE(r.ok(), r.describe());
    return candidates(r.out);
}

}  // namespace

TEST_SUITE("completion") {
    TEST_CASE("kubectl grpcmesh <prefix><TAB> completes every command through real kubectl") {
        e2e::PluginPath path;
        const auto commands = plugin_commands();
        REQUIRE(has(commands, "version"));
        for (const std::string& command : commands) {
            auto r = path.kubectl({"__complete", "grpcmesh", command.substr(0, 2)});
            CAPTURE(r.describe());
            REQUIRE(r.ok());
            std::string directive;
            CHECK(has(candidates(r.out, &directive), command));
            CHECK(directive == ":4");
        }
        // kubectl itself offers the plugin's name.
        auto top = path.kubectl({"__complete", "grpcm"});
        CHECK(has(candidates(top.out), "grpcmesh"));
    }

    TEST_CASE("kubectl grpcmesh ex<TAB> completes expose") {
        if (!has(plugin_commands(), "expose")) {
            MESSAGE("this build has no expose command yet");
            return;
        }
        e2e::PluginPath path;
        auto r = path.kubectl({"__complete", "grpcmesh", "ex"});
        REQUIRE_MESSAGE(r.ok(), r.describe());
        CHECK(candidates(r.out) == std::vector<std::string>{"expose"});
    }

    TEST_CASE("kubectl grpcmesh expose -n <TAB> lists the control plane's namespaces") {
        const std::string ns = e2e::create_namespace("complete");
        e2e::PluginPath path;
        auto r = path.kubectl({"__complete", "grpcmesh", "expose", "-n", ""});
        REQUIRE_MESSAGE(r.ok(), r.describe());
        std::string directive;
        const auto values = candidates(r.out, &directive);
        CHECK(has(values, ns));
        CHECK(has(values, "default"));
        CHECK(has(values, "istio-system"));
        CHECK(directive == ":4");
        // A prefix narrows the list.
        auto narrowed = path.kubectl({"__complete", "grpcmesh", "expose", "--namespace", ns.substr(0, 10)});
        CHECK(has(candidates(narrowed.out), ns));
        CHECK_FALSE(has(candidates(narrowed.out), "default"));
    }

    TEST_CASE("Services, Gateways and Gateway hosts complete from the cluster") {
        const std::string ns = e2e::create_namespace("complete");
        auto svc = e2e::apply_yaml("apiVersion: v1\nkind: Service\nmetadata:\n  name: greeter\n  namespace: " + ns +
                                   "\nspec:\n  ports:\n  - name: grpc\n    port: 50051\n");
        REQUIRE_MESSAGE(svc.ok(), svc.describe());
        auto gw = e2e::apply_yaml("apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: edge\n"
                                  "  namespace: " + ns + "\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n"
                                  "  - port: {number: 80, name: http, protocol: HTTP}\n"
                                  "    hosts: [\"" + ns + "/greeter.example.com\", \"*.wild.example.com\"]\n");
        REQUIRE_MESSAGE(gw.ok(), gw.describe());
        if (!has(plugin_commands(), "expose")) {
            MESSAGE("this build has no expose command (SERVICE, --gateway, --host) yet");
            return;
        }
        e2e::PluginPath path;
        auto services = e2e::plugin({"__complete", "-n", ns, "expose", ""});
        CHECK(services.out.find("greeter\tports grpc:50051\n") != std::string::npos);
        auto gateways = path.kubectl({"__complete", "grpcmesh", "expose", "greeter", "--gateway", ""});
        CHECK(has(candidates(gateways.out), ns + "/edge"));
        auto hosts = path.kubectl({"__complete", "grpcmesh", "expose", "--host", "greeter.ex"});
        CHECK(has(candidates(hosts.out), "greeter.example.com"));
        CHECK_FALSE(has(candidates(hosts.out), "*.wild.example.com"));
    }

    TEST_CASE("kubectl grpcmesh grpcurl -plaintext ADDRESS <TAB> completes services and methods by reflection") {
        e2e::TestServer server;
        e2e::PluginPath path;
        auto r = path.kubectl({"__complete", "grpcmesh", "grpcurl", "-plaintext", server.address(), ""});
        REQUIRE_MESSAGE(r.ok(), r.describe());
        std::string directive;
        const auto values = candidates(r.out, &directive);
        CHECK(has(values, "list"));
        CHECK(has(values, "describe"));
        CHECK(has(values, "helloworld.Greeter"));
        CHECK(has(values, "helloworld.Greeter/SayHello"));
        CHECK(has(values, "grpcmesh.test.v1.TestService/BidiStream"));
        CHECK(has(values, "grpc.health.v1.Health/Check"));
        CHECK(directive == ":4");
        CHECK(r.out.find("helloworld.Greeter/SayHello\trpc SayHello ( .helloworld.HelloRequest ) returns ( "
                         ".helloworld.HelloReply );\n") != std::string::npos);
        // A prefix narrows the list; after `list` only services are offered.
        auto narrowed = path.kubectl({"__complete", "grpcmesh", "grpcurl", "-plaintext", server.address(),
                                      "helloworld.Greeter/"});
        CHECK(candidates(narrowed.out) == std::vector<std::string>{"helloworld.Greeter/SayHello"});
        auto listed = path.kubectl({"__complete", "grpcmesh", "grpcurl", "-plaintext", server.address(), "list", ""});
        CHECK(has(candidates(listed.out), "grpcmesh.test.v1.TestService"));
        CHECK_FALSE(has(candidates(listed.out), "grpcmesh.test.v1.TestService/Echo"));
        // Flags complete too; a file flag falls back to the shell's files.
        auto flags = path.kubectl({"__complete", "grpcmesh", "grpcurl", "-plain"});
        CHECK(candidates(flags.out) == std::vector<std::string>{"-plaintext"});
        auto file = e2e::plugin({"__complete", "grpcurl", "-cacert", ""});
        CHECK(file.out == ":0\n");
    }

    TEST_CASE("grpcurl completion against nothing listening offers nothing, quickly and silently") {
        e2e::PluginPath path;
        e2e::RunOptions options;
        options.timeout = std::chrono::seconds(10);  // lookups give up after 2s
        auto r = e2e::plugin({"__complete", "grpcurl", "-plaintext", "127.0.0.1:1", ""}, options);
        CHECK(r.ok());
        CHECK(r.out == ":4\n");
        CHECK(r.err.empty());
        // Without -plaintext the lookup speaks TLS, which this server does not: nothing either.
        e2e::TestServer plain;
        auto tls = path.kubectl({"__complete", "grpcmesh", "grpcurl", plain.address(), ""}, options);
        CHECK(tls.ok());
        CHECK(candidates(tls.out).empty());
        auto direct = e2e::plugin({"__complete", "grpcurl", plain.address(), ""}, options);
        CHECK(direct.out == ":4\n");
        CHECK(direct.err.empty());
    }

    TEST_CASE("an unreachable cluster completes nothing, quickly and without noise") {
        e2e::TempDir dir;
        auto kubeconfig = dir.write("config",
                                    "apiVersion: v1\nkind: Config\ncurrent-context: dead\n"
                                    "contexts:\n- name: dead\n  context: {cluster: dead, user: u}\n"
                                    "clusters:\n- name: dead\n  cluster: {server: 'https://127.0.0.1:1'}\n"
                                    "users:\n- name: u\n  user: {token: t}\n");
        e2e::RunOptions options;
        options.env["KUBECONFIG"] = kubeconfig.string();
        options.timeout = std::chrono::seconds(20);
        auto r = e2e::run({e2e::plugin_path().string(), "__complete", "-n", ""}, options);
        CHECK(r.ok());
        CHECK(r.out == ":4\n");
        CHECK(r.err.empty());
        // Contexts still come from the kubeconfig.
        auto contexts = e2e::run({e2e::plugin_path().string(), "__complete", "--context", ""}, options);
        CHECK(contexts.out == "dead\tcluster dead\n:4\n");
    }

    TEST_CASE("usage lines read `kubectl grpcmesh` when kubectl runs the plugin") {
        e2e::PluginPath path;
        auto r = path.kubectl({"grpcmesh", "version", "--help"});
        REQUIRE_MESSAGE(r.ok(), r.describe());
        CHECK(r.out.find("Usage:\n  kubectl grpcmesh version [flags]\n") != std::string::npos);
        e2e::RunOptions direct_options;
        direct_options.unset = {"KUBECTL_PATH"};
        auto direct = e2e::run({(path.dir() / "kubectl-grpcmesh").string(), "version", "--help"}, direct_options);
        CHECK(direct.out.find("Usage:\n  kubectl-grpcmesh version [flags]\n") != std::string::npos);
    }
}
