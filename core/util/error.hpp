#pragma once

#include <stdexcept>
#include <string>

namespace grpcmesh {

// Process exit codes shared by every command (documented in the README).
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,   // the command ran and failed (bad input, cluster, network)
  kExitUsage = 2,     // the command line itself is wrong
  kExitFindings = 3,  // `check` found problems at or above --fail-on
};

// The one error type for expected failures: bad input, an unreachable or
// refusing server, a bad certificate. The message is one line that says what
// is wrong and, where there is one, how to fix it. Invariants use assert.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, int exit_code = kExitFailure)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// A wrong command line that parsing alone could not catch (conflicting flags,
// a malformed flag value). Exits 2.
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& message) : Error(message, kExitUsage) {}
};

}  // namespace grpcmesh
