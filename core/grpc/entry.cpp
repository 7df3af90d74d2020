// The module's exported entry point: turns the C call into run_grpcurl and
// reports failures the way the main binary does.
#include "core/grpc/entry.hpp"

#include <csignal>

#include <ostream>
#include <string>
#include <vector>

#include "core/grpc/complete.hpp"
#include "core/grpc/run.hpp"
#include "core/util/error.hpp"

namespace {

std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\n') {
      c = ' ';
    }
  }
  return s;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) int grpcmesh_grpcurl_run(const grpcmesh_grpcurl_call* call) {
  if (call == nullptr || call->abi != kGrpcmeshGrpcAbi) {
    return grpcmesh::kExitFailure;
  }
  // A peer that closes the connection is an error to report, not a signal.
  std::signal(SIGPIPE, SIG_IGN);
  grpcmesh::Streams& streams = *call->streams;
  std::vector<std::string> args(call->argv, call->argv + call->argc);
  try {
    return grpcmesh::grpc::run_grpcurl(args, streams, *call->kube, call->help ? call->help : "");
  } catch (const grpcmesh::UsageError& e) {
    // kubectl's pointer to the command's help (k8s.io/kubectl pkg/util/templates).
    streams.err << "error: " << one_line(e.what()) << "\nSee '" << call->program << " grpcurl --help' for usage.\n";
    return e.exit_code();
  } catch (const grpcmesh::Error& e) {
    streams.err << "error: " << one_line(e.what()) << '\n';
    return e.exit_code();
  } catch (const std::exception& e) {
    streams.err << "error: internal: " << one_line(e.what()) << '\n';
    return grpcmesh::kExitFailure;
  } catch (...) {
    streams.err << "error: internal: an unknown exception\n";
    return grpcmesh::kExitFailure;
  }
}

extern "C" __attribute__((visibility("default"))) int grpcmesh_grpcurl_complete(const grpcmesh_grpcurl_call* call) {
  if (call == nullptr || call->abi != kGrpcmeshGrpcAbi) {
    return grpcmesh::kExitFailure;
  }
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> words(call->argv, call->argv + call->argc);
  std::string to_complete;
  if (!words.empty()) {
    to_complete = words.back();
    words.pop_back();
  }
  grpcmesh::cli::Completion completion;
  completion.directive = grpcmesh::cli::kDirectiveNoFileComp;
  try {
    completion = grpcmesh::grpc::complete_grpcurl(words, to_complete);
  } catch (...) {
    // completion stays silent
  }
  call->streams->out << grpcmesh::cli::format_completion(completion, call->descriptions != 0);
  return grpcmesh::kExitOk;
}
