#include "cmd/app.hpp"
#include "core/util/terminal.hpp"

namespace grpcmesh::cmd {

void bind_color_flag(CLI::App& app, Context& ctx) {
  ctx.color_env = term::ColorEnv::from_process();
  app.add_option_function<std::string>(
         "--color", [&ctx](const std::string& value) { ctx.color = term::parse_color_mode(value); },
         "When to colour output: auto colours a terminal unless NO_COLOR is set or TERM=dumb")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->default_str("auto")
      ->group("Output");
}

}  // namespace grpcmesh::cmd
