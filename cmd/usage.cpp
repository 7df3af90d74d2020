// Usage errors in kubectl's words. CLI11 says "The following argument was
// not expected", "--host: 1 required TEXT missing", "--host is required";
// kubectl (cobra and pflag) says "unknown flag: --x", "flag needs an
// argument: --host", "required flag(s) "host" not set". The wording follows
// github.com/spf13/pflag errors.go (NotExistError, ValueRequiredError,
// InvalidValueError), github.com/spf13/cobra args.go (NoArgs) and command.go
// (ValidateRequiredFlags), and k8s.io/kubectl pkg/cmd/create ("exactly one
// NAME is required, got N") and pkg/util/templates (the "See ... for usage."
// line).
#include "cmd/usage.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string_view>

namespace grpcmesh::cmd {

namespace {

// The option `name` ("--host", "-n", "SERVICE") of `command` or of the
// commands above it (the connection flags live on the root).
const CLI::Option* find_option(const CLI::App* command, const std::string& name) {
  for (const CLI::App* app = command; app != nullptr; app = app->get_parent()) {
    if (const CLI::Option* opt = app->get_option_no_throw(name)) {
      return opt;
    }
  }
  return nullptr;
}

// "kubectl grpcmesh init": how the command is typed.
std::string command_path(const CLI::App& command, const std::string& program) {
  std::vector<std::string> names;
  for (const CLI::App* app = &command; app->get_parent() != nullptr; app = app->get_parent()) {
    names.insert(names.begin(), app->get_name());
  }
  std::string path = program;
  for (const std::string& n : names) {
    path += " " + n;
  }
  return path;
}

std::vector<const CLI::Option*> positionals(const CLI::App& command) {
  std::vector<const CLI::Option*> out;
  for (const CLI::Option* opt : command.get_options()) {
    if (opt->get_positional()) {
      out.push_back(opt);
    }
  }
  return out;
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// How pflag names a flag in "invalid argument" errors: "-o, --output".
std::string flag_names(const CLI::Option& opt) {
  std::string names;
  if (!opt.get_snames().empty()) {
    names = "-" + opt.get_snames().front() + ", ";
  }
  return names + "--" + opt.get_lnames().front();
}

// The flag as the user wrote it last: "-n" or "--namespace".
std::string as_written(const CLI::Option& opt, const std::vector<std::string>& args) {
  for (auto it = args.rbegin(); it != args.rend(); ++it) {
    for (const std::string& s : opt.get_snames()) {
      if (*it == "-" + s) {
        return *it;
      }
    }
    for (const std::string& l : opt.get_lnames()) {
      if (*it == "--" + l || it->starts_with("--" + l + "=")) {
        return "--" + l;
      }
    }
  }
  return opt.get_lnames().empty() ? "-" + opt.get_snames().front() : "--" + opt.get_lnames().front();
}

// "exactly one SERVICE is required, got 2", as kubectl create words it.
std::string positional_count(const CLI::App& command, size_t given) {
  std::vector<const CLI::Option*> wanted = positionals(command);
  std::string names;
  for (const CLI::Option* p : wanted) {
    names += (names.empty() ? "" : " ") + upper(p->get_name());
  }
  return fmt::format("exactly one {} is required, got {}", names, given);
}

// An argument nothing took: pflag's and cobra's words for it.
std::string unexpected(const CLI::App& command, const std::vector<std::string>& extras, const std::string& program) {
  for (const std::string& extra : extras) {
    if (extra.starts_with("--")) {
      return "unknown flag: " + extra.substr(0, extra.find('='));
    }
    if (extra.size() > 1 && extra[0] == '-') {
      return fmt::format("unknown shorthand flag: '{}' in {}", extra[1], extra);
    }
  }
  if (!positionals(command).empty()) {
    size_t given = 0;
    for (const CLI::Option* p : positionals(command)) {
      given += p->count();
    }
    return positional_count(command, given + extras.size());
  }
  return fmt::format("unknown command \"{}\" for \"{}\"", extras.front(), command_path(command, program));
}

// "Value abc not in range 1 to 65535" -> "must be an integer from 1 to 65535";
// "toml not in {json,yaml}" -> "must be one of json, yaml".
std::string why_invalid(const CLI::Option& opt, std::string_view reason) {
  const std::string type = opt.get_type_name();
  const bool integer = type.starts_with("INT") || type.starts_with("UINT");
  if (auto at = reason.find(" not in range "); at != std::string_view::npos) {
    return fmt::format("must be {} from {}", integer ? "an integer" : "a number", reason.substr(at + 14));
  }
  if (auto at = reason.find(" not in {"); at != std::string_view::npos && reason.ends_with("}")) {
    std::string set(reason.substr(at + 9, reason.size() - at - 10));
    std::string listed;
    for (char c : set) {
      listed += c == ',' ? std::string(", ") : std::string(1, c);
    }
    return "must be one of " + listed;
  }
  if (opt.get_expected_max() == 0) {  // a flag: --plaintext=maybe
    return "must be true or false";
  }
  if (integer) {
    return "must be an integer";
  }
  return std::string(reason);
}

// "invalid argument "abc" for "--https-port" flag: must be an integer ...".
std::string invalid_value(const CLI::App& command, const std::string& what) {
  std::string name, value, reason;
  if (constexpr std::string_view kConvert = "Could not convert: "; what.starts_with(kConvert)) {
    // "Could not convert: --plaintext = maybe"
    const std::string rest = what.substr(kConvert.size());
    const auto eq = rest.find(" = ");
    name = rest.substr(0, eq);
    value = eq == std::string::npos ? "" : rest.substr(eq + 3);
  } else {
    // "--https-port: Value abc not in range 1 to 65535", "--output: toml not in {json,yaml}"
    const auto colon = what.find(": ");
    name = what.substr(0, colon);
    reason = colon == std::string::npos ? "" : what.substr(colon + 2);
  }
  const CLI::Option* opt = find_option(&command, name);
  if (opt == nullptr) {
    return what;
  }
  if (value.empty() && !opt->results().empty()) {
    value = opt->results().back();
  }
  if (opt->get_positional()) {
    return fmt::format("invalid argument \"{}\" for {}: {}", value, upper(opt->get_name()), why_invalid(*opt, reason));
  }
  return fmt::format("invalid argument \"{}\" for \"{}\" flag: {}", value, flag_names(*opt),
                     why_invalid(*opt, reason));
}

}  // namespace

const CLI::App& parsed_command(const CLI::App& root) {
  const CLI::App* command = &root;
  for (;;) {
    const std::vector<CLI::App*> subs = command->get_subcommands();
    if (subs.empty()) {
      return *command;
    }
    command = subs.front();
  }
}

void last_value_wins(CLI::App& app) {
  for (CLI::Option* opt : app.get_options()) {
    if (opt->nonpositional() && opt->get_items_expected_max() == 1) {
      opt->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    }
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    last_value_wins(*sub);
  }
}

std::string see_help(const CLI::App& command, const std::string& program) {
  return fmt::format("See '{} --help' for usage.", command_path(command, program));
}

std::string usage_message(const CLI::ParseError& error, const CLI::App& root, const std::vector<std::string>& args,
                          const std::string& program) {
  const CLI::App& command = parsed_command(root);
  const std::string what = error.what();
  // An argument nothing took comes first: pflag stops at an unknown flag
  // before it checks anything else.
  if (std::vector<std::string> extras = root.remaining(true); !extras.empty()) {
    return unexpected(command, extras, program);
  }
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&error) != nullptr && what.ends_with(" missing")) {
    // "--host: 1 required TEXT missing"
    if (const CLI::Option* opt = find_option(&command, what.substr(0, what.find(':')))) {
      const std::string written = as_written(*opt, args);
      if (!written.starts_with("--")) {
        return fmt::format("flag needs an argument: '{}' in {}", written.substr(1), written);
      }
      return "flag needs an argument: " + written;
    }
  }
  if (dynamic_cast<const CLI::RequiredError*>(&error) != nullptr && &command == &root) {
    return "no command given";  // CLI11: "A subcommand is required"
  }
  if (dynamic_cast<const CLI::RequiredError*>(&error) != nullptr && what.ends_with(" is required")) {
    // "--host is required", "SERVICE is required"
    if (const CLI::Option* opt = find_option(&command, what.substr(0, what.size() - 12))) {
      if (opt->get_positional()) {
        return positional_count(command, 0);
      }
      return fmt::format("required flag(s) \"{}\" not set", opt->get_lnames().front());
    }
  }
  if (dynamic_cast<const CLI::ValidationError*>(&error) != nullptr ||
      dynamic_cast<const CLI::ConversionError*>(&error) != nullptr) {
    return invalid_value(command, what);
  }
  return what;
}

}  // namespace grpcmesh::cmd
