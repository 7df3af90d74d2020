// Helpers shared by the init/tls/expose end-to-end tests.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "harness.hpp"

namespace mesh_e2e {

using nlohmann::json;

// The object as `kubectl get -o json` shows it, without the fields every
// write changes (managedFields, resourceVersion, generation); nothing when it
// does not exist.
inline std::optional<json> snapshot(const std::string& kind, const std::string& ns, const std::string& name) {
    auto r = e2e::kubectl({"get", kind, name, "-n", ns, "-o", "json", "--ignore-not-found"});
    REQUIRE_MESSAGE(r.ok(), r.describe());
    if (r.out.empty()) {
        return std::nullopt;
    }
    json j = json::parse(r.out);
    j["metadata"].erase("managedFields");
    j["metadata"].erase("resourceVersion");
    j["metadata"].erase("generation");
    return j;
}

// The name kubectl-grpcmesh gives a host's objects: dots become dashes.
inline std::string host_object(std::string host) {
    std::replace(host.begin(), host.end(), '.', '-');
    return host;
}

inline json get(const std::string& kind, const std::string& ns, const std::string& name) {
    auto s = snapshot(kind, ns, name);
    REQUIRE_MESSAGE(s.has_value(), kind << " " << ns << "/" << name << " does not exist");
    return *s;
}

// A Service without a selector (no controller runs in the test control plane).
inline void create_service(const std::string& ns, const std::string& name, const std::string& ports_yaml) {
    auto r = e2e::apply_yaml("apiVersion: v1\nkind: Service\nmetadata:\n  name: " + name + "\n  namespace: " + ns +
                             "\nspec:\n  ports:\n" + ports_yaml);
    REQUIRE_MESSAGE(r.ok(), r.describe());
}

// A CA and a certificate for `host` made with the openssl CLI; returns
// {cert, key} paths in `dir`.
inline std::pair<std::string, std::string> make_certificate(const e2e::TempDir& dir, const std::string& host) {
    const std::string d = dir.path().string();
    auto run = [](const std::vector<std::string>& argv) {
        auto r = e2e::run(argv);
        REQUIRE_MESSAGE(r.ok(), r.describe());
    };
    run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
         d + "/ca.key", "-out", d + "/ca.crt", "-days", "30", "-subj", "/CN=e2e CA"});
    run({"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
         d + "/tls.key", "-out", d + "/tls.csr", "-subj", "/CN=" + host});
    dir.write("ext", "subjectAltName=DNS:" + host + "\n");
    run({"openssl", "x509", "-req", "-in", d + "/tls.csr", "-CA", d + "/ca.crt", "-CAkey", d + "/ca.key",
         "-CAcreateserial", "-days", "200", "-extfile", d + "/ext", "-out", d + "/tls.crt"});
    return {d + "/tls.crt", d + "/tls.key"};
}

inline bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

inline size_t lines(const std::string& s) {
    size_t n = 0;
    for (char c : s) {
        n += c == '\n' ? 1 : 0;
    }
    return n;
}

}  // namespace mesh_e2e
