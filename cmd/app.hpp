#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "core/kube/connection_options.hpp"
#include "core/util/streams.hpp"

namespace grpcmesh::cmd {

// What every command gets from the root: the streams, the shared kubectl
// connection flags, and the name to show in usage lines. A command's callback
// only gathers and validates its flags into options and stores the work to do
// in `action`; main runs it after parsing, so a parse error never runs anything.
struct Context {
  Streams streams;
  kube::ConnectionOptions kube;
  std::string program = "kubectl grpcmesh";  // how usage lines name the tool
  std::function<int()> action;
};

// Each command lives in its own file and registers itself here.
void register_version(CLI::App& root, Context& ctx);
void register_init(CLI::App& root, Context& ctx);
void register_tls(CLI::App& root, Context& ctx);
void register_stream(CLI::App& root, Context& ctx);
void register_web(CLI::App& root, Context& ctx);

// Binds the kubectl connection flag group (--kubeconfig, --context, -n, ...).
void bind_kube_flags(CLI::App& app, kube::ConnectionOptions& options);

}  // namespace grpcmesh::cmd
