// The module's exported entry point: turns the C call into run_grpcurl and
// reports failures the way the main binary does.
#include "core/grpc/entry.hpp"

#include <csignal>

#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "core/grpc/complete.hpp"
#include "core/grpc/run.hpp"
#include "core/util/error.hpp"

namespace {

// The caller's streams, written and read through this module's own stream
// objects over the caller's stream buffers. A stream formats with its
// locale's facets, which each copy of the C++ library finds by its own
// numbering: libc++ numbers them in the order a process first asks for them,
// so the module's copy looking a facet up in the main binary's stream found
// another facet and called into data (the portable release crashed on every
// error grpcurl printed). A stream buffer only moves bytes, through its
// virtual functions, which are the caller's own code.
class ModuleStreams {
 public:
  explicit ModuleStreams(const grpcmesh::Streams& caller)
      : in_(caller.in.rdbuf()),
        out_(caller.out.rdbuf()),
        err_(caller.err.rdbuf()),
        streams_{in_, out_, err_, caller.out_is_tty, caller.err_is_tty} {
    in_.flags(caller.in.flags());
    out_.flags(caller.out.flags());
    err_.flags(caller.err.flags());
    // What the caller's streams flush before they are used (std::cerr and
    // std::cin flush std::cout), so that output keeps its order.
    if (caller.err.tie() == &caller.out) {
      err_.tie(&out_);
    }
    if (caller.in.tie() == &caller.out) {
      in_.tie(&out_);
    }
  }
  ~ModuleStreams() {
    out_.flush();
    err_.flush();
  }
  ModuleStreams(const ModuleStreams&) = delete;
  ModuleStreams& operator=(const ModuleStreams&) = delete;

  grpcmesh::Streams& streams() { return streams_; }

 private:
  std::istream in_;
  std::ostream out_;
  std::ostream err_;
  grpcmesh::Streams streams_;
};

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
  ModuleStreams module_streams(*call->streams);
  grpcmesh::Streams& streams = module_streams.streams();
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
  ModuleStreams module_streams(*call->streams);
  module_streams.streams().out << grpcmesh::cli::format_completion(completion, call->descriptions != 0);
  return grpcmesh::kExitOk;
}
