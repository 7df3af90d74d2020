// The self-consistency invariant of the plugin: after any command that
// changes the cluster, `check -A -o json` reports no error and no warning
// about the objects that command's flow owns, except the findings a test
// names explicitly (what the simulated install lacks, such as ready
// endpoints, or what a half-undone flow leaves, such as a Gateway whose route
// was removed). Other tests share the control plane, so only findings about
// the flow's own objects count.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "harness.hpp"

namespace check_invariant {

// The objects a flow owns: every object in `namespaces`, and each of
// `objects` ("Kind namespace/name").
struct Owned {
    std::vector<std::string> namespaces;
    std::vector<std::string> objects;
};

// The Gateway and VirtualService init and expose make for a host, in the
// gateway pods' namespace.
inline std::vector<std::string> host_objects(std::string host, const std::string& gateway_ns = "istio-system") {
    std::replace(host.begin(), host.end(), '.', '-');
    return {"Gateway " + gateway_ns + "/" + host, "VirtualService " + gateway_ns + "/" + host};
}

// Runs `check -A -o json` and checks, after `step` (named in failures), that
// every error and warning about an owned object is in `allowed` ("CODE Kind
// namespace/name") and that every allowed finding is there (a stale
// exception would hide a change).
inline void expect_clean(const std::string& step, const Owned& owned, const std::vector<std::string>& allowed = {}) {
    INFO("after: ", step);
    auto r = e2e::plugin({"check", "-A", "-o", "json", "--fail-on", "none"});
    REQUIRE_MESSAGE(r.ok(), r.describe());
    const nlohmann::json report = nlohmann::json::parse(r.out);
    const std::set<std::string> namespaces(owned.namespaces.begin(), owned.namespaces.end());
    const std::set<std::string> objects(owned.objects.begin(), owned.objects.end());
    std::set<std::string> seen;
    for (const auto& f : report["findings"]) {
        const auto& res = f["resource"];
        const std::string object = res["kind"].get<std::string>() + " " + res["namespace"].get<std::string>() + "/" +
                                   res["name"].get<std::string>();
        if (!namespaces.count(res["namespace"].get<std::string>()) && !objects.count(object)) {
            continue;
        }
        const std::string key = f["code"].get<std::string>() + " " + object;
        if (f["level"] == "info") {
            continue;
        }
        seen.insert(key);
        CHECK_MESSAGE(std::find(allowed.begin(), allowed.end(), key) != allowed.end(),
                      f["level"].get<std::string>(), " ", key, ": ", f["message"].get<std::string>());
    }
    for (const std::string& key : allowed) {
        CHECK_MESSAGE(seen.count(key) == 1, "expected finding not reported: ", key);
    }
}

}  // namespace check_invariant
