#include "cmd/help.hpp"

#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

#include "cmd/describe.hpp"
#include "core/cli/help.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::cmd {

namespace {

// Finds `app` in the described tree by following its chain of parents.
cli::CommandPath locate(const CLI::App* app, const cli::Command& root, const std::string& program) {
  std::vector<std::string> names;
  for (const CLI::App* a = app; a->get_parent() != nullptr; a = a->get_parent()) {
    names.insert(names.begin(), a->get_name());
  }
  cli::CommandPath path{program, {&root}};
  for (const std::string& name : names) {
    const cli::Command* sub = path.command().find_subcommand(name);
    if (sub == nullptr) {
      break;
    }
    path.path.push_back(sub);
  }
  return path;
}

const CLI::App* root_of(const CLI::App* app) {
  while (app->get_parent() != nullptr) {
    app = app->get_parent();
  }
  return app;
}

class HelpFormatter : public CLI::FormatterBase {
 public:
  explicit HelpFormatter(std::string program) : program_(std::move(program)) {}

  std::string make_help(const CLI::App* app, std::string /*name*/, CLI::AppFormatMode mode) const override {
    const cli::Command root = describe(*root_of(app), program_);
    const cli::CommandPath path = locate(app, root, program_);
    if (mode != CLI::AppFormatMode::All) {
      return cli::render_help(path);
    }
    // --help-all: every command below this one, one after the other.
    std::string out;
    for (const cli::CommandPath& cmd : cli::visible_commands(path.command(), program_)) {
      cli::CommandPath full = path;
      full.path.insert(full.path.end(), cmd.path.begin() + 1, cmd.path.end());
      if (!out.empty()) {
        out += "\n---\n\n";
      }
      out += cli::render_help(full);
    }
    return out;
  }

 private:
  std::string program_;
};

void set_formatter(CLI::App& app, const std::shared_ptr<HelpFormatter>& formatter) {
  app.formatter(formatter);
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    set_formatter(*sub, formatter);
  }
}

}  // namespace

void install_help(CLI::App& root, const Context& ctx) {
  set_formatter(root, std::make_shared<HelpFormatter>(ctx.program));
}

int write_docs(const CLI::App& root, const std::string& dir) {
  // The docs always show the plugin form, as users type it.
  const std::string program = "kubectl grpcmesh";
  const cli::Command tree = describe(root, program);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  // Pages of commands that no longer exist must not linger.
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("kubectl-grpcmesh") && name.ends_with(".md")) {
      std::filesystem::remove(entry.path(), ec);
    }
  }
  int pages = 0;
  for (const cli::CommandPath& cmd : cli::visible_commands(tree, program)) {
    const auto file = std::filesystem::path(dir) / cli::doc_file_name(cmd);
    std::ofstream out(file, std::ios::binary);
    out << cli::render_markdown(cmd);
    if (!out) {
      throw Error("cannot write " + file.string());
    }
    ++pages;
  }
  return pages;
}

}  // namespace grpcmesh::cmd
