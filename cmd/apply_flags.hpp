#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "core/kube/apply.hpp"
#include "core/kube/printer.hpp"

namespace grpcmesh::cmd {

// The printing flags kubectl shares between commands: -o yaml|json|name and
// --show-managed-fields.
struct PrintFlags {
  std::string output;
  bool show_managed_fields = false;

  // Throws UsageError for an unknown -o value.
  kube::PrintOptions to_options() const;
};

// The flags of a command that changes live resources: kubectl's
// --dry-run=none|client|server, --field-manager, --force-conflicts, plus the
// printing flags, and --local -f FILE|DIR|- (the current state from
// manifests, no cluster).
struct ApplyFlags {
  std::string dry_run = "none";
  std::string field_manager = "kubectl-grpcmesh";
  bool force_conflicts = false;
  bool local = false;
  std::vector<std::string> filenames;
  PrintFlags print;

  // Throws UsageError for a bad --dry-run or an empty --field-manager, or
  // --force-conflicts with --dry-run=client (nothing is sent to resolve);
  // -f without --local, --local without -f, --local with --dry-run=server.
  // --local plans without a cluster: dry_run is Client.
  kube::ApplyOptions to_options() const;
};

void bind_print_flags(CLI::App& app, PrintFlags& flags);
// offer_local: also --local and -f (the commands that plan changes); a tool
// that applies the objects of a file binds its own -f instead.
void bind_apply_flags(CLI::App& app, ApplyFlags& flags, bool offer_local = true);

}  // namespace grpcmesh::cmd
