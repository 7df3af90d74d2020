#include "cmd/apply_flags.hpp"

#include "core/util/error.hpp"

namespace grpcmesh::cmd {

kube::PrintOptions PrintFlags::to_options() const {
  kube::PrintOptions o;
  o.format = kube::parse_output_format(output);
  o.show_managed_fields = show_managed_fields;
  return o;
}

kube::ApplyOptions ApplyFlags::to_options() const {
  kube::ApplyOptions o;
  if (dry_run == "none" || dry_run == "false") {
    o.dry_run = kube::DryRun::None;
  } else if (dry_run == "client" || dry_run.empty()) {
    o.dry_run = kube::DryRun::Client;
  } else if (dry_run == "server") {
    o.dry_run = kube::DryRun::Server;
  } else {
    throw UsageError("Invalid dry-run value (" + dry_run + "). Must be \"none\", \"server\", or \"client\".");
  }
  if (field_manager.empty()) {
    throw UsageError("--field-manager must not be empty; omit it to use \"kubectl-grpcmesh\"");
  }
  if (!filenames.empty() && !local) {
    throw UsageError("-f names the manifests --local reads the current state from; add --local (or drop -f to use "
                     "the cluster)");
  }
  if (local) {
    if (filenames.empty()) {
      throw UsageError("--local reads the current state from manifests: give -f FILE|DIR|- (repeatable)");
    }
    if (o.dry_run == kube::DryRun::Server) {
      throw UsageError("--local contacts no cluster, so there is no server to dry-run against: drop --dry-run=server");
    }
    o.dry_run = kube::DryRun::Client;
  } else if (force_conflicts && o.dry_run == kube::DryRun::Client) {
    throw UsageError("--force-conflicts has no effect with --dry-run=client - did you mean --dry-run=server?");
  }
  o.field_manager = field_manager;
  o.force_conflicts = force_conflicts;
  return o;
}

void bind_print_flags(CLI::App& app, PrintFlags& flags) {
  app.add_option("-o,--output", flags.output, "Output format. One of: (json, yaml, name)")
      ->check(CLI::IsMember({"json", "yaml", "name"}));
  app.add_flag("--show-managed-fields", flags.show_managed_fields,
               "If true, keep the managedFields when printing objects in JSON or YAML format");
}

void bind_apply_flags(CLI::App& app, ApplyFlags& flags, bool offer_local) {
  app.add_option("--dry-run", flags.dry_run,
                 "Must be \"none\", \"server\", or \"client\". If client strategy, only print the object that "
                 "would be sent, without sending it. If server strategy, submit server-side request without "
                 "persisting the resource")
      ->expected(0, 1);  // a bare --dry-run means client, as in kubectl
  app.add_option("--field-manager", flags.field_manager, "Name of the manager used to track field ownership")
      ->capture_default_str();
  app.add_flag("--force-conflicts", flags.force_conflicts,
               "If true, server-side apply will force the changes against conflicts");
  if (offer_local) {
    app.add_flag("--local", flags.local,
                 "If true, read the current state from the -f manifests instead of a cluster and print the complete "
                 "objects that change (contacts no cluster)");
    app.add_option("-f,--filename", flags.filenames,
                   "Manifests holding the current state for --local (file, directory read recursively, or - for "
                   "stdin); repeatable")
        ->allow_extra_args(false);
  }
  bind_print_flags(app, flags.print);
}

}  // namespace grpcmesh::cmd
