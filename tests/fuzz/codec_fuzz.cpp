// libFuzzer target: the gRPC message codec of grpcurl (core/grpc/codec) on
// arbitrary bytes: as a response message of each type of the test schema
// (protobuf wire format, printed as JSON and as text format) and as -d
// request data in JSON and in text format. Bad data is refused with one
// grpcmesh::Error; nothing may crash.
#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <sstream>
#include <string>

#include "core/grpc/codec.hpp"
#include "core/grpc/schema.hpp"
#include "core/util/error.hpp"

#ifndef GRPCMESH_TESTDATA_DIR
#error "GRPCMESH_TESTDATA_DIR must name tests/testdata"
#endif

namespace {

struct Fixture {
  std::unique_ptr<grpcmesh::grpc::Schema> schema =
      grpcmesh::grpc::proto_file_schema({"shapes/v1/shapes.proto"}, {GRPCMESH_TESTDATA_DIR "/grpc/protos"});
  std::vector<const google::protobuf::Descriptor*> types;
  Fixture() {
    // As grpcurl below -vv: libprotobuf's own log lines are not the output.
    google::protobuf::SetLogHandler([](google::protobuf::LogLevel, const char*, int, const std::string&) {});
    for (const char* name : {"shapes.v1.Shape", "shapes.v1.GetRequest", "shapes.v1.Summary"}) {
      types.push_back(schema->find_message(name));
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture f;
  namespace g = grpcmesh::grpc;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  std::istringstream stdin_stream(bytes);
  for (const char* format : {"json", "text"}) {
    g::Options o;
    o.format = format;
    o.data = bytes;
    g::Codec codec(o, stdin_stream);
    for (const auto* type : f.types) {
      // As a response message off the wire.
      auto m = codec.make(*type);
      try {
        if (m->ParseFromString(bytes)) {
          (void)codec.print(*m);
        }
      } catch (const grpcmesh::Error&) {
      }
    }
    // As -d request data: a stream of messages until the end or an error.
    try {
      for (int i = 0; i < 64; ++i) {
        if (codec.next_request(*f.types[0]) == nullptr) {
          break;
        }
      }
    } catch (const grpcmesh::Error&) {
    }
  }
  return 0;
}
