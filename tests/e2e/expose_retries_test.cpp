// expose --retries/--retry-on/--per-try-timeout against the control plane
// with the simulated Istio install: the retries block on the live
// VirtualService (accepted by the API server's CRD schema and by istioctl
// validate), idempotent re-runs, back to Istio's default, stream removing a
// per-try timeout and expose then asking for --allow-stream-cut, check's
// findings on each variant, and --remove.
#include <doctest/doctest.h>

#include <set>

#include "harness.hpp"
#include "mesh_support.hpp"

using namespace mesh_e2e;

namespace {

const std::string kGatewayNs = "istio-system";

// "CODE Kind ns/name" of each finding of `check -o json`.
std::set<std::string> findings(const e2e::Result& r) {
    std::set<std::string> out;
    const json doc = json::parse(r.out);
    for (const auto& f : doc.at("findings")) {
        const auto& res = f.at("resource");
        out.insert(f.at("code").get<std::string>() + " " + res.at("kind").get<std::string>() + " " +
                   res.at("namespace").get<std::string>() + "/" + res.at("name").get<std::string>());
    }
    return out;
}

json retries_of(const std::string& obj) {
    const json vs = get("virtualservice.networking.istio.io", kGatewayNs, obj);
    REQUIRE(vs["spec"]["http"].size() == 1);
    return vs["spec"]["http"][0].value("retries", json());
}

void check_validates(const std::string& obj) {
    e2e::TempDir dir;
    auto y = e2e::kubectl({"get", "virtualservice.networking.istio.io", obj, "-n", kGatewayNs, "-o", "yaml"});
    REQUIRE_MESSAGE(y.ok(), y.describe());
    auto v = e2e::istioctl({"validate", "-f", dir.write("vs.yaml", y.out).string()});
    CHECK_MESSAGE(v.ok(), v.describe());
}

}  // namespace

TEST_CASE("expose retry flags: set, idempotent, checked, cut by stream, confirmed with --allow-stream-cut, undone") {
    const std::string host = e2e::unique_name("retry") + ".example.com";
    const std::string obj = host_object(host);
    const std::string ns = e2e::create_namespace("retry");
    create_service(ns, "greeter", "  - {name: api, port: 50051}\n");
    const std::string vs_ref = "VirtualService " + kGatewayNs + "/" + obj;
    auto init = e2e::plugin({"init", "--host", host});
    REQUIRE_MESSAGE(init.ok(), init.describe());
    const std::vector<std::string> expose = {"expose", "greeter", "-n", ns, "--host", host, "--grpc-service",
                                             "helloworld.Greeter"};
    const auto with = [&](std::vector<std::string> flags) {
        auto args = expose;
        args.insert(args.end(), flags.begin(), flags.end());
        return args;
    };
    const auto check = [&] {
        auto r = e2e::plugin({"check", "--host", host, "-o", "json", "--fail-on", "none"});
        REQUIRE_MESSAGE(r.ok(), r.describe());
        return findings(r);
    };

    // no flags: no retries block, Istio's default named
    auto plain = e2e::plugin(expose);
    REQUIRE_MESSAGE(plain.ok(), plain.describe());
    CHECK(retries_of(obj).is_null());
    CHECK_MESSAGE(contains(plain.err, "Retries for the routes to Service " + ns + "/greeter: 2 retries on "
                                      "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes "
                                      "(Istio's default, as the routes set no retries)"),
                  plain.describe());

    // the three flags, gRPC names in either spelling
    const auto flags = with({"--retries", "3", "--retry-on", "UNAVAILABLE,resource-exhausted", "--per-try-timeout",
                             "2s"});
    auto set = e2e::plugin(flags);
    REQUIRE_MESSAGE(set.ok(), set.describe());
    CHECK(retries_of(obj) ==
          json{{"attempts", 3}, {"retryOn", "unavailable,resource-exhausted"}, {"perTryTimeout", "2s"}});
    CHECK_MESSAGE(contains(set.err, "3 retries on unavailable,resource-exhausted, each try cut after 2s"),
                  set.describe());
    CHECK_MESSAGE(contains(set.err, "Warning: --per-try-timeout 2s also cuts server-streaming calls"), set.describe());
    check_validates(obj);
    auto again = e2e::plugin(flags);
    REQUIRE_MESSAGE(again.ok(), again.describe());
    CHECK_MESSAGE(contains(again.out, "virtualservice.networking.istio.io/" + obj + " unchanged"), again.describe());
    CHECK(check().count("GM0046 " + vs_ref) == 1);

    // stream removes the per-try timeout, keeps the retries, shows them in the chain
    auto stream = e2e::plugin({"stream", "--host", host});
    REQUIRE_MESSAGE(stream.ok(), stream.describe());
    CHECK(retries_of(obj) == json{{"attempts", 3}, {"retryOn", "unavailable,resource-exhausted"}});
    CHECK_MESSAGE(contains(stream.err, vs_ref + ": retries.perTryTimeout removed"), stream.describe());
    CHECK_MESSAGE(contains(stream.err, "  gateway retries "), stream.describe());
    CHECK_MESSAGE(contains(stream.err, " 3 retries "), stream.describe());
    CHECK(check().count("GM0046 " + vs_ref) == 0);

    // now the host's streams are meant to last: the per-try timeout needs confirmation
    const json before = get("virtualservice.networking.istio.io", kGatewayNs, obj);
    auto refused = e2e::plugin(flags);
    CHECK(refused.exit_code == 1);
    CHECK_MESSAGE(contains(refused.err, "pass --allow-stream-cut to set it anyway"), refused.describe());
    CHECK(lines(refused.err) == 1);
    CHECK(get("virtualservice.networking.istio.io", kGatewayNs, obj) == before);
    auto forced = e2e::plugin(with({"--retries", "3", "--retry-on", "unavailable,resource-exhausted",
                                    "--per-try-timeout", "2s", "--allow-stream-cut"}));
    REQUIRE_MESSAGE(forced.ok(), forced.describe());
    CHECK(retries_of(obj)["perTryTimeout"] == "2s");
    CHECK(check().count("GM0047 " + vs_ref) == 1);

    // a list without a gRPC status: warned by expose and check
    auto five = e2e::plugin(with({"--retries", "2", "--retry-on", "5xx"}));
    REQUIRE_MESSAGE(five.ok(), five.describe());
    CHECK_MESSAGE(contains(five.err, "names no gRPC status"), five.describe());
    CHECK(check().count("GM0045 " + vs_ref) == 1);

    // --retries 0: off, an info
    auto off = e2e::plugin(with({"--retries", "0"}));
    REQUIRE_MESSAGE(off.ok(), off.describe());
    CHECK(retries_of(obj) == json{{"attempts", 0}});
    auto found = check();
    CHECK(found.count("GM0048 " + vs_ref) == 1);
    CHECK(found.count("GM0045 " + vs_ref) == 0);
    check_validates(obj);

    // no flags again: back to Istio's default
    auto back = e2e::plugin(expose);
    REQUIRE_MESSAGE(back.ok(), back.describe());
    CHECK(retries_of(obj).is_null());
    CHECK_MESSAGE(contains(back.err, "The retry policy set earlier on /helloworld.Greeter/ (off (attempts: 0)"),
                  back.describe());

    // bad flags change nothing
    const json settled = get("virtualservice.networking.istio.io", kGatewayNs, obj);
    for (const auto& bad : std::vector<std::vector<std::string>>{{"--retry-on", "aborted"},
                                                                  {"--retries", "0", "--per-try-timeout", "1s"},
                                                                  {"--per-try-timeout", "0s"}}) {
        auto r = e2e::plugin(with(bad));
        CHECK_MESSAGE(r.exit_code == 2, r.describe());
        // one line saying what is wrong; kubectl's "See '... --help' for usage." may follow
        const std::string rest = r.err.substr(r.err.find('\n') + 1);
        CHECK_MESSAGE((rest.empty() || (rest.rfind("See '", 0) == 0 && lines(rest) == 1)), r.describe());
    }
    CHECK(get("virtualservice.networking.istio.io", kGatewayNs, obj) == settled);

    for (const auto& args : std::vector<std::vector<std::string>>{{"stream", "--host", host, "--remove"},
                                                                   {"expose", "greeter", "-n", ns, "--host", host,
                                                                    "--remove"},
                                                                   {"init", "--host", host, "--remove"}}) {
        auto r = e2e::plugin(args);
        REQUIRE_MESSAGE(r.ok(), r.describe());
    }
    CHECK_FALSE(snapshot("virtualservice.networking.istio.io", kGatewayNs, obj).has_value());
}
