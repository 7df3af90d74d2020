// libFuzzer target: the response headers the Kubernetes client reads
// (core/kube/wire: Warning, Retry-After, Content-Type) and the DER and PEM
// readers (core/tls/der) on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/kube/wire.hpp"
#include "core/tls/der.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  grpcmesh::kube::Exchange x;
  for (const char* name : {"Warning", "retry-after", "Content-Type"}) {
    grpcmesh::kube::note_response_header(x, name, bytes);
  }
  (void)grpcmesh::kube::retry_after_seconds(bytes);
  (void)grpcmesh::kube::escape_query(bytes);
  grpcmesh::tls::der::Reader reader(bytes);
  while (auto element = reader.next()) {
    (void)grpcmesh::tls::der::unsigned_integer(element->content);
    (void)grpcmesh::tls::der::whole_bytes(element->content);
    grpcmesh::tls::der::Reader inner(element->content);
    while (inner.next()) {
    }
  }
  (void)grpcmesh::tls::pem::blocks(bytes);
  return 0;
}
