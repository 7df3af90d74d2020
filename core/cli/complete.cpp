#include "core/cli/complete.hpp"

#include <algorithm>

#include "core/util/error.hpp"

namespace grpcmesh::cli {

namespace {

// The flags a word may name at `path`: the command's own and its ancestors'
// (flags bound on the root are accepted after any command).
std::vector<const Flag*> flags_in_scope(const std::vector<const Command*>& path) {
  std::vector<const Flag*> flags;
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    for (const Flag& f : (*it)->flags) {
      flags.push_back(&f);
    }
  }
  return flags;
}

const Flag* find_long(const std::vector<const Flag*>& flags, const std::string& name) {
  for (const Flag* f : flags) {
    if (std::find(f->long_names.begin(), f->long_names.end(), name) != f->long_names.end()) {
      return f;
    }
  }
  return nullptr;
}

const Flag* find_short(const std::vector<const Flag*>& flags, const std::string& name) {
  for (const Flag* f : flags) {
    if (std::find(f->short_names.begin(), f->short_names.end(), name) != f->short_names.end()) {
      return f;
    }
  }
  return nullptr;
}

std::string key_of(const Flag& f) { return f.long_names.empty() ? f.short_names.front() : f.long_names.front(); }

std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  std::replace(line.begin(), line.end(), '\t', ' ');
  return line;
}

void add_if_prefix(std::vector<Candidate>& out, const std::string& value, const std::string& description,
                   const std::string& prefix) {
  const bool seen = std::any_of(out.begin(), out.end(), [&](const Candidate& c) { return c.value == value; });
  if (!seen && value.starts_with(prefix)) {
    out.push_back({value, first_line(description)});
  }
}

struct Walk {
  ParsedLine line;
  const Flag* pending = nullptr;  // the last word is a flag still waiting for its value
};

Walk walk(const Command& root, const std::vector<std::string>& words) {
  Walk w;
  w.line.path.push_back(&root);
  bool only_positionals = false;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    const Command& cur = *w.line.path.back();
    if (only_positionals) {
      w.line.positionals.push_back(word);
      continue;
    }
    if (word == "--") {
      only_positionals = true;
      continue;
    }
    const auto scope = flags_in_scope(w.line.path);
    if (word.starts_with("--")) {
      const auto eq = word.find('=');
      const Flag* f = find_long(scope, word.substr(2, eq == std::string::npos ? std::string::npos : eq - 2));
      if (f == nullptr || !f->takes_value()) {
        continue;
      }
      if (eq != std::string::npos) {
        w.line.flags[key_of(*f)].push_back(word.substr(eq + 1));
      } else if (i + 1 < words.size()) {
        w.line.flags[key_of(*f)].push_back(words[++i]);
      } else {
        w.pending = f;
      }
      continue;
    }
    if (word.size() > 1 && word.front() == '-') {
      const Flag* f = find_short(scope, word.substr(1, 1));
      if (f == nullptr || !f->takes_value()) {
        continue;
      }
      if (word.size() > 2) {
        w.line.flags[key_of(*f)].push_back(word.substr(word[2] == '=' ? 3 : 2));
      } else if (i + 1 < words.size()) {
        w.line.flags[key_of(*f)].push_back(words[++i]);
      } else {
        w.pending = f;
      }
      continue;
    }
    const Command* sub = w.line.positionals.empty() ? cur.find_subcommand(word) : nullptr;
    if (sub != nullptr && !sub->hidden) {
      w.line.path.push_back(sub);
      w.line.positionals.clear();
    } else {
      w.line.positionals.push_back(word);
    }
  }
  return w;
}

unsigned directive_for(ValueKind kind) {
  switch (kind) {
    case ValueKind::File:
      return kDirectiveDefault;
    case ValueKind::Directory:
      return kDirectiveFilterDirs;
    default:
      return kDirectiveNoFileComp;
  }
}

Completion values(ValueKind kind, const std::vector<std::string>& choices, const ParsedLine& line,
                  const std::string& prefix, const std::string& to_complete, ValueSource& source) {
  Completion c;
  c.directive = directive_for(kind);
  for (const std::string& choice : choices) {
    add_if_prefix(c.candidates, prefix + choice, "", to_complete);
  }
  if (kind == ValueKind::None || kind == ValueKind::File || kind == ValueKind::Directory) {
    return c;
  }
  try {
    for (const Candidate& v : source.values(kind, line)) {
      add_if_prefix(c.candidates, prefix + v.value, v.description, to_complete);
    }
  } catch (const Error&) {
    // An unreachable cluster offers nothing; the shell must not show an error.
  }
  return c;
}

}  // namespace

std::string ParsedLine::flag(const std::string& long_name) const {
  const auto it = flags.find(long_name);
  return it == flags.end() || it->second.empty() ? std::string() : it->second.back();
}

ParsedLine parse_line(const Command& root, const std::vector<std::string>& words) { return walk(root, words).line; }

Completion complete(const Command& root, const std::vector<std::string>& words, const std::string& to_complete,
                    ValueSource& source) {
  const Walk w = walk(root, words);
  const ParsedLine& line = w.line;
  if (w.pending != nullptr) {
    return values(w.pending->kind, w.pending->choices, line, "", to_complete, source);
  }
  const auto scope = flags_in_scope(line.path);
  if (to_complete.starts_with("-") && !std::count(words.begin(), words.end(), "--")) {
    const auto eq = to_complete.find('=');
    if (to_complete.starts_with("--") && eq != std::string::npos) {
      const Flag* f = find_long(scope, to_complete.substr(2, eq - 2));
      if (f == nullptr || !f->takes_value()) {
        return {{}, kDirectiveNoFileComp};
      }
      return values(f->kind, f->choices, line, to_complete.substr(0, eq + 1), to_complete, source);
    }
    Completion c;
    c.directive = kDirectiveNoFileComp;
    for (const Flag* f : scope) {
      for (const std::string& name : f->long_names) {
        add_if_prefix(c.candidates, "--" + name, f->description, to_complete);
      }
      if (!to_complete.starts_with("--")) {
        for (const std::string& name : f->short_names) {
          add_if_prefix(c.candidates, "-" + name, f->description, to_complete);
        }
      }
    }
    return c;
  }
  const Command& cur = *line.path.back();
  Completion c;
  c.directive = kDirectiveNoFileComp;
  if (line.positionals.empty()) {
    for (const Command& sub : cur.subcommands) {
      if (!sub.hidden) {
        add_if_prefix(c.candidates, sub.name, sub.synopsis, to_complete);
      }
    }
  }
  if (!cur.positionals.empty()) {
    const std::size_t index = std::min(line.positionals.size(), cur.positionals.size() - 1);
    const Positional& p = cur.positionals[index];
    if (line.positionals.size() < cur.positionals.size() || p.repeated) {
      Completion v = values(p.kind, p.choices, line, "", to_complete, source);
      c.candidates.insert(c.candidates.end(), v.candidates.begin(), v.candidates.end());
      if (c.candidates.empty()) {
        c.directive = v.directive;
      }
    }
  }
  return c;
}

std::string format_completion(const Completion& completion, bool descriptions) {
  std::string out;
  for (const Candidate& c : completion.candidates) {
    out += c.value;
    if (descriptions && !c.description.empty()) {
      out += '\t';
      out += c.description;
    }
    out += '\n';
  }
  out += ':' + std::to_string(completion.directive) + '\n';
  return out;
}

}  // namespace grpcmesh::cli
