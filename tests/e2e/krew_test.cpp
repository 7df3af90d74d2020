// The release through real Krew: scripts/release.sh packages this build,
// `krew install --manifest --archive` installs it (Krew's own validation and
// unpacking), the caveats' link command enables completion, and kubectl
// then runs and completes the plugin from KREW_ROOT/bin alone.
#include <doctest/doctest.h>

#include "harness.hpp"

TEST_CASE("krew installs the release archive from its manifest, and kubectl runs and completes it") {
    e2e::TempDir dist("grpcmesh-dist");
    auto release = e2e::run({(e2e::source_dir() / "scripts/release.sh").string(), "--no-build", "--build-dir",
                             e2e::plugin_path().parent_path().string(), "--out", dist.path().string()});
    REQUIRE_MESSAGE(release.ok(), release.describe());
    const std::string archive = release.out.substr(0, release.out.find('\n'));
    const std::string manifest = (dist.path() / "grpcmesh.yaml").string();

    e2e::TempDir krew_root("grpcmesh-krew");
    e2e::RunOptions options;
    options.env["KREW_ROOT"] = krew_root.path().string();
    options.env["HOME"] = krew_root.path().string();
    auto install = e2e::run({e2e::cluster("KREW"), "install", "--manifest=" + manifest, "--archive=" + archive}, options);
    REQUIRE_MESSAGE(install.ok(), install.describe());
    CHECK(install.err.find("Installed plugin: grpcmesh") != std::string::npos);
    const e2e::fs::path bin = krew_root.path() / "bin";
    CHECK(e2e::fs::is_symlink(bin / "kubectl-grpcmesh"));

    // The caveats' command links the completion entry next to the plugin.
    options.env["PATH"] = bin.string() + ":/usr/bin:/bin";
    auto link = e2e::run({"sh", "-c",
                          "ln -sf \"$(dirname \"$(readlink -f \"$(command -v kubectl-grpcmesh)\")\")/kubectl_complete-grpcmesh\" "
                          "\"${KREW_ROOT:-$HOME/.krew}/bin/kubectl_complete-grpcmesh\""},
                         options);
    REQUIRE_MESSAGE(link.ok(), link.describe());
    e2e::fs::create_symlink(e2e::cluster("KUBECTL"), bin / "kubectl");

    options.env["PATH"] = bin.string();
    auto version = e2e::run({(bin / "kubectl").string(), "grpcmesh", "version"}, options);
    REQUIRE_MESSAGE(version.ok(), version.describe());
    CHECK(version.out.starts_with("kubectl-grpcmesh v"));
    options.env["KUBECONFIG"] = e2e::cluster("KUBECONFIG");
    auto complete = e2e::run({(bin / "kubectl").string(), "__complete", "grpcmesh", "vers"}, options);
    REQUIRE_MESSAGE(complete.ok(), complete.describe());
    CHECK(complete.out.starts_with("version\t"));
    auto namespaces = e2e::run({(bin / "kubectl").string(), "__complete", "grpcmesh", "-n", "kube-sys"}, options);
    CHECK(namespaces.out.starts_with("kube-system\n"));
}
