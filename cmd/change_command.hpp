#pragma once
// The run loop shared by commands that change live resources (init, tls,
// expose, and later stream and web): make the client unless
// --dry-run=client, plan, execute the change set, then any follow-up output.

#include <functional>
#include <memory>
#include <string>

#include "cmd/app.hpp"
#include "core/kube/client.hpp"
#include "core/mesh/execute.hpp"

namespace grpcmesh::cmd {

// A client for the connection flags (kubeconfig, context, ...).
std::unique_ptr<kube::Client> make_client(Context& ctx);

// The namespace for namespaced arguments: -n, else the kubeconfig context's,
// else "default" (also when there is no kubeconfig, for --dry-run=client).
std::string target_namespace(Context& ctx);

struct ChangeCommand {
  kube::ApplyOptions apply;
  kube::PrintOptions print;
  // Computes the change set; `client` is null with --dry-run=client.
  std::function<mesh::ChangeSet(kube::Client* client)> plan;
  // Runs after a successful execute (e.g. printing a route table); optional.
  std::function<void(kube::Client* client, Streams& streams)> after;
};

int run_change_command(Context& ctx, const ChangeCommand& command);

}  // namespace grpcmesh::cmd
