#include "core/cli/shell_scripts.hpp"

#include <doctest/doctest.h>

#include "core/util/error.hpp"

using namespace grpcmesh::cli;

TEST_CASE("shell scripts: each shell's script calls the binary's __complete and registers for it") {
  for (const std::string& shell : completion_shells()) {
    const std::string script = completion_script(shell, "kubectl-grpcmesh");
    CAPTURE(shell);
    CHECK(script.find("__complete") != std::string::npos);
    CHECK(script.find("kubectl-grpcmesh completion " + shell) != std::string::npos);
    CHECK(script.find("@BIN@") == std::string::npos);
    CHECK(script.find("@FN@") == std::string::npos);
  }
  CHECK(completion_script("bash", "kubectl-grpcmesh").find("complete -o default -F __kubectl_grpcmesh_complete kubectl-grpcmesh") !=
        std::string::npos);
  CHECK(completion_script("zsh", "kubectl-grpcmesh").starts_with("#compdef kubectl-grpcmesh\n"));
}

TEST_CASE("shell scripts: an unknown shell is a usage error") {
  CHECK_THROWS_AS(completion_script("powershell", "kubectl-grpcmesh"), grpcmesh::UsageError);
}
