#pragma once
// The run loop shared by commands that change live resources (init, tls,
// expose, stream and web): read the current state (the cluster, or with
// --local the -f manifests; nothing with --dry-run=client), plan, then
// execute the change set (or, with --local, print the complete objects that
// change), then any follow-up output.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cmd/app.hpp"
#include "cmd/apply_flags.hpp"
#include "core/kube/client.hpp"
#include "core/mesh/cluster_state.hpp"
#include "core/mesh/execute.hpp"

namespace grpcmesh::cmd {

// A client for the connection flags (kubeconfig, context, ...).
std::unique_ptr<kube::Client> make_client(Context& ctx);

// The namespace for namespaced arguments: -n, else the kubeconfig context's,
// else "default" (also when there is no kubeconfig, for --dry-run=client).
// With --local it is -n, else "default": the namespace the files' objects
// without one get, as for check -f.
std::string target_namespace(Context& ctx, bool local = false);

struct ChangeCommand {
  kube::ApplyOptions apply;
  kube::PrintOptions print;
  bool local = false;              // --local: the state from `filenames`
  std::vector<std::string> filenames;
  // Computes the change set from the current state; `state` is null with
  // --dry-run=client (every fact from flags).
  std::function<mesh::ChangeSet(mesh::ClusterState* state)> plan;
  // Runs after a successful execute (e.g. printing a route table); optional.
  std::function<void(Streams& streams)> after;
};

// The shared settings of ApplyFlags (-o, --dry-run, --local -f ...).
ChangeCommand change_command(const ApplyFlags& flags);

int run_change_command(Context& ctx, const ChangeCommand& command);

}  // namespace grpcmesh::cmd
