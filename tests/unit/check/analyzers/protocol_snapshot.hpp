#pragma once
// The ok-https fixture (a gRPC route from an HTTPS gateway server to Service
// greeter) with greeter's only port replaced by one row of the protocol table
// (tests/testdata/protocols/table.json), the route following its number.

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "core/check/file_loader.hpp"
#include "tests/unit/check/fixture_util.hpp"
#include "tests/unit/mesh/protocol_table.hpp"

namespace check_test {

inline grpcmesh::check::Snapshot snapshot_with_port(const grpcmesh::testing::ProtocolRow& row) {
  using nlohmann::json;
  grpcmesh::check::Snapshot snapshot = load_fixture(fixture_root() / "ok-https");
  json port = row.port;
  port["targetPort"] = row.number;
  const json service = {{"apiVersion", "v1"},
                        {"kind", "Service"},
                        {"metadata", {{"name", "greeter"}, {"namespace", "default"}}},
                        {"spec", {{"selector", {{"app", "greeter"}}}, {"ports", json::array({port})}}}};
  json route = {{"apiVersion", "networking.istio.io/v1"},
                {"kind", "VirtualService"},
                {"metadata", {{"name", "greeter"}, {"namespace", "default"}}},
                {"spec",
                 {{"hosts", {"grpc.example.com"}},
                  {"gateways", {"grpc-gateway"}},
                  {"http", json::array({{{"match", json::array({{{"uri", {{"prefix", "/helloworld.Greeter/"}}}}})},
                                         {"route", json::array({{{"destination",
                                                                  {{"host", "greeter"},
                                                                   {"port", {{"number", row.number}}}}}}})}}})}}}};
  // Objects read later replace those of the same kind, namespace and name.
  std::istringstream in("---\n" + service.dump() + "\n---\n" + route.dump() + "\n");
  grpcmesh::check::load_files(snapshot, {"-"}, in, "default");
  return snapshot;
}

}  // namespace check_test
