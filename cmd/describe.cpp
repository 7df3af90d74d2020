#include "cmd/describe.hpp"

#include <algorithm>
#include <cctype>

namespace grpcmesh::cmd {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

bool ends_with_any(const std::string& s, std::initializer_list<const char*> suffixes) {
  return std::any_of(suffixes.begin(), suffixes.end(), [&](const char* suffix) { return s.ends_with(suffix); });
}

// CLI11's type name is "TEXT", "INT", or "TEXT:{a,b}" / "TEXT:FILE" when a
// check adds its description. Splits it into a value name, choices and a kind.
void read_type(const std::string& type_name, cli::Flag& flag) {
  const auto colon = type_name.find(':');
  const std::string base = type_name.substr(0, colon);
  if (base == "TEXT" || base.empty()) {
    flag.value_name = "string";
  } else {
    flag.value_name = lower(base);
  }
  if (colon == std::string::npos) {
    return;
  }
  const std::string check = type_name.substr(colon + 1);
  if (check.size() >= 2 && check.front() == '{' && check.back() == '}') {
    std::string item;
    for (char c : check.substr(1, check.size() - 2)) {
      if (c == ',') {
        flag.choices.push_back(item);
        item.clear();
      } else {
        item += c;
      }
    }
    if (!item.empty()) {
      flag.choices.push_back(item);
    }
  } else if (check == "FILE" || check == "PATH(existing)") {
    flag.kind = cli::ValueKind::File;
  } else if (check == "DIR") {
    flag.kind = cli::ValueKind::Directory;
  }
}

bool is_hidden(const CLI::App& app) {
  return app.get_group().empty() || app.get_name().starts_with("__");
}

}  // namespace

cli::ValueKind kind_for_name(const std::string& raw) {
  const std::string name = lower(raw);
  if (name == "namespace" || name.ends_with("-namespace")) {
    return cli::ValueKind::Namespace;
  }
  if (name == "context") {
    return cli::ValueKind::Context;
  }
  if (name == "cluster") {
    return cli::ValueKind::Cluster;
  }
  if (name == "user") {
    return cli::ValueKind::User;
  }
  if (name == "service") {
    return cli::ValueKind::Service;
  }
  if (name == "gateway") {
    return cli::ValueKind::Gateway;
  }
  if (name == "host" || name == "hosts") {
    return cli::ValueKind::Host;
  }
  if (name == "kubeconfig" || name == "file" || name == "filename" || name == "certificate-authority" ||
      name == "cert" || name == "key" || name == "ca" || name == "protoset" ||
      ends_with_any(name, {"-file", "-cert", "-key", "-certificate", "-ca", "-out", "-proto", "-protoset"})) {
    return cli::ValueKind::File;
  }
  if (name == "dir" || ends_with_any(name, {"-dir", "-directory"})) {
    return cli::ValueKind::Directory;
  }
  return cli::ValueKind::None;
}

cli::Command describe(const CLI::App& app, const std::string& program) {
  cli::Command cmd;
  cmd.name = app.get_parent() == nullptr ? program : app.get_name();
  cli::split_description(app.get_description(), cmd.synopsis, cmd.description);
  cli::parse_footer(app.get_footer(), cmd.examples, cmd.notes);
  cmd.hidden = is_hidden(app);
  cmd.requires_subcommand = app.get_require_subcommand_min() > 0;

  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_group().empty()) {
      continue;  // hidden
    }
    if (opt->get_positional() && opt->get_lnames().empty() && opt->get_snames().empty()) {
      cli::Positional p;
      p.name = upper(opt->get_name(true));
      p.description = opt->get_description();
      p.required = opt->get_required();
      p.repeated = opt->get_items_expected_max() > 1;
      cli::Flag type;
      read_type(opt->get_type_name(), type);
      p.choices = type.choices;
      p.kind = type.kind != cli::ValueKind::None ? type.kind : kind_for_name(opt->get_name(true));
      cmd.positionals.push_back(p);
      continue;
    }
    cli::Flag f;
    f.long_names = opt->get_lnames();
    f.short_names = opt->get_snames();
    f.description = opt->get_description();
    f.group = opt->get_group() == "Options" ? "" : opt->get_group();
    if (opt->get_expected_max() != 0) {
      read_type(opt->get_type_name(), f);
      f.default_value = opt->get_default_str();
      if (f.kind == cli::ValueKind::None && !f.long_names.empty()) {
        f.kind = kind_for_name(f.long_names.front());
      }
    }
    cmd.flags.push_back(f);
  }

  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    cmd.subcommands.push_back(describe(*sub, program));
  }
  return cmd;
}

}  // namespace grpcmesh::cmd
