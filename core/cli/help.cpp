#include "core/cli/help.hpp"

#include <algorithm>
#include <string_view>

namespace grpcmesh::cli {

namespace {

constexpr const char* kDefaultGroup = "Flags";

std::string flag_left(const Flag& f) {
  std::string left = "  ";
  if (!f.short_names.empty()) {
    left += "-" + f.short_names.front();
    left += f.long_names.empty() ? "" : ", ";
  } else {
    left += "    ";
  }
  for (std::size_t i = 0; i < f.long_names.size(); ++i) {
    left += (i == 0 ? "--" : ", --") + f.long_names[i];
  }
  if (f.takes_value()) {
    left += ' ';
    if (!f.choices.empty()) {
      for (std::size_t i = 0; i < f.choices.size(); ++i) {
        left += (i == 0 ? "" : "|") + f.choices[i];
      }
    } else {
      left += f.value_name;
    }
  }
  return left;
}

std::string flag_right(const Flag& f) {
  std::string right = f.description;
  if (f.takes_value() && !f.default_value.empty()) {
    right += " (default \"" + f.default_value + "\")";
  }
  return right;
}

std::string columns(const std::vector<std::pair<std::string, std::string>>& rows) {
  std::size_t width = 0;
  for (const auto& [left, right] : rows) {
    width = std::max(width, left.size());
  }
  std::string out;
  for (const auto& [left, right] : rows) {
    out += left;
    if (!right.empty()) {
      out += std::string(width - left.size() + 3, ' ');
      out += right;
    }
    out += '\n';
  }
  return out;
}

std::string group_title(const std::string& group) {
  if (group.empty() || group == kDefaultGroup) {
    return kDefaultGroup;
  }
  return group + " flags";
}

// Flags grouped by help section, the default section first, others in the
// order they first appear.
std::vector<std::pair<std::string, std::vector<Flag>>> grouped(const std::vector<Flag>& flags) {
  std::vector<std::pair<std::string, std::vector<Flag>>> groups;
  groups.emplace_back(kDefaultGroup, std::vector<Flag>{});
  for (const Flag& f : flags) {
    const std::string title = group_title(f.group);
    auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == title; });
    if (it == groups.end()) {
      groups.emplace_back(title, std::vector<Flag>{});
      it = groups.end() - 1;
    }
    it->second.push_back(f);
  }
  groups.erase(std::remove_if(groups.begin(), groups.end(), [](const auto& g) { return g.second.empty(); }),
               groups.end());
  return groups;
}

bool has_visible_subcommands(const Command& cmd) {
  return std::any_of(cmd.subcommands.begin(), cmd.subcommands.end(), [](const Command& c) { return !c.hidden; });
}

std::string root_name(const CommandPath& cmd) { return cmd.program; }

}  // namespace

std::string CommandPath::full_name() const {
  std::string name = program;
  for (std::size_t i = 1; i < path.size(); ++i) {
    name += ' ';
    name += path[i]->name;
  }
  return name;
}

std::string usage_block(const CommandPath& cmd) {
  const Command& c = cmd.command();
  std::string line = "  " + cmd.full_name();
  if (has_visible_subcommands(c)) {
    line += c.requires_subcommand ? " <command>" : " [command]";
  }
  for (const Positional& p : c.positionals) {
    std::string arg = p.name + (p.repeated ? "..." : "");
    line += ' ';
    line += p.required ? arg : "[" + arg + "]";
  }
  line += " [flags]\n";
  return line;
}

// The examples are written as typed through kubectl; run directly, they
// name the program as it was run ("kubectl-grpcmesh init ...").
std::string examples_block(const Command& cmd, const std::string& program) {
  constexpr std::string_view kPlugin = "kubectl grpcmesh";
  std::string out;
  for (std::size_t i = 0; i < cmd.examples.size(); ++i) {
    const Example& e = cmd.examples[i];
    if (i > 0) {
      out += '\n';
    }
    if (!e.comment.empty()) {
      out += "  # " + e.comment + '\n';
    }
    for (const std::string& line : e.lines) {
      const bool ours = line.starts_with(kPlugin) && (line.size() == kPlugin.size() || line[kPlugin.size()] == ' ');
      out += "  " + (ours ? program + line.substr(kPlugin.size()) : line) + '\n';
    }
  }
  return out;
}

std::string flags_block(const std::vector<Flag>& flags) {
  std::vector<std::pair<std::string, std::string>> rows;
  rows.reserve(flags.size());
  for (const Flag& f : flags) {
    rows.emplace_back(flag_left(f), flag_right(f));
  }
  return columns(rows);
}

std::string commands_block(const Command& cmd) {
  std::vector<std::pair<std::string, std::string>> rows;
  for (const Command& sub : cmd.subcommands) {
    if (!sub.hidden) {
      rows.emplace_back("  " + sub.name, sub.synopsis);
    }
  }
  return columns(rows);
}

std::string render_help(const CommandPath& cmd) {
  const Command& c = cmd.command();
  std::string out = c.synopsis + "\n";
  if (!c.description.empty()) {
    out += "\n" + c.description + "\n";
  }
  out += "\nUsage:\n" + usage_block(cmd);
  if (!c.examples.empty()) {
    out += "\nExamples:\n" + examples_block(c, cmd.program);
  }
  if (has_visible_subcommands(c)) {
    out += "\nCommands:\n" + commands_block(c);
  }
  for (const auto& [title, flags] : grouped(c.flags)) {
    out += "\n" + title + ":\n" + flags_block(flags);
  }
  if (!c.notes.empty()) {
    out += "\n" + c.notes + "\n";
  }
  if (has_visible_subcommands(c)) {
    out += "\nUse \"" + cmd.full_name() + " <command> --help\" for more information about a command.\n";
  }
  if (!cmd.is_root()) {
    out += "\nUse \"" + root_name(cmd) + " --help\" for the flags every command accepts.\n";
  }
  return out;
}

std::string doc_file_name(const CommandPath& cmd) {
  std::string name = "kubectl-grpcmesh";
  for (std::size_t i = 1; i < cmd.path.size(); ++i) {
    name += '_';
    name += cmd.path[i]->name;
  }
  return name + ".md";
}

std::string render_markdown(const CommandPath& cmd) {
  const Command& c = cmd.command();
  std::string out = "## " + cmd.full_name() + "\n\n" + c.synopsis + "\n";
  if (!c.description.empty()) {
    out += "\n### Description\n\n" + c.description + "\n";
  }
  out += "\n### Usage\n\n```\n" + usage_block(cmd) + "```\n";
  if (!c.examples.empty()) {
    out += "\n### Examples\n\n```\n" + examples_block(c, cmd.program) + "```\n";
  }
  for (const auto& [title, flags] : grouped(c.flags)) {
    out += "\n### " + title + "\n\n```\n" + flags_block(flags) + "```\n";
  }
  if (!c.notes.empty()) {
    out += "\n### Notes\n\n" + c.notes + "\n";
  }
  std::string links;
  if (!cmd.is_root()) {
    CommandPath parent{cmd.program, {cmd.path.begin(), cmd.path.end() - 1}};
    links += "* [" + parent.full_name() + "](" + doc_file_name(parent) + ") - " + parent.command().synopsis + "\n";
  }
  for (const Command& sub : c.subcommands) {
    if (!sub.hidden) {
      CommandPath child = cmd;
      child.path.push_back(&sub);
      links += "* [" + child.full_name() + "](" + doc_file_name(child) + ") - " + sub.synopsis + "\n";
    }
  }
  if (!links.empty()) {
    out += "\n### See also\n\n" + links;
  }
  return out;
}

std::vector<CommandPath> visible_commands(const Command& root, const std::string& program) {
  std::vector<CommandPath> all;
  std::vector<CommandPath> stack{CommandPath{program, {&root}}};
  while (!stack.empty()) {
    CommandPath cur = stack.back();
    stack.pop_back();
    all.push_back(cur);
    const auto& subs = cur.command().subcommands;
    for (auto it = subs.rbegin(); it != subs.rend(); ++it) {
      if (!it->hidden) {
        CommandPath child = cur;
        child.path.push_back(&*it);
        stack.push_back(child);
      }
    }
  }
  return all;
}

}  // namespace grpcmesh::cli
