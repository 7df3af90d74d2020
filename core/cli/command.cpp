#include "core/cli/command.hpp"

#include <algorithm>
#include <sstream>

namespace grpcmesh::cli {

namespace {

std::string trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) {
    return {};
  }
  const auto end = s.find_last_not_of(" \t\r\n");
  return s.substr(begin, end - begin + 1);
}

std::string trim_right(const std::string& s) {
  const auto end = s.find_last_not_of(" \t\r\n");
  return end == std::string::npos ? std::string() : s.substr(0, end + 1);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(line);
  }
  return lines;
}

}  // namespace

std::string Flag::display_name() const {
  if (!long_names.empty()) {
    return "--" + long_names.front();
  }
  if (!short_names.empty()) {
    return "-" + short_names.front();
  }
  return {};
}

const Command* Command::find_subcommand(const std::string& wanted) const {
  for (const Command& sub : subcommands) {
    if (sub.name == wanted) {
      return &sub;
    }
  }
  return nullptr;
}

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string suggest_subcommand(const Command& cmd, const std::string& word) {
  std::string best;
  std::size_t best_distance = 3;
  for (const Command& sub : cmd.subcommands) {
    if (sub.hidden || word.empty()) {
      continue;
    }
    if (sub.name.starts_with(word)) {
      return sub.name;
    }
    const std::size_t d = edit_distance(word, sub.name);
    if (d < best_distance) {
      best = sub.name;
      best_distance = d;
    }
  }
  return best;
}

void split_description(const std::string& text, std::string& synopsis, std::string& description) {
  const auto lines = lines_of(text);
  synopsis.clear();
  description.clear();
  std::size_t i = 0;
  // The synopsis is the first paragraph joined into one line.
  for (; i < lines.size() && !trim(lines[i]).empty(); ++i) {
    if (!synopsis.empty()) {
      synopsis += ' ';
    }
    synopsis += trim(lines[i]);
  }
  // A synopsis is a title, as in kubectl's Short: no closing period.
  if (synopsis.ends_with('.') && !synopsis.ends_with("..")) {
    synopsis.pop_back();
  }
  std::string rest;
  for (; i < lines.size(); ++i) {
    if (rest.empty() && trim(lines[i]).empty()) {
      continue;
    }
    rest += lines[i];
    rest += '\n';
  }
  description = trim(rest);
}

void parse_footer(const std::string& footer, std::vector<Example>& examples, std::string& notes) {
  examples.clear();
  std::string other;
  bool in_examples = false;
  Example current;
  auto flush = [&] {
    if (!current.comment.empty() || !current.lines.empty()) {
      examples.push_back(current);
    }
    current = Example{};
  };
  for (const std::string& raw : lines_of(footer)) {
    const std::string line = trim(raw);
    if (line == "Examples:") {
      in_examples = true;
      continue;
    }
    if (in_examples) {
      // An unindented, non-empty line ends the examples section.
      if (!raw.empty() && raw.front() != ' ' && raw.front() != '\t') {
        flush();
        in_examples = false;
      } else if (line.empty()) {
        flush();
        continue;
      } else if (line.front() == '#') {
        if (!current.lines.empty()) {
          flush();
        }
        std::string comment = trim(line.substr(1));
        current.comment = current.comment.empty() ? comment : current.comment + ' ' + comment;
        continue;
      } else {
        // Keep continuation lines' extra indent; drop the section's own two spaces.
        std::string command = raw;
        command.erase(0, std::min<std::size_t>(2, command.find_first_not_of(" \t")));
        current.lines.push_back(trim_right(command));
        continue;
      }
    }
    other += raw;
    other += '\n';
  }
  flush();
  notes = trim(other);
}

}  // namespace grpcmesh::cli
