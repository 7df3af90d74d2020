#pragma once

// Snapshots for the oracle tests: the check fixtures (tests/testdata/check)
// and mutations generated from the good ones, each with the calls a client
// of its hosts makes.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace oracle {

using Docs = std::vector<nlohmann::json>;

// The objects of a fixture directory (its *.yaml files hold JSON documents
// separated by "---"), in file and document order.
Docs read_fixture(const std::filesystem::path& dir);
// Writes the objects as one multi-document file.
void write_docs(const Docs& docs, const std::filesystem::path& file);

// The first object of that kind (and name, when given), or nullptr.
nlohmann::json* find(Docs& docs, const std::string& kind, const std::string& name = "");

// A gRPC call a client of `host` makes: to the Gateway server port that
// serves it (TLS on HTTPS servers), on the path and with the content type
// (gRPC, or gRPC-Web for a route written for browsers) its first route
// matches. {"name", "port", "tls", "alpn", "authority", "path", "headers"}.
nlohmann::json grpc_call_for(const Docs& docs, const std::string& host);
// The hosts Istio Gateways of the snapshot serve by name (no wildcards, the
// namespace part dropped), sorted.
std::vector<std::string> served_hosts(const Docs& docs);

struct Mutation {
  std::string name;   // "ok-https/backend-port name=grpc-web appProtocol=http"
  std::string group;  // "port protocol", "exportTo", ...
  Docs docs;
  // The calls to judge: to each host the fixture or the mutation serves by
  // name, where the mutation serves it (else where the fixture did).
  nlohmann::json calls;
};

// At least 300 mutations of the good fixtures, covering port names and
// appProtocol values, exportTo, namespace-scoped and wildcard server hosts,
// routes bound to several gateways, subsets, rewrites, overlapping
// selectors, and port numbers and targetPorts.
std::vector<Mutation> generate_mutations(const std::filesystem::path& fixtures);

}  // namespace oracle
