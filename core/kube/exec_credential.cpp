#include "core/kube/exec_credential.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>
#include <ostream>
#include <vector>

#include "core/kube/encoding.hpp"
#include "core/util/files.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::kube {
namespace {

using nlohmann::json;

bool executable(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

struct Found {
  std::optional<std::string> path;
  bool relative = false;  // found only through a relative PATH element
};

// Go's exec.LookPath (os/exec/lp_unix.go), which client-go's exec plugin
// runs through exec.Command: a name with '/' is used as it is; any other is
// searched in the PATH of the process itself (the plugin's env does not
// count), an empty element meaning "."; and the first match through a
// relative element is refused (exec.ErrDot) instead of run.
Found find_command(const std::string& command, const std::map<std::string, std::string>& parent_env) {
  if (command.find('/') != std::string::npos) {
    return {executable(command) ? std::optional<std::string>(command) : std::nullopt};
  }
  auto path = parent_env.find("PATH");
  if (path == parent_env.end() || path->second.empty()) {
    return {};  // filepath.SplitList("") has no elements
  }
  const std::string& dirs = path->second;
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t colon = dirs.find(':', start);
    std::string dir = dirs.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + command;
    if (executable(candidate)) {
      return {candidate, candidate.front() != '/'};
    }
    if (colon == std::string::npos) {
      break;
    }
    start = colon + 1;
  }
  return {};
}

// A string field of the plugin's output: absent or null reads as "", as Go
// decodes it; any other type is an error, as kubectl's decoding of the
// ExecCredential fails on it (nlohmann's value() would throw type_error).
std::string string_field(const json& object, const char* key, const std::string& plugin) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    return "";
  }
  if (!it->is_string()) {
    throw Error(fmt::format("exec plugin \"{}\" printed an ExecCredential whose {} is a JSON {}, not a string", plugin,
                            key, it->type_name()));
  }
  return it->get<std::string>();
}

std::string user_label(const RestConfig& config) {
  return config.user_name.empty() ? "the current user" : "user \"" + config.user_name + "\"";
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(const std::string& text) {
  std::tm tm{};
  int offset_sign = 0;
  int oh = 0;
  int om = 0;
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr) {
    return std::nullopt;
  }
  if (*rest == '.') {
    ++rest;
    while (*rest >= '0' && *rest <= '9') {
      ++rest;
    }
  }
  if (*rest == 'Z' || *rest == 'z') {
    ++rest;
  } else if (*rest == '+' || *rest == '-') {
    // Exactly "±hh:mm", as Go's time.Parse(time.RFC3339) reads it.
    auto two_digits = [](const char* p, int& out) {
      if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9') {
        return false;
      }
      out = (p[0] - '0') * 10 + (p[1] - '0');
      return true;
    };
    offset_sign = *rest == '+' ? 1 : -1;
    // Each check stops at the string's end ('\0' is no digit, no ':').
    if (!two_digits(rest + 1, oh) || rest[3] != ':' || !two_digits(rest + 4, om)) {
      return std::nullopt;
    }
    rest += 6;
  } else {
    return std::nullopt;
  }
  if (*rest != '\0') {
    return std::nullopt;
  }
  time_t t = timegm(&tm) - offset_sign * (oh * 3600 + om * 60);
  // A time_point holds nanoseconds, about 292 years either side of 1970; an
  // expiry beyond half of that (year 1824 or 2116) is kept at that bound, in
  // the past or the future as written, so that converting it and comparing
  // it with now cannot overflow.
  constexpr time_t kBound =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::duration::max()).count() / 2;
  t = std::clamp<time_t>(t, -kBound, kBound);
  return std::chrono::system_clock::from_time_t(t);
}

ExecCredential parse_exec_credential(const std::string& output, const std::string& api_version,
                                     const std::string& plugin) {
  json doc;
  try {
    doc = json::parse(output);
  } catch (const json::exception&) {
    throw Error(fmt::format("exec plugin \"{}\" did not print an ExecCredential as JSON; check that it supports {}",
                            plugin, api_version));
  }
  if (!doc.is_object() || string_field(doc, "kind", plugin) != "ExecCredential") {
    throw Error(fmt::format("exec plugin \"{}\" printed JSON that is not an ExecCredential", plugin));
  }
  if (string_field(doc, "apiVersion", plugin) != api_version) {
    throw Error(fmt::format("exec plugin \"{}\" is configured to use API version {}, plugin returned version {}",
                            plugin, api_version, string_field(doc, "apiVersion", plugin)));
  }
  if (!doc.contains("status") || !doc["status"].is_object()) {
    throw Error(fmt::format("exec plugin \"{}\" didn't return a status field", plugin));
  }
  const json& s = doc["status"];
  ExecCredential cred;
  cred.token = string_field(s, "token", plugin);
  cred.client_certificate_data = string_field(s, "clientCertificateData", plugin);
  cred.client_key_data = string_field(s, "clientKeyData", plugin);
  if (cred.token.empty() && cred.client_certificate_data.empty()) {
    throw Error(fmt::format("exec plugin \"{}\" didn't return a token or cert/key pair", plugin));
  }
  if (cred.client_certificate_data.empty() != cred.client_key_data.empty()) {
    throw Error(fmt::format("exec plugin \"{}\" returned only one of clientCertificateData and clientKeyData", plugin));
  }
  if (std::string exp = string_field(s, "expirationTimestamp", plugin); !exp.empty()) {
    cred.expiration = parse_rfc3339(exp);
    if (!cred.expiration) {
      throw Error(fmt::format("exec plugin \"{}\" returned an invalid expirationTimestamp \"{}\"", plugin, exp));
    }
  }
  return cred;
}

std::string exec_info_json(const RestConfig& config, bool interactive) {
  json spec = {{"interactive", interactive}};
  if (config.exec && config.exec->provide_cluster_info) {
    json cluster = {{"server", config.server}};
    if (!config.tls_server_name.empty()) {
      cluster["tls-server-name"] = config.tls_server_name;
    }
    if (config.insecure_skip_tls_verify) {
      cluster["insecure-skip-tls-verify"] = true;
    }
    std::string ca = config.ca_data;
    if (ca.empty() && !config.ca_file.empty()) {
      ca = util::read_file(config.ca_file).value_or("");
    }
    if (!ca.empty()) {
      cluster["certificate-authority-data"] = base64_encode(ca);
    }
    if (!config.proxy_url.empty()) {
      cluster["proxy-url"] = config.proxy_url;
    }
    spec["cluster"] = cluster;
  }
  json info = {{"apiVersion", config.exec ? config.exec->api_version : "client.authentication.k8s.io/v1"},
               {"kind", "ExecCredential"},
               {"spec", spec}};
  return info.dump();
}

ExecCredentialProvider::ExecCredentialProvider(const RestConfig& config, std::ostream& diagnostics, bool stdin_is_tty,
                                               Clock clock)
    : config_(config), diagnostics_(diagnostics), stdin_is_tty_(stdin_is_tty), clock_(std::move(clock)) {}

const ExecCredential& ExecCredentialProvider::get() {
  if (cached_ && cached_->expiration && *cached_->expiration <= clock_()) {
    cached_.reset();
  }
  if (!cached_) {
    cached_ = run();
  }
  return *cached_;
}

ExecCredential ExecCredentialProvider::run() {
  const ExecConfig& ex = *config_.exec;
  bool interactive = ex.interactive_mode != "Never" && stdin_is_tty_;
  if (ex.interactive_mode == "Always" && !stdin_is_tty_) {
    throw Error(fmt::format("exec plugin \"{}\" of {} needs an interactive terminal (interactiveMode: Always) but "
                            "standard input is not a terminal",
                            ex.command, user_label(config_)));
  }
  std::map<std::string, std::string> env = config_.exec_env;
  for (const auto& [k, v] : ex.env) {
    env[k] = v;
  }
  env["KUBERNETES_EXEC_INFO"] = exec_info_json(config_, interactive);
  Found found = find_command(ex.command, config_.exec_env);
  if (found.relative) {
    throw Error(fmt::format("exec plugin \"{}\" of {} was found as {}, relative to the current directory, which "
                            "kubectl refuses to run (cannot run executable found relative to current directory); "
                            "use an absolute command or absolute PATH entries",
                            ex.command, user_label(config_), *found.path));
  }
  const std::optional<std::string>& path = found.path;
  if (!path) {
    std::string hint = ex.install_hint.empty() ? "install it or fix users[].user.exec.command in the kubeconfig"
                                               : ex.install_hint;
    for (char& c : hint) {
      if (c == '\n') {
        c = ' ';
      }
    }
    throw Error(fmt::format("exec plugin: executable \"{}\" of {} not found; {}", ex.command, user_label(config_),
                            hint));
  }
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) {
    env_strings.push_back(k + "=" + v);
  }
  std::vector<char*> envp;
  for (auto& s : env_strings) {
    envp.push_back(s.data());
  }
  envp.push_back(nullptr);
  std::vector<std::string> arg_strings{*path};
  arg_strings.insert(arg_strings.end(), ex.args.begin(), ex.args.end());
  std::vector<char*> argv;
  for (auto& s : arg_strings) {
    argv.push_back(s.data());
  }
  argv.push_back(nullptr);

  int out_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    throw Error("exec plugin: cannot create a pipe");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!interactive) {
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, path->c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  if (rc != 0) {
    ::close(out_pipe[0]);
    throw Error(fmt::format("exec plugin \"{}\" of {} could not be started: {}", ex.command, user_label(config_),
                            std::strerror(rc)));
  }
  ++runs_;
  std::string output;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(out_pipe[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    output.append(buf, static_cast<size_t>(n));
  }
  ::close(out_pipe[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw Error(fmt::format("exec plugin \"{}\" of {} failed with exit code {}; run it yourself to see why",
                            ex.command, user_label(config_), WIFEXITED(status) ? WEXITSTATUS(status) : -1));
  }
  return parse_exec_credential(output, ex.api_version, ex.command);
}

}  // namespace grpcmesh::kube
