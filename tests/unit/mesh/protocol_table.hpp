#pragma once
// tests/testdata/protocols/table.json: Service ports and how Istio reads each
// one (recorded from Istio's own code by generate.py next to it).

#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/mesh/protocol.hpp"
#include "tests/unit/support/golden.hpp"

namespace grpcmesh::testing {

struct ProtocolRow {
  nlohmann::json port;  // the Service port as the API has it: port, name, protocol, appProtocol when set
  int number = 0;
  std::string name;
  std::string protocol;
  std::optional<std::string> app_protocol;
  // Istio's answer: ConvertProtocol, IsHTTP2, IsGRPC.
  std::string istio;
  bool http2 = false;
  bool grpc = false;
  size_t index = 0;

  mesh::ServicePort view() const {
    mesh::ServicePort p{number, name, protocol, std::nullopt};
    if (app_protocol) {
      p.app_protocol = *app_protocol;
    }
    return p;
  }
  // "row 12 {"name":"grpc-v2",...}": names the row in a failure.
  std::string describe() const { return "row " + std::to_string(index) + " " + port.dump(); }
};

inline std::vector<ProtocolRow> protocol_table() {
  std::ifstream in(testdata_path("protocols/table.json"));
  std::stringstream text;
  text << in.rdbuf();
  std::vector<ProtocolRow> out;
  for (const auto& r : nlohmann::json::parse(text.str())) {
    ProtocolRow row;
    row.index = out.size();
    row.port = r;
    row.port.erase("expect");
    row.number = r.at("port").get<int>();
    row.name = r.at("name").get<std::string>();
    row.protocol = r.at("protocol").get<std::string>();
    if (r.contains("appProtocol")) {
      row.app_protocol = r.at("appProtocol").get<std::string>();
    }
    row.istio = r.at("expect").at("istio").get<std::string>();
    row.http2 = r.at("expect").at("http2").get<bool>();
    row.grpc = r.at("expect").at("grpc").get<bool>();
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace grpcmesh::testing
