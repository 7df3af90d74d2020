#pragma once

#include "core/cli/command.hpp"

namespace grpcmesh::cli::testing {

// A small command tree shaped like the real one: kube connection flags on the
// root, a command with choices and cluster-backed values, a nested group and
// a hidden command.
inline Command fixture_tree() {
  Command root;
  root.name = "kubectl-grpcmesh";
  root.synopsis = "Configure and diagnose gRPC through an Istio ingress gateway";
  root.requires_subcommand = true;
  root.flags = {
      {{"namespace"}, {"n"}, "string", "If present, the namespace scope", "Kubernetes connection", "", {},
       ValueKind::Namespace},
      {{"context"}, {}, "string", "The kubeconfig context to use", "Kubernetes connection", "", {},
       ValueKind::Context},
      {{"kubeconfig"}, {}, "string", "Path to the kubeconfig file", "Kubernetes connection", "", {}, ValueKind::File},
      {{"color"}, {}, "string", "When to colour output", "", "auto", {"auto", "always", "never"}, ValueKind::None},
      {{"help"}, {"h"}, "", "Print this help message and exit", "", "", {}, ValueKind::None},
  };

  Command expose;
  expose.name = "expose";
  expose.synopsis = "Expose a gRPC Service through the ingress gateway";
  expose.description = "Writes a Gateway and a VirtualService.";
  expose.examples = {{"Expose the greeter", {"kubectl grpcmesh expose greeter --host greeter.example.com"}}};
  expose.flags = {
      {{"host"}, {}, "string", "Host name clients use", "", "", {}, ValueKind::Host},
      {{"gateway"}, {}, "string", "Gateway to bind", "", "", {}, ValueKind::Gateway},
      {{"dry-run"}, {}, "string", "Only print", "", "none", {"none", "client", "server"}, ValueKind::None},
      {{"output"}, {"o"}, "string", "Output format", "", "", {"json", "yaml"}, ValueKind::None},
      {{"cert-dir"}, {}, "dir", "Where certificates go", "", "", {}, ValueKind::Directory},
      {{"wait"}, {}, "", "Wait until ready", "", "", {}, ValueKind::None},
  };
  expose.positionals = {{"SERVICE", "The Service to expose", {}, ValueKind::Service, true, false}};

  Command tls;
  tls.name = "tls";
  tls.synopsis = "Manage gateway certificates";
  tls.requires_subcommand = true;
  Command create;
  create.name = "create";
  create.synopsis = "Create a certificate Secret";
  create.positionals = {{"FILE", "A PEM file", {}, ValueKind::File, false, true}};
  Command rotate;
  rotate.name = "rotate";
  rotate.synopsis = "Rotate a certificate";
  tls.subcommands = {create, rotate};

  Command version;
  version.name = "version";
  version.synopsis = "Print the version";

  Command internal;
  internal.name = "__complete";
  internal.synopsis = "Shell completion";
  internal.hidden = true;

  root.subcommands = {expose, tls, version, internal};
  return root;
}

}  // namespace grpcmesh::cli::testing
