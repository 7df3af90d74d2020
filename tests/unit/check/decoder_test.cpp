#include "core/check/decoder.hpp"

#include <doctest/doctest.h>

#include "core/util/error.hpp"

using namespace grpcmesh::check;

TEST_CASE("decoder: a list page from the API server, whose items carry no kind") {
  Snapshot s;
  Decoder decoder(s, "");
  ObjectReader reader(decoder, "");
  reader.set_item_type("v1", "Pod");
  reader.feed_json(R"({"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7","continue":"next"},)"
                   R"("items":[{"metadata":{"name":"a","namespace":"x","labels":{"app":"a"},)"
                   R"("managedFields":[{"manager":"m"}]},"spec":{"containers":[]},"status":{"phase":"Running"}}]})");
  CHECK(reader.objects() == 1);
  CHECK(reader.last_document().root()["metadata"]["continue"] == "next");
  const Resource* pod = s.find(Kind::Pod, "x", "a");
  REQUIRE(pod != nullptr);
  CHECK(pod->api_version == "v1");
  CHECK(pod->origin.str().empty());
  CHECK(pod->labels()["app"] == "a");
  CHECK(pod->root()["status"].is_null());
  CHECK_THROWS_AS(reader.feed_json("{\"items\": [}"), grpcmesh::Error);
}
