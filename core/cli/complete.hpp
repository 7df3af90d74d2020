#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/cli/command.hpp"

namespace grpcmesh::cli {

// Shell completion over a command tree, speaking cobra's protocol, which
// kubectl uses for plugins: the request is the words typed after the program
// name plus the word being completed; the answer is one candidate per line
// ("value" or "value<TAB>description") and a last line ":<directive>".

// cobra's ShellCompDirective bits.
enum Directive : unsigned {
  kDirectiveDefault = 0,         // nothing special: the shell may fall back to files
  kDirectiveError = 1,           // completion failed; the shell offers nothing
  kDirectiveNoSpace = 2,         // do not add a space after the completion
  kDirectiveNoFileComp = 4,      // do not fall back to file names
  kDirectiveFilterFileExt = 8,   // candidates are file extensions to filter on
  kDirectiveFilterDirs = 16,     // complete directory names only
  kDirectiveKeepOrder = 32,      // keep the candidates' order
};

struct Candidate {
  std::string value;
  std::string description;
};

struct Completion {
  std::vector<Candidate> candidates;
  unsigned directive = kDirectiveDefault;
};

// What the words before the one being completed say: the command they
// select, the flag values given so far (by the flag's first long name, e.g.
// "namespace") and the positional arguments of that command.
struct ParsedLine {
  std::vector<const Command*> path;
  std::map<std::string, std::vector<std::string>> flags;
  std::vector<std::string> positionals;

  // The last value given for a flag, or "".
  std::string flag(const std::string& long_name) const;
};

// Where dynamic values come from (cluster, kubeconfig). A source throws
// grpcmesh::Error when it cannot answer; completion then offers nothing
// rather than failing the shell.
class ValueSource {
 public:
  virtual ~ValueSource() = default;
  virtual std::vector<Candidate> values(ValueKind kind, const ParsedLine& line) = 0;
};

// Reads the words before the one being completed.
ParsedLine parse_line(const Command& root, const std::vector<std::string>& words);

// Completes `to_complete` after `words` (both without the program name).
Completion complete(const Command& root, const std::vector<std::string>& words, const std::string& to_complete,
                    ValueSource& source);

// The protocol's text: candidates, with descriptions unless `descriptions`
// is false, then ":<directive>".
std::string format_completion(const Completion& completion, bool descriptions);

}  // namespace grpcmesh::cli
