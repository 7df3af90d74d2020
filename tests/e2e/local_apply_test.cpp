// --local -f as a GitOps pipeline uses it: each command's output is applied
// with `kubectl apply --server-side` (as a GitOps controller would, under a
// field manager of its own), then the same command run against the cluster
// must find nothing to change ("unchanged" for every object), and `check`
// must find nothing wrong with the host. The repository holds the gateway's
// Deployment and Service but not its Pod, which exists only in the cluster.
#include <doctest/doctest.h>

#include <sstream>

#include "harness.hpp"
#include "mesh_support.hpp"

using namespace mesh_e2e;
namespace fs = std::filesystem;

namespace {

struct Repository {
    std::string ns = e2e::create_namespace("local");
    std::string label = e2e::unique_name("gw");
    std::string selector = "grpcmesh-gateway=" + label;
    std::string host = e2e::unique_name("local") + ".example.com";
    e2e::TempDir dir{"grpcmesh-local"};
    std::vector<std::string> files;  // the repository, then each command's output in order

    Repository() {
        const std::string labels = "{grpcmesh-gateway: " + label + ", app: own-gateway}";
        const std::string gateway =
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: own-gateway\n  namespace: " + ns +
            "\nspec:\n  replicas: 1\n  selector:\n    matchLabels: " + labels + "\n  template:\n    metadata:\n"
            "      labels: " + labels + "\n    spec:\n      containers:\n      - {name: istio-proxy, image: "
            "docker.io/istio/proxyv2:1.31.0}\n"
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: own-gateway\n  namespace: " + ns +
            "\nspec:\n  type: LoadBalancer\n  selector: " + labels + "\n  ports:\n"
            "  - {name: http2, port: 80, targetPort: 8080}\n  - {name: https, port: 443, targetPort: 8443}\n";
        const std::string apps =
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: greeter\n  namespace: " + ns +
            "\nspec:\n  ports:\n  - {name: api, port: 50051}\n"
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: echo\n  namespace: " + ns +
            "\nspec:\n  ports:\n  - {name: grpc-echo, port: 9000}\n";
        files.push_back(dir.write("repo/gateway/gateway.yaml", gateway).parent_path().parent_path().string());
        dir.write("repo/apps/apps.yaml", apps);
        apply(dir.path() / "repo");
        // The pod exists only in the cluster, as pods do.
        auto pod = e2e::apply_yaml("apiVersion: v1\nkind: Pod\nmetadata:\n  name: own-gateway-1\n  namespace: " + ns +
                                   "\n  labels: " + labels + "\nspec:\n  containers:\n  - {name: istio-proxy, image: "
                                   "docker.io/istio/proxyv2:1.31.0}\n");
        REQUIRE_MESSAGE(pod.ok(), pod.describe());
    }

    // What a GitOps controller does with the repository: server-side apply
    // that takes over fields (as Flux does), since the live commands below
    // co-own what they applied with the same values.
    static void apply(const fs::path& path) {
        auto r = e2e::kubectl(
            {"apply", "--server-side", "--field-manager=gitops", "--force-conflicts", "-R", "-f", path.string()});
        REQUIRE_MESSAGE(r.ok(), r.describe());
    }

    // Runs `args --local -f <repository and earlier outputs>`, commits the
    // output as the next file and applies it; then runs `args` against the
    // cluster, which must change nothing. Returns the local output.
    std::string step(const std::string& name, const std::vector<std::string>& args,
                     const std::vector<std::string>& local_only = {}) {
        std::vector<std::string> local = args;
        local.insert(local.end(), local_only.begin(), local_only.end());
        local.push_back("--local");
        for (const auto& f : files) {
            local.insert(local.end(), {"-f", f});
        }
        auto planned = e2e::plugin(local);
        REQUIRE_MESSAGE(planned.ok(), planned.describe());
        if (!planned.out.empty()) {
            const fs::path out = dir.write("out/" + name + ".yaml", planned.out);
            files.push_back(out.string());
            apply(out);
        }
        auto live = e2e::plugin(args);
        REQUIRE_MESSAGE(live.ok(), live.describe());
        std::istringstream lines(live.out);
        size_t n = 0;
        for (std::string line; std::getline(lines, line); ++n) {
            CHECK_MESSAGE(line.ends_with(" unchanged"), name << ": the live command changes what --local printed\n"
                                                             << live.describe() << "\n--local printed:\n"
                                                             << planned.out);
        }
        CHECK_MESSAGE(n > 0, live.describe());
        return planned.out;
    }
};

}  // namespace

TEST_CASE("local: output applied with kubectl apply --server-side leaves the live commands nothing to change") {
    Repository repo;
    const auto [cert, key] = make_certificate(repo.dir, repo.host);
    const std::string& h = repo.host;
    const std::string& ns = repo.ns;

    const std::string init =
        repo.step("init", {"init", "--host", h, "--selector", repo.selector, "--gateway-namespace", ns});
    CHECK(contains(init, "kind: Gateway"));
    // The Secret's data goes into the repository here only because this
    // cluster is throwaway; the data is REDACTED without --show-secret-data.
    const std::string tls = repo.step("tls", {"tls", "--host", h, "--cert", cert, "--key", key, "--gateway-namespace", ns},
                                      {"--show-secret-data"});
    CHECK(contains(tls, "type: kubernetes.io/tls"));
    const std::string greeter =
        repo.step("expose-greeter", {"expose", "greeter", "-n", ns, "--host", h, "--grpc-service", "helloworld.Greeter"});
    CHECK(contains(greeter, "appProtocol: grpc"));
    // The second Service's route merges with the first one's.
    const std::string echo =
        repo.step("expose-echo", {"expose", "echo", "-n", ns, "--host", h, "--grpc-service", "echo.v1.Echo"});
    CHECK(contains(echo, "prefix: /helloworld.Greeter/"));
    CHECK(contains(echo, "prefix: /echo.v1.Echo/"));
    const std::string web = repo.step(
        "web", {"web", "--host", h, "--allow-origin", "https://app.example.com", "--gateway-namespace", ns});
    CHECK(e2e::count_of(web, "corsPolicy:") == 2);
    CHECK(contains(web, "kind: EnvoyFilter"));
    const std::string stream = repo.step("stream", {"stream", "--host", h});
    CHECK(contains(stream, "kind: DestinationRule"));

    // The cluster now holds what the repository says, and check agrees it is
    // sound: every hop OK but the endpoints (no pods run in this control
    // plane, so no Service has a ready endpoint: GM0030 and nothing else).
    auto check = e2e::plugin({"check", "--host", h, "-n", ns, "--fail-on", "warning"});
    CHECK_MESSAGE(check.exit_code == 3, check.describe());
    CHECK_MESSAGE(e2e::count_of(check.out, "error GM0030 ") == 2, check.describe());
    CHECK_MESSAGE(e2e::count_of(check.out, " GM") == 2, check.describe());
    CHECK_MESSAGE(contains(check.out, "2 error(s), 0 warning(s)"), check.describe());
    CHECK_MESSAGE(contains(check.out, "gateway server: " + ns + "/" + host_object(h) + " :443 HTTPS tls SIMPLE"),
                  check.describe());
    CHECK_MESSAGE(contains(check.out, "route: " + ns + "/" + host_object(h) + "  OK"), check.describe());
    CHECK_MESSAGE(contains(check.out, "service port: " + ns + "/echo:9000 GRPC; " + ns + "/greeter:50051 GRPC  OK"),
                  check.describe());
    // check of the repository alone sees the same host.
    std::vector<std::string> offline = {"check", "--offline", "--host", h, "--fail-on", "error"};
    for (const auto& f : repo.files) {
        offline.insert(offline.end(), {"-f", f});
    }
    auto files = e2e::plugin(offline);
    CHECK_MESSAGE(files.exit_code == 0, files.describe());

    // --remove through the repository: the objects to delete are named, and
    // once they are gone from the cluster the live --remove has nothing left.
    std::vector<std::string> remove = {"web", "--host", h, "--remove", "--gateway-namespace", ns, "--local"};
    for (const auto& f : repo.files) {
        remove.insert(remove.end(), {"-f", f});
    }
    auto removed = e2e::plugin(remove);
    REQUIRE_MESSAGE(removed.ok(), removed.describe());
    CHECK_MESSAGE(contains(removed.err, "envoyfilter.networking.istio.io/grpc-web-"), removed.describe());
    CHECK_MESSAGE(contains(removed.err, "is deleted: remove it from the files"), removed.describe());
}

TEST_CASE("local: the goldens are valid for istioctl validate and a server-side dry-run apply") {
    // tests/testdata/local/*.yaml|json: what --local prints for the repository
    // tests/testdata/local/repo (tests/cli/local_test.cpp compares them).
    auto apps = e2e::apply_yaml("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n");
    REQUIRE_MESSAGE(apps.ok(), apps.describe());
    // The gateway's objects go to a namespace of their own: the control
    // plane's istio-system has a gateway Deployment with another selector.
    const std::string gateway_ns = e2e::create_namespace("local-gw");
    e2e::TempDir dir{"grpcmesh-local-goldens"};
    size_t checked = 0;
    for (const auto& entry : fs::directory_iterator(e2e::source_dir() / "tests/testdata/local")) {
        const std::string name = entry.path().filename().string();
        if (!entry.is_regular_file() || !(name.ends_with(".yaml") || name.ends_with(".json"))) {
            continue;
        }
        CAPTURE(name);
        ++checked;
        auto valid = e2e::istioctl({"validate", "-f", entry.path().string()});
        CHECK_MESSAGE(valid.ok(), valid.describe());
        std::string text = e2e::read_file(entry.path());
        for (const std::string from : {"namespace: istio-system", "\"namespace\": \"istio-system\""}) {
            std::string to = from;
            to.replace(to.find("istio-system"), 12, gateway_ns);
            for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
                text.replace(at, from.size(), to);
            }
        }
        const fs::path moved = dir.write(name, text);
        auto applied = e2e::kubectl({"apply", "--server-side", "--dry-run=server", "--field-manager=grpcmesh-golden",
                                     "-f", moved.string()});
        CHECK_MESSAGE(applied.ok(), applied.describe());
    }
    CHECK(checked >= 10);
}
