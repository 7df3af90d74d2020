#include <dlfcn.h>
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cmd/app.hpp"
#include "core/grpc/entry.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::cmd {
namespace {

constexpr const char* kDescription = R"(Call gRPC services with grpcurl's syntax and flags, natively or over gRPC-Web

Arguments as grpcurl's: [flags] ADDRESS [list|describe] [SYMBOL], or
[flags] ADDRESS pkg.Service/Method to call a method.

Takes grpcurl's flags with one or two dashes (-plaintext or --plaintext,
"-flag value" or "-flag=value"): -plaintext -insecure -cacert -cert -key
-servername -authority -H -rpc-header -reflect-header -d ('@' reads stdin)
-format json|text -format-error -emit-defaults -allow-unknown-fields
-connect-timeout -keepalive-time -max-time -max-msg-sz -proto -import-path
-protoset -use-reflection -v -vv (-vv adds the HTTP/2 transport's log, with
credential headers redacted). TLS is verified unless -insecure is given;
-servername (TLS name) and -authority (:authority) are independent. The schema
comes from server reflection (grpc.reflection.v1, falling back to v1alpha) or
from -proto/-protoset files; with an address typed, shell completion offers
the server's services and methods.

Additions: --repeat N [--concurrency C] repeats a unary call over one
connection and prints errors by status, p50/p90/p99 latency and calls/s.
--health [SERVICE after the address] calls grpc.health.v1.Health/Check and
exits 0 only when SERVING. --web or --web-text calls over gRPC-Web (binary or
base64 text; HTTP/1.1, or h2c with --http2, ALPN over TLS); --origin URL first
sends the browser's CORS preflight and reports what a browser would allow.

Exit codes as grpcurl's: 0 success, 1 failure, 2 usage, 64 + the gRPC status
code of a failed call.)";

constexpr const char* kFooter = R"(Examples:
  # List the services of a local server without TLS
  kubectl grpcmesh grpcurl -plaintext localhost:50051 list

  # Call a method with a JSON request, verifying TLS with a private CA
  kubectl grpcmesh grpcurl -cacert ca.crt -d '{"name": "world"}' grpc.example.com:443 helloworld.Greeter/SayHello

  # Send TLS SNI and :authority independently
  kubectl grpcmesh grpcurl -cacert ca.crt -servername gw.example.com -authority grpc.example.com 10.0.0.7:443 list

  # Stream requests from stdin
  kubectl grpcmesh grpcurl -plaintext -d @ localhost:50051 grpcmesh.test.v1.TestService/BidiStream < requests.json

  # Measure latency over 1000 calls on one connection
  kubectl grpcmesh grpcurl -plaintext --repeat 1000 --concurrency 4 localhost:50051 helloworld.Greeter/SayHello

  # Check what a browser at https://app.example.com may do over gRPC-Web
  kubectl grpcmesh grpcurl -plaintext --web --origin https://app.example.com localhost:8080 helloworld.Greeter/SayHello)";

// The module lives next to the binary (build tree) or in
// ../lib/kubectl-grpcmesh/ (installed tree).
std::vector<std::filesystem::path> module_candidates() {
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) {
    return {};
  }
  const std::filesystem::path dir = exe.parent_path();
  return {dir / "grpcmesh-grpc.so", dir.parent_path() / "lib" / "kubectl-grpcmesh" / "grpcmesh-grpc.so"};
}

// The module's handle, or nullptr with the reason in `why`.
void* open_module(std::string& why) {
  why = "cannot locate the running executable";
  for (const auto& path : module_candidates()) {
    void* handle = dlopen(path.c_str(), RTLD_LAZY | RTLD_LOCAL);  // lazy: bind only the symbols a run uses
    if (handle != nullptr) {
      return handle;
    }
    why = dlerror();
  }
  return nullptr;
}

grpcmesh_grpcurl_call call_for(Context& ctx, std::vector<const char*>& argv, const std::vector<std::string>& args,
                               const std::string& help, bool descriptions) {
  for (const std::string& a : args) {
    argv.push_back(a.c_str());
  }
  return grpcmesh_grpcurl_call{kGrpcmeshGrpcAbi, static_cast<int>(argv.size()), argv.data(), &ctx.streams,
                               &ctx.kube,        ctx.program.c_str(),           help.c_str(), descriptions ? 1 : 0};
}

int run_module(Context& ctx, const std::vector<std::string>& args, const std::string& help) {
  std::string why;
  void* handle = open_module(why);
  if (handle == nullptr) {
    throw Error(fmt::format("grpcurl needs its gRPC module grpcmesh-grpc.so next to the binary or in "
                            "../lib/kubectl-grpcmesh/ ({}): reinstall kubectl-grpcmesh",
                            why));
  }
  auto run = reinterpret_cast<grpcmesh_grpcurl_run_fn>(dlsym(handle, GRPCMESH_GRPCURL_ENTRY));
  if (run == nullptr) {
    throw Error("the gRPC module grpcmesh-grpc.so has no grpcurl entry point: reinstall kubectl-grpcmesh");
  }
  std::vector<const char*> argv;
  const grpcmesh_grpcurl_call call = call_for(ctx, argv, args, help, false);
  // The module stays loaded until the process exits.
  return run(&call);
}

}  // namespace

void register_grpcurl(CLI::App& root, Context& ctx) {
  auto* sub = root.add_subcommand("grpcurl", kDescription);
  sub->footer(kFooter);
  // grpcurl's own argument grammar (single-dash long flags, flags after the
  // address) is parsed by the module: CLI11 hands over everything verbatim.
  sub->prefix_command();
  sub->fallthrough(false);
  sub->callback([&ctx, sub] {
    std::vector<std::string> args = sub->remaining();
    std::string help = sub->help();
    ctx.action = [&ctx, args, help] { return run_module(ctx, args, help); };
  });
}

}  // namespace grpcmesh::cmd

namespace grpcmesh::cmd {

int run_grpcurl(Context& ctx, const std::vector<std::string>& args) { return run_module(ctx, args, ""); }

bool asks_for_help(int argc, char** argv) {
  for (int i = 0; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--") {
      break;
    }
    a = a.substr(0, a.find('='));
    if (a == "-h" || a == "--h" || a == "-help" || a == "--help") {
      return true;
    }
  }
  return false;
}

int complete_grpcurl(Context& ctx, const std::vector<std::string>& words, bool descriptions) {
  std::string why;
  void* handle = open_module(why);
  auto complete = handle == nullptr ? nullptr
                                    : reinterpret_cast<grpcmesh_grpcurl_complete_fn>(
                                          dlsym(handle, GRPCMESH_GRPCURL_COMPLETE_ENTRY));
  if (complete == nullptr) {
    ctx.streams.out << ":4\n";  // no module: nothing to offer, and no noise in the shell
    return kExitOk;
  }
  std::vector<const char*> argv;
  const grpcmesh_grpcurl_call call = call_for(ctx, argv, words, "", descriptions);
  return complete(&call);
}

}  // namespace grpcmesh::cmd
