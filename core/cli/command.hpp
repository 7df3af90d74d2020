#pragma once

#include <string>
#include <vector>

namespace grpcmesh::cli {

// A description of the command tree that help, generated docs and shell
// completion are computed from. It knows nothing of the argument parser: the
// CLI layer builds it from its own command objects, so every command is
// covered without being listed anywhere.

// Where the values of a flag or argument come from when completing it.
enum class ValueKind {
  None,       // nothing to offer (free text)
  File,       // a file name (the shell completes it)
  Directory,  // a directory name
  Namespace,  // a namespace in the cluster
  Context,    // a context in the kubeconfig
  Cluster,    // a cluster in the kubeconfig
  User,       // a user in the kubeconfig
  Service,    // a Service in the namespace
  Gateway,    // an Istio Gateway in the namespace
  Host,       // a host that an Istio Gateway serves
};

struct Flag {
  std::vector<std::string> long_names;   // without "--"
  std::vector<std::string> short_names;  // without "-"
  std::string value_name;                // empty for a boolean flag
  std::string description;
  std::string group;                     // help section; empty = "Flags"
  std::string default_value;
  std::vector<std::string> choices;      // fixed set of values, if any
  ValueKind kind = ValueKind::None;

  bool takes_value() const { return !value_name.empty(); }
  // "--output" if it has a long name, else "-o".
  std::string display_name() const;
};

struct Positional {
  std::string name;
  std::string description;
  std::vector<std::string> choices;
  ValueKind kind = ValueKind::None;
  bool required = false;
  bool repeated = false;  // takes any number of values
};

struct Example {
  std::string comment;             // without the leading "# "
  std::vector<std::string> lines;  // command lines
};

struct Command {
  std::string name;
  std::string synopsis;     // one line, no trailing period
  std::string description;  // paragraphs; may be empty only for hidden commands
  std::vector<Example> examples;
  std::string notes;        // any other footer text
  std::vector<Flag> flags;  // this command's own flags
  std::vector<Positional> positionals;
  std::vector<Command> subcommands;
  bool hidden = false;
  bool requires_subcommand = false;

  const Command* find_subcommand(const std::string& name) const;
};

// The visible subcommand of `cmd` a mistyped `word` most likely meant: a
// name it is a prefix of, else the nearest within two edits; "" if none.
std::string suggest_subcommand(const Command& cmd, const std::string& word);

// Splits a command description into its synopsis (the first paragraph as
// one line, without a closing period) and the long description (the
// paragraphs after the first blank line).
void split_description(const std::string& text, std::string& synopsis, std::string& description);

// Parses footer text of the form
//   Examples:
//     # comment
//     command line
//     (blank line)
//     # comment ...
// into examples; whatever else the footer holds is returned as `notes`.
void parse_footer(const std::string& footer, std::vector<Example>& examples, std::string& notes);

}  // namespace grpcmesh::cli
