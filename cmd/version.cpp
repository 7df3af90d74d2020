#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <ostream>

#include "cmd/app.hpp"
#include "core/util/error.hpp"
#include "core/util/yaml.hpp"
#include "core/version.hpp"

namespace grpcmesh::cmd {

void register_version(CLI::App& root, Context& ctx) {
  auto* sub = root.add_subcommand("version",
                                 "Print the version, git commit, build date and compiler\n\n"
                                 "Prints what this binary was built from. Include it in bug reports. The\n"
                                 "version follows semantic versioning and matches the CHANGELOG.");
  sub->footer(
      "Examples:\n"
      "  # Print the version information\n"
      "  kubectl grpcmesh version\n\n"
      "  # Print it as JSON for scripts\n"
      "  kubectl grpcmesh version -o json");
  auto output = std::make_shared<std::string>();
  sub->add_option("-o,--output", *output, "Output format: json or yaml")->check(CLI::IsMember({"json", "yaml"}));
  sub->callback([&ctx, output] {
    ctx.action = [&ctx, output] {
      const BuildInfo& info = build_info();
      nlohmann::json doc = {{"version", "v" + info.version},
                            {"gitCommit", info.commit},
                            {"buildDate", info.date},
                            {"compiler", info.compiler}};
      if (*output == "json") {
        ctx.streams.out << doc.dump(2) << '\n';
      } else if (*output == "yaml") {
        ctx.streams.out << yaml::dump(doc);
      } else {
        ctx.streams.out << fmt::format("kubectl-grpcmesh v{} (commit {}, built {}, {})\n", info.version, info.commit,
                                       info.date, info.compiler);
      }
      return kExitOk;
    };
  });
}

}  // namespace grpcmesh::cmd
