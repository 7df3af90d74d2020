// Protocol resolution, differentially: Istio's own code (the istio-oracle test
// binary, TestProtocols in tests/peers/istio/oracle/protocols_test.go) reads
// every Service port of tests/testdata/protocols/table.json, and the C++ rule
// that expose and check use (core/mesh/protocol.hpp, and check's reading of a
// port object in core/check/mesh.hpp) must give the same answer on every row.
// The table's recorded answers must still be Istio's, too: a new Istio that
// reads ports differently fails here until generate.py is re-run and the
// rule follows.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/check/mesh.hpp"
#include "core/check/tree.hpp"
#include "core/mesh/protocol.hpp"
#include "harness.hpp"

namespace {

using nlohmann::json;
namespace mesh = grpcmesh::mesh;

struct Row {
    json port;  // port, name, protocol, appProtocol when set
    json expect;
};

mesh::ServicePort view(const json& port) {
    mesh::ServicePort p;
    p.port = port.at("port").get<int>();
    p.name = port.at("name").get_ref<const std::string&>();
    p.protocol = port.at("protocol").get_ref<const std::string&>();
    if (port.contains("appProtocol")) {
        p.app_protocol = port.at("appProtocol").get_ref<const std::string&>();
    }
    return p;
}

}  // namespace

TEST_CASE("protocols: expose and check read every Service port of the table as Istio's ConvertProtocol does") {
    const e2e::fs::path table_path = e2e::source_dir() / "tests/testdata/protocols/table.json";
    const json table = json::parse(e2e::read_file(table_path));
    REQUIRE(table.size() >= 200);

    e2e::TempDir tmp("grpcmesh-protocols");
    const e2e::fs::path answers_path = tmp.path() / "answers.json";
    e2e::Result r = e2e::run({e2e::cluster("ISTIO_ORACLE"), "-test.run=^TestProtocols$",
                              "-protocols=" + table_path.string(), "-out=" + answers_path.string()});
    REQUIRE_MESSAGE(r.ok(), r.describe());
    const json answers = json::parse(e2e::read_file(answers_path));
    REQUIRE(answers.size() == table.size());

    int disagreements = 0;
    for (size_t i = 0; i < table.size(); ++i) {
        json port = table[i];
        const json expect = port.at("expect");
        port.erase("expect");
        const json& istio = answers[i];
        INFO("row " << i << " " << port.dump() << ": Istio says " << istio.dump());

        json echoed = {{"port", istio.at("port")}, {"name", istio.at("name")}, {"protocol", istio.at("protocol")}};
        if (istio.contains("appProtocol")) {
            echoed["appProtocol"] = istio.at("appProtocol");
        }
        REQUIRE(echoed == port);

        const std::string want = istio.at("istio").get<std::string>();
        const bool http2 = istio.at("http2").get<bool>();
        const mesh::ServicePort p = view(port);
        const std::string_view got = mesh::convert_protocol(p);
        // The gateway's generated cluster, where there is one (none for UDP).
        const bool gateway_http2 = istio.at("cluster").get<bool>() ? istio.at("clusterHttp2").get<bool>() : http2;
        const grpcmesh::check::Tree tree(port);
        const grpcmesh::check::mesh::PortProtocol checked = grpcmesh::check::mesh::port_protocol(tree.root());

        const bool agrees = got == want && mesh::is_http2(got) == http2 &&
                            mesh::is_grpc(got) == istio.at("grpc").get<bool>() &&
                            mesh::gateway_speaks_http2(p) == gateway_http2 && checked.protocol == want &&
                            checked.recognised == (want != mesh::protocol::kUnsupported);
        CHECK_MESSAGE(agrees, "core says " << got << " (gateway HTTP/2: " << mesh::gateway_speaks_http2(p)
                                           << "), check says " << checked.protocol);
        // The recorded answer is still Istio's (else re-run generate.py).
        CHECK(expect == json({{"istio", want}, {"http2", http2}, {"grpc", istio.at("grpc")}}));
        disagreements += agrees ? 0 : 1;
    }
    CHECK(disagreements == 0);
}
