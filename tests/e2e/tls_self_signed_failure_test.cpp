// tls --self-signed when the cluster refuses the change: one line, exit 1,
// nothing applied, and no CA file left behind (a CA that matches no Secret
// would have clients trust a certificate the gateway never serves); a file
// already at --ca-out stays as it was.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include "harness.hpp"
#include "mesh_support.hpp"

using namespace mesh_e2e;

namespace {

const std::string kGatewayNs = "istio-system";

size_t files_in(const std::filesystem::path& dir) {
    return static_cast<size_t>(
        std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()));
}

struct Refused {
    std::string host = e2e::unique_name("refused") + ".example.com";
    std::string obj = host_object(host);
    e2e::TempDir dir;
    std::string ca = (dir.path() / "ca.crt").string();
    std::string ca_key = (dir.path() / "ca.key").string();

    Refused() {
        auto init = e2e::plugin({"init", "--host", host});
        REQUIRE_MESSAGE(init.ok(), init.describe());
    }
    ~Refused() { e2e::plugin({"init", "--host", host, "--remove"}); }

    // Runs tls --self-signed with `extra` flags and checks that it failed
    // cleanly: one line starting with `error_start`, no Secret, the Gateway
    // untouched, no CA file and nothing else in the directory.
    void fails_cleanly(const std::vector<std::string>& extra, const std::string& error_part,
                       const std::string& secret_name) {
        const json gateway_before = get("gateway.networking.istio.io", kGatewayNs, obj);
        std::vector<std::string> args = {"tls", "--host", host, "--self-signed", "--ca-out", ca, "--ca-key-out", ca_key};
        args.insert(args.end(), extra.begin(), extra.end());
        auto r = e2e::plugin(args);
        INFO(r.describe());
        CHECK(r.exit_code == 1);
        CHECK(r.out.empty());
        CHECK(lines(r.err) == 1);
        CHECK(contains(r.err, error_part));
        CHECK_FALSE(snapshot("secret", kGatewayNs, secret_name).has_value());
        CHECK(get("gateway.networking.istio.io", kGatewayNs, obj) == gateway_before);
        CHECK_FALSE(std::filesystem::exists(ca_key));
        CHECK_FALSE(std::filesystem::exists(ca));
        CHECK(files_in(dir.path()) == 0);
    }
};

}  // namespace

TEST_CASE("tls --self-signed: the narrow-RBAC user is refused and no CA file is written") {
    Refused t;
    t.fails_cleanly({"--kubeconfig", e2e::cluster("GRPCMESH_VIEWER_KUBECONFIG")}, "forbidden", t.obj + "-tls");
}

TEST_CASE("tls --self-signed: a 422 for the Secret leaves no CA file and binds nothing") {
    Refused t;
    // Not a valid object name: the API server answers 422 (in the server dry run, before anything is written).
    t.fails_cleanly({"--secret-name", "Not_A_Name"}, "Not_A_Name", "Not_A_Name");
}

TEST_CASE("tls --self-signed: a user who may write Secrets but not Gateways changes nothing") {
    Refused t;
    const std::string user = e2e::unique_name("tls-writer");
    // Allowed to read what tls reads and to write Secrets, not to change Gateways.
    auto rbac = e2e::apply_yaml("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: " +
                                user +
                                "\nrules:\n"
                                "- {apiGroups: [networking.istio.io], resources: [gateways], verbs: [get, list]}\n"
                                "- {apiGroups: [''], resources: [pods, services], verbs: [get, list]}\n"
                                "- {apiGroups: [''], resources: [secrets], verbs: [get, list, create, patch, update]}\n"
                                "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n"
                                "  name: " + user + "\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, "
                                "name: " + user + "}\nsubjects:\n- {apiGroup: rbac.authorization.k8s.io, kind: User, "
                                "name: " + user + "}\n");
    REQUIRE_MESSAGE(rbac.ok(), rbac.describe());
    // Another Secret name makes tls rebind the Gateway: the Secret passes the
    // server dry run, the Gateway is forbidden, so neither is written.
    const std::string other = t.obj + "-other";
    t.fails_cleanly({"--as", user, "--secret-name", other}, "forbidden", other);
    // The same user can install the Secret the Gateway already names.
    auto ok = e2e::plugin({"tls", "--host", t.host, "--self-signed", "--ca-out", t.ca, "--as", user});
    REQUIRE_MESSAGE(ok.ok(), ok.describe());
    CHECK(contains(e2e::read_file(t.ca), "BEGIN CERTIFICATE"));
    CHECK(files_in(t.dir.path()) == 1);
    REQUIRE(e2e::plugin({"tls", "--host", t.host, "--remove"}).ok());
}

TEST_CASE("tls --self-signed: a failed run keeps the CA file already at --ca-out, a good run replaces it") {
    Refused t;
    t.dir.write("ca.crt", "the CA clients trust today\n");
    // Refused after planning (a 422 in the server dry run), when the CA is already made.
    auto r = e2e::plugin({"tls", "--host", t.host, "--self-signed", "--ca-out", t.ca, "--secret-name", "Not_A_Name"});
    CHECK_MESSAGE(r.exit_code == 1, r.describe());
    CHECK(e2e::read_file(t.ca) == "the CA clients trust today\n");
    CHECK(files_in(t.dir.path()) == 1);

    auto ok = e2e::plugin({"tls", "--host", t.host, "--self-signed", "--ca-out", t.ca});
    REQUIRE_MESSAGE(ok.ok(), ok.describe());
    CHECK(contains(e2e::read_file(t.ca), "BEGIN CERTIFICATE"));
    CHECK((std::filesystem::status(t.ca).permissions() & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write | std::filesystem::perms::group_read |
           std::filesystem::perms::others_read));
    CHECK(files_in(t.dir.path()) == 1);
    REQUIRE(e2e::plugin({"tls", "--host", t.host, "--remove"}).ok());
}

TEST_CASE("tls --self-signed: an unwritable --ca-out stops the command before the cluster changes") {
    Refused t;
    const std::string missing = (t.dir.path() / "no-such-dir" / "ca.crt").string();
    auto r = e2e::plugin({"tls", "--host", t.host, "--self-signed", "--ca-out", missing});
    INFO(r.describe());
    CHECK(r.exit_code == 1);
    CHECK(lines(r.err) == 1);
    CHECK(contains(r.err, "cannot write --ca-out " + missing));
    CHECK_FALSE(snapshot("secret", kGatewayNs, t.obj + "-tls").has_value());
}
