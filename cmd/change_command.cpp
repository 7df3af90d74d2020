#include "cmd/change_command.hpp"

#include "core/kube/environment.hpp"
#include "core/kube/rest_config.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::cmd {

std::unique_ptr<kube::Client> make_client(Context& ctx) {
  kube::RestConfig config = kube::load_rest_config(ctx.kube, kube::Environment::from_process());
  // Every object these commands apply names its namespace (the gateway's
  // objects live with the gateway pods); -n only picks the user's Service, so
  // it must not be enforced on the objects as `kubectl apply -n` would.
  config.namespace_explicit = false;
  return std::make_unique<kube::Client>(std::move(config), ctx.streams.err);
}

std::string target_namespace(Context& ctx) {
  if (!ctx.kube.namespace_name.empty()) {
    return ctx.kube.namespace_name;
  }
  try {
    return kube::load_rest_config(ctx.kube, kube::Environment::from_process()).namespace_name;
  } catch (const Error&) {
    return "default";
  }
}

int run_change_command(Context& ctx, const ChangeCommand& command) {
  std::unique_ptr<kube::Client> client;
  if (command.apply.dry_run != kube::DryRun::Client) {
    client = make_client(ctx);
  }
  const mesh::ChangeSet changes = command.plan(client.get());
  mesh::execute(client.get(), changes, command.apply, command.print, ctx.streams);
  if (command.after) {
    command.after(client.get(), ctx.streams);
  }
  return kExitOk;
}

}  // namespace grpcmesh::cmd
