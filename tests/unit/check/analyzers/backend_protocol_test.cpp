// GM0006 over every Service port of the protocol table: a gRPC route from
// the gateway is reported exactly when Istio's gateway does not speak HTTP/2
// to the port (ConvertProtocol, then IsHTTP2; answers recorded from Istio's
// own code).
#include <doctest/doctest.h>

#include "core/check/analyzer.hpp"
#include "tests/unit/check/analyzers/protocol_snapshot.hpp"

using namespace grpcmesh::check;

TEST_CASE("backend_protocol: GM0006 exactly for the table's ports a gateway does not reach over HTTP/2") {
  const auto analyzers = all_analyzers();
  int reported = 0;
  for (const auto& row : grpcmesh::testing::protocol_table()) {
    INFO(row.describe(), " (Istio: ", row.istio, ")");
    Result result = run(check_test::snapshot_with_port(row), analyzers, check_test::fixture_now());
    const bool gm0006 = check_test::finding_keys(result).count("GM0006 VirtualService default/greeter") == 1;
    CHECK(gm0006 == !row.http2);
    reported += gm0006 ? 1 : 0;
  }
  CHECK(reported > 0);
}
