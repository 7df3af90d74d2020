// GM0004 and GM0005 over every Service port of the protocol table: never on a
// port Istio's gateway reaches over HTTP/2, and GM0004 (an appProtocol Istio
// does not recognise) only where Istio's ConvertProtocol does not recognise it.
#include <doctest/doctest.h>

#include "core/check/analyzer.hpp"
#include "tests/unit/check/analyzers/protocol_snapshot.hpp"

using namespace grpcmesh::check;

TEST_CASE("service_port_protocol: no GM0004 or GM0005 on the table's ports Istio reads as HTTP/2") {
  const auto analyzers = all_analyzers();
  int unrecognised_reported = 0;
  for (const auto& row : grpcmesh::testing::protocol_table()) {
    INFO(row.describe(), " (Istio: ", row.istio, ")");
    Result result = run(check_test::snapshot_with_port(row), analyzers, check_test::fixture_now());
    const auto keys = check_test::finding_keys(result);
    const bool gm0004 = keys.count("GM0004 Service default/greeter") == 1;
    CHECK((!gm0004 || (row.app_protocol && row.istio == "UnsupportedProtocol")));
    CHECK((!row.http2 || (!gm0004 && keys.count("GM0005 Service default/greeter") == 0)));
    unrecognised_reported += gm0004 ? 1 : 0;
  }
  // kubernetes.io/grpc, Kubernetes.io/H2C, ...: the table has appProtocol values
  // Istio does not know on a gRPC route, which must still be reported.
  CHECK(unrecognised_reported > 0);
}
