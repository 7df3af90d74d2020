// libFuzzer target: kubeconfig loading (core/kube/kubeconfig, rest_config) on
// an arbitrary file given as --kubeconfig, then resolved the way kubectl
// resolves it, and the --request-timeout reader. A file may be refused with
// one grpcmesh::Error; no crash, and the resolution never runs a plugin or
// reads anything but that file (relative paths point into an empty directory).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "core/kube/kubeconfig.hpp"
#include "core/kube/rest_config.hpp"
#include "core/util/error.hpp"

namespace {

// The directory of the input file, removed when the run ends (libFuzzer
// ends a run that does not crash with exit()).
struct Scratch {
  std::string dir;
  Scratch() {
    auto d = std::filesystem::temp_directory_path() / ("grpcmesh-kubeconfig-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    dir = d.string();
  }
  ~Scratch() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

const std::string& scratch() {
  static const Scratch scratch;
  return scratch.dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace k = grpcmesh::kube;
  const std::string file = scratch() + "/config";
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  k::ConnectionOptions options;
  options.kubeconfig = file;
  k::Environment env;
  env.vars["HOME"] = scratch();
  env.service_account_dir = scratch() + "/none";
  try {
    k::Kubeconfig config = k::load_kubeconfig(k::kubeconfig_sources(options, env));
    (void)config;
  } catch (const grpcmesh::Error&) {
  }
  try {
    k::RestConfig rc = k::load_rest_config(options, env);
    (void)rc.server_host();
  } catch (const grpcmesh::Error&) {
  }
  // The same bytes as a flag value.
  try {
    (void)k::parse_request_timeout(std::string(reinterpret_cast<const char*>(data), size));
  } catch (const grpcmesh::Error&) {
  }
  return 0;
}
