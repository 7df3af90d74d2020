#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

#include "core/kube/rest_config.hpp"

namespace grpcmesh::kube {

// What an exec credential plugin returned.
struct ExecCredential {
  std::string token;
  std::string client_certificate_data;  // PEM
  std::string client_key_data;          // PEM
  std::optional<std::chrono::system_clock::time_point> expiration;
};

// Parses the plugin's stdout (an ExecCredential of `api_version`). Throws
// Error naming the plugin when it is malformed.
ExecCredential parse_exec_credential(const std::string& output, const std::string& api_version,
                                     const std::string& plugin);

// The KUBERNETES_EXEC_INFO value client-go passes to the plugin.
std::string exec_info_json(const RestConfig& config, bool interactive);

// Parses an RFC 3339 timestamp ("2026-11-26T10:00:00Z"); nothing when malformed.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(const std::string& text);

// Runs the plugin when needed and caches its credential in the process until
// its expirationTimestamp (no expiry = for the life of the process), like
// client-go. `invalidate()` forgets it (after a 401).
class ExecCredentialProvider {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;
  ExecCredentialProvider(const RestConfig& config, std::ostream& diagnostics, bool stdin_is_tty,
                         Clock clock = std::chrono::system_clock::now);

  const ExecCredential& get();
  void invalidate() { cached_.reset(); }
  int runs() const { return runs_; }

 private:
  ExecCredential run();
  const RestConfig& config_;
  std::ostream& diagnostics_;
  bool stdin_is_tty_;
  Clock clock_;
  std::optional<ExecCredential> cached_;
  int runs_ = 0;
};

}  // namespace grpcmesh::kube
