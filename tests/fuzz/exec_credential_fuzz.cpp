// libFuzzer target: an exec credential plugin's stdout (an ExecCredential,
// core/kube/exec_credential) and the RFC 3339 expiry reader. Anything may be
// refused with one grpcmesh::Error naming the plugin; nothing may crash or
// read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/kube/exec_credential.hpp"
#include "core/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string output(reinterpret_cast<const char*>(data), size);
  for (const char* version : {"client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"}) {
    try {
      auto cred = grpcmesh::kube::parse_exec_credential(output, version, "fuzz-plugin");
      (void)cred;
    } catch (const grpcmesh::Error&) {
    }
  }
  (void)grpcmesh::kube::parse_rfc3339(output);
  return 0;
}
