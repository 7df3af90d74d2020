// What the tests against a real istiod share: the stand-in gateway pod (the
// xdsclient peer), polling, istiod's debug endpoints and check --deep's JSON.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "harness.hpp"
#include "mesh_support.hpp"

namespace istiod_e2e {

using nlohmann::json;
using namespace std::chrono_literals;

inline const std::string kListener = "type.googleapis.com/envoy.config.listener.v3.Listener";
inline const std::string kRoute = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
inline const std::string kCluster = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
inline const std::string kSecret = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";

// The stand-in gateway: connects to istiod as POD (istio-system, or NS/POD)
// and keeps the dump file up to date until destroyed, which stops and reaps
// it (and it stops by itself when this test program is gone). `secure`: over istiod's
// TLS xDS port with the pod's service account identity, so istiod serves it
// its SDS secrets as it does a real gateway.
struct Gateway {
    Gateway(const e2e::TempDir& dir, const std::string& pod, const std::vector<std::string>& extra = {},
            bool secure = false)
        : dump(dir.path() / (dump_name(pod) + ".json")), proc(argv(pod, extra, secure)) {
        proc.wait_for_line("synced ", 60s);
    }
    std::vector<std::string> argv(const std::string& pod, const std::vector<std::string>& extra, bool secure) const {
        std::vector<std::string> a{e2e::cluster("ISTIO_XDSCLIENT"),
                                   "--xds",
                                   e2e::cluster(secure ? "GRPCMESH_ISTIOD_SECURE_XDS" : "GRPCMESH_ISTIOD_XDS"),
                                   "--kubeconfig",
                                   e2e::cluster("GRPCMESH_ADMIN_KUBECONFIG"),
                                   "--pod",
                                   pod.find('/') == std::string::npos ? "istio-system/" + pod : pod,
                                   "--dump",
                                   dump.string()};
        if (secure) {
            a.push_back("--secure");
        }
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    }
    static std::string dump_name(std::string pod) {
        std::replace(pod.begin(), pod.end(), '/', '.');
        return pod;
    }
    json resources() const {
        std::string text;
        try {
            text = e2e::read_file(dump);
        } catch (...) {
            return json::object();
        }
        json j = json::parse(text, nullptr, false);
        return j.is_discarded() ? json::object() : j.value("resources", json::object());
    }
    e2e::fs::path dump;
    e2e::Background proc;
};

// Polls `probe` every 100 ms for up to `limit`; returns its last value.
inline std::optional<json> eventually(const std::function<std::optional<json>()>& probe,
                                      std::chrono::seconds limit = 60s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        auto v = probe();
        if (v || std::chrono::steady_clock::now() > deadline) {
            return v;
        }
        std::this_thread::sleep_for(100ms);
    }
}

inline json istiod_debug(const std::string& path) {
    auto r = e2e::run({"curl", "-fsS", "--max-time", "10", "http://" + e2e::cluster("GRPCMESH_ISTIOD_HTTP") + path});
    REQUIRE_MESSAGE(r.ok(), r.describe());
    return json::parse(r.out);
}

// The route configuration holding a virtual host for `host`, with its name.
inline std::optional<json> route_for(const json& routes, const std::string& host) {
    for (auto& [name, rc] : routes.items()) {
        for (const auto& vh : rc.value("virtualHosts", json::array())) {
            for (const auto& d : vh.value("domains", json::array())) {
                if (d == host) {
                    return json{{"name", name}, {"virtualHost", vh}};
                }
            }
        }
    }
    return std::nullopt;
}

// The RDS route name of the filter chain whose SNI is `host`.
inline std::optional<std::string> chain_route(const json& listeners, const std::string& host) {
    for (auto& [name, l] : listeners.items()) {
        for (const auto& fc : l.value("filterChains", json::array())) {
            const auto sni = fc.value("filterChainMatch", json::object()).value("serverNames", json::array());
            if (std::find(sni.begin(), sni.end(), host) == sni.end()) {
                continue;
            }
            for (const auto& f : fc.value("filters", json::array())) {
                const auto tc = f.value("typedConfig", json::object());
                if (tc.contains("rds")) {
                    return tc["rds"].value("routeConfigName", "");
                }
            }
        }
    }
    return std::nullopt;
}

// The syncz entry of a proxy (POD.NAMESPACE).
inline std::optional<json> syncz_of(const std::string& proxy) {
    for (const auto& p : istiod_debug("/debug/syncz")) {
        if (p.value("proxy", "") == proxy) {
            return p;
        }
    }
    return std::nullopt;
}

// Whether the stand-in holds a listener chain and the route configuration for `host`.
inline bool routed(const Gateway& g, const std::string& host) {
    json res = g.resources();
    auto rds = chain_route(res.value(kListener, json::object()), host);
    auto route = route_for(res.value(kRoute, json::object()), host);
    return rds && route && (*route)["name"] == *rds;
}

// check --deep -o json for one host, asking istiod at `address` (its HTTP
// port unless given); fails the test unless it ran (exit 0 with --fail-on none).
inline json deep_check(const std::string& host, const std::vector<std::string>& extra = {},
                       const std::string& address = "") {
    std::vector<std::string> args{"check", "-A", "--host", host, "--deep", "--istiod-address",
                                  address.empty() ? e2e::cluster("GRPCMESH_ISTIOD_HTTP") : address,
                                  "--fail-on", "none", "-o", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = e2e::plugin(args);
    REQUIRE_MESSAGE(r.ok(), r.describe());
    json j = json::parse(r.out, nullptr, false);
    REQUIRE_MESSAGE(!j.is_discarded(), r.out.substr(0, 2000));
    REQUIRE(j.contains("deep"));
    return j;
}

// The findings of `code` about POD (istio-system/POD), for `host`.
inline std::vector<json> findings(const json& report, const std::string& code, const std::string& pod = "") {
    std::vector<json> out;
    for (const auto& f : report.value("findings", json::array())) {
        if (f.value("code", "") != code) {
            continue;
        }
        if (!pod.empty() && f.dump().find("istio-system/" + pod) == std::string::npos &&
            f.dump().find(pod + ".istio-system") == std::string::npos) {
            continue;
        }
        out.push_back(f);
    }
    return out;
}

// Every deep finding (GM01xx) of the report.
inline std::vector<std::string> deep_codes(const json& report) {
    std::vector<std::string> out;
    for (const auto& f : report.value("findings", json::array())) {
        std::string code = f.value("code", "");
        if (code.rfind("GM01", 0) == 0) {
            out.push_back(code + ": " + f.value("message", ""));
        }
    }
    return out;
}

// check --deep, again until `code` is reported about each of PODS (istiod
// pushes to each after its debounce); the last report.
inline json deep_until(const std::string& host, const std::string& code, const std::vector<std::string>& pods,
                       const std::vector<std::string>& extra = {}, const std::string& address = "") {
    json last;
    eventually([&]() -> std::optional<json> {
        last = deep_check(host, extra, address);
        for (const auto& pod : pods) {
            if (findings(last, code, pod).empty()) {
                return std::nullopt;
            }
        }
        return last;
    });
    return last;
}

// deep.hosts's entry for (host, istio-system/POD).
inline json host_entry(const json& report, const std::string& host, const std::string& pod) {
    for (const auto& h : report["deep"].value("hosts", json::array())) {
        if (h.value("host", "") == host && h.value("pod", "") == "istio-system/" + pod) {
            return h;
        }
    }
    return json::object();
}

// deep.pods's entry for istio-system/POD.
inline json pod_entry(const json& report, const std::string& pod) {
    for (const auto& p : report["deep"].value("pods", json::array())) {
        if (p.value("pod", "") == "istio-system/" + pod) {
            return p;
        }
    }
    return json::object();
}

// The state of one xDS type (LDS, RDS, ...) in a pod entry.
inline json sync_of(const json& pod, const std::string& type) {
    for (const auto& s : pod.value("sync", json::array())) {
        if (s.value("type", "") == type) {
            return s;
        }
    }
    return json::object();
}

// Deletes an object when the test ends, whatever way it ends.
struct Cleanup {
    std::vector<std::string> args;
    ~Cleanup() { e2e::kubectl(args); }
};

}  // namespace istiod_e2e
