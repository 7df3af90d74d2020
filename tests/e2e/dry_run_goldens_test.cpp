// The `--dry-run=client -o yaml` goldens (tests/testdata/dry-run/, compared
// with the binary's output by the cli test dry_run_test.cpp) are valid: real
// istioctl validate accepts each file, and the API server with Istio's CRDs
// accepts each object in a server-side dry-run apply (schema, CEL rules and
// Kubernetes validation; nothing is kept).
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include "harness.hpp"

namespace {

std::vector<std::filesystem::path> goldens() {
    std::vector<std::filesystem::path> out;
    for (const auto& entry : std::filesystem::directory_iterator(e2e::source_dir() / "tests/testdata/dry-run")) {
        out.push_back(entry.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST_CASE("dry-run goldens: istioctl validate and a server-side dry-run apply accept every file") {
    // The goldens name the namespaces of the documented examples.
    auto ns = e2e::apply_yaml("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n");
    REQUIRE_MESSAGE(ns.ok(), ns.describe());

    const auto files = goldens();
    REQUIRE(files.size() >= 10);
    for (const auto& file : files) {
        CAPTURE(file.filename().string());
        const std::string yaml = e2e::read_file(file);
        REQUIRE(yaml.find("kind:") != std::string::npos);

        auto valid = e2e::istioctl({"validate", "-f", file.string()});
        CHECK_MESSAGE(valid.ok(), valid.describe());

        auto applied = e2e::kubectl({"apply", "--server-side", "--dry-run=server", "--field-manager=grpcmesh-golden",
                                     "-f", file.string()});
        CHECK_MESSAGE(applied.ok(), applied.describe());
        CHECK_MESSAGE(applied.out.find("(server dry run)") != std::string::npos, applied.describe());
    }
    // Nothing was kept.
    auto gateway = e2e::kubectl({"get", "gateway.networking.istio.io", "grpc-example-com", "-n", "istio-system",
                                 "--ignore-not-found", "-o", "name"});
    REQUIRE_MESSAGE(gateway.ok(), gateway.describe());
    CHECK(gateway.out.empty());
}

TEST_CASE("dry-run goldens: a broken object is refused by the same checks") {
    // The check above would pass vacuously if the tools accepted anything.
    e2e::TempDir dir;
    const std::string golden = e2e::read_file(e2e::source_dir() / "tests/testdata/dry-run/init-https.yaml");
    std::string broken = golden;
    const std::string mode = "mode: SIMPLE";
    REQUIRE(broken.find(mode) != std::string::npos);
    broken.replace(broken.find(mode), mode.size(), "mode: SOMETIMES");
    const auto file = dir.write("broken.yaml", broken);
    CHECK_FALSE(e2e::istioctl({"validate", "-f", file.string()}).ok());
    CHECK_FALSE(
        e2e::kubectl({"apply", "--server-side", "--dry-run=server", "--field-manager=grpcmesh-golden", "-f", file.string()})
            .ok());
}
