#include "cmd/change_command.hpp"

#include "core/kube/environment.hpp"
#include "core/kube/rest_config.hpp"
#include "core/mesh/local_state.hpp"
#include "core/util/yaml.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::cmd {
namespace {

// --local: plan against the manifests and print the complete objects that
// change, in the files' order (new ones after), as one YAML stream (or a JSON
// List); the objects to delete and the summary go to stderr.
void run_local(Context& ctx, const ChangeCommand& command) {
  mesh::LocalState state = mesh::LocalState::load(command.filenames, ctx.streams.in, target_namespace(ctx, true),
                                                  command.apply.field_manager);
  const mesh::ChangeSet changes = command.plan(&state);
  const mesh::LocalResult result = state.apply(changes);
  kube::PrintOptions print = command.print;
  if (print.format == kube::OutputFormat::Default) {
    print.format = kube::OutputFormat::Yaml;
  }
  if (print.format == kube::OutputFormat::Yaml) {
    std::vector<nlohmann::json> shown;
    for (const auto& o : result.objects) {
      shown.push_back(kube::prepare_for_output(o, print));
    }
    ctx.streams.out << yaml::dump_all(shown);
  } else if (!result.objects.empty() || print.format == kube::OutputFormat::Json) {
    kube::print_objects(ctx.streams.out, result.objects, print);
  }
  for (const auto& d : result.deleted) {
    ctx.streams.err << d << " is deleted: remove it from the files\n";
  }
  if (result.objects.empty() && result.deleted.empty()) {
    ctx.streams.err << "No object changes\n";
  }
  for (const auto& w : changes.warnings) {
    ctx.streams.err << "Warning: " << w << '\n';
  }
  for (const auto& n : changes.notes) {
    ctx.streams.err << n << '\n';
  }
}

}  // namespace

std::unique_ptr<kube::Client> make_client(Context& ctx) {
  kube::RestConfig config = kube::load_rest_config(ctx.kube, kube::Environment::from_process());
  // Every object these commands apply names its namespace (the gateway's
  // objects live with the gateway pods); -n only picks the user's Service, so
  // it must not be enforced on the objects as `kubectl apply -n` would.
  config.namespace_explicit = false;
  return std::make_unique<kube::Client>(std::move(config), ctx.streams.err);
}

std::string target_namespace(Context& ctx, bool local) {
  if (!ctx.kube.namespace_name.empty()) {
    return ctx.kube.namespace_name;
  }
  if (local) {
    return "default";
  }
  try {
    return kube::load_rest_config(ctx.kube, kube::Environment::from_process()).namespace_name;
  } catch (const Error&) {
    return "default";
  }
}

ChangeCommand change_command(const ApplyFlags& flags) {
  ChangeCommand command;
  command.apply = flags.to_options();
  command.print = flags.print.to_options();
  command.local = flags.local;
  command.filenames = flags.filenames;
  return command;
}

int run_change_command(Context& ctx, const ChangeCommand& command) {
  if (command.local) {
    run_local(ctx, command);
  } else if (command.apply.dry_run == kube::DryRun::Client) {
    const mesh::ChangeSet changes = command.plan(nullptr);
    mesh::execute(nullptr, changes, command.apply, command.print, ctx.streams);
  } else {
    std::unique_ptr<kube::Client> client = make_client(ctx);
    mesh::LiveState state(*client);
    const mesh::ChangeSet changes = command.plan(&state);
    mesh::execute(client.get(), changes, command.apply, command.print, ctx.streams);
  }
  if (command.after) {
    command.after(ctx.streams);
  }
  return kExitOk;
}

}  // namespace grpcmesh::cmd
