// End-to-end test harness: runs real programs (kubectl, istioctl, grpcurl, the
// plugin, the test gRPC server) against the control plane that the ctest
// fixture started (tests/controlplane/controlplane.sh), and captures what
// they print.
//
// Every child runs without a shell: arguments go to exec as they are, so
// nothing in them is interpolated. Each child gets its own process group,
// and a timeout kills the whole group.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace e2e {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// ---------------------------------------------------------------- processes

struct RunOptions {
    // Extra environment ("KEY=VALUE" or {KEY, VALUE}); set after the defaults,
    // so they override them. An empty value still sets the variable.
    std::map<std::string, std::string> env{};
    // Variables removed from the child's environment.
    std::vector<std::string> unset{};
    // Start from an empty environment (plus `env`) instead of the test's.
    bool clear_env = false;
    // Written to the child's stdin, which is then closed. Without it the
    // child reads /dev/null.
    std::optional<std::string> stdin_data;
    // Working directory; empty keeps the test's.
    fs::path cwd{};
    // The child (and its process group) is killed after this long.
    std::chrono::milliseconds timeout = 120s;
};

struct Result {
    int exit_code = -1;   // exit status, or 128+signal when killed by a signal
    std::string out;      // everything the child wrote to stdout
    std::string err;      // everything the child wrote to stderr
    bool timed_out = false;

    bool ok() const { return exit_code == 0 && !timed_out; }
    // A one-paragraph summary for failure messages: command, code, output.
    std::string describe() const;
    std::vector<std::string> argv;
};

// Runs argv[0] (a path, or a name looked up in the child's PATH) with the
// given arguments, waits for it and returns what it printed.
Result run(const std::vector<std::string>& argv, const RunOptions& options = {});

// Runs argv like run() under strace (scripts/install-deps.sh installs it)
// and also returns every path the child (or a child of it) tried to open or
// stat, one per line, in `paths`.
struct TracedResult {
    Result result;
    std::string paths;
};
TracedResult run_traced(const std::vector<std::string>& argv, const RunOptions& options = {});

// A long-running child (e.g. the test gRPC server). stdout and stderr go to
// files in a private temporary directory; the destructor stops the process
// group (SIGTERM, then SIGKILL after 5s) and removes the files.
class Background {
public:
    Background(const std::vector<std::string>& argv, const RunOptions& options = {});
    ~Background();
    Background(const Background&) = delete;
    Background& operator=(const Background&) = delete;

    int pid() const { return pid_; }
    // Waits until stdout has a line starting with `prefix` and returns it
    // (without the newline). Throws on timeout or if the process exits first.
    std::string wait_for_line(const std::string& prefix, std::chrono::milliseconds timeout = 30s);
    std::string out() const;  // stdout so far
    std::string err() const;  // stderr so far
    bool running();
    // Stops the process group; returns its exit code (128+signal if killed).
    int stop();

private:
    int pid_ = -1;
    int status_ = -1;
    bool reaped_ = false;
    fs::path dir_;
    std::vector<std::string> argv_;
};

// ---------------------------------------------------------------- files

// A fresh temporary directory, removed (with its contents) on destruction.
class TempDir {
public:
    explicit TempDir(const std::string& prefix = "grpcmesh-e2e");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const fs::path& path() const { return path_; }
    // Writes `content` to path()/name (creating parent directories) and
    // returns the full path.
    fs::path write(const std::string& name, const std::string& content) const;

private:
    fs::path path_;
};

std::string read_file(const fs::path& path);

// ---------------------------------------------------------------- control plane

// The control plane's env file (KEY=VALUE lines written by
// controlplane.sh): $GRPCMESH_E2E_ENV, else the build directory's
// e2e-controlplane/env. Loaded once; throws if missing.
const std::map<std::string, std::string>& cluster_env();
// One value of the env file; throws if the key is missing.
std::string cluster(const std::string& key);

fs::path plugin_path();  // build/kubectl-grpcmesh
fs::path source_dir();   // the repository root

// Environment every control-plane child gets: KUBECONFIG (admin),
// KUBECACHEDIR (the control plane's own discovery cache).
std::map<std::string, std::string> cluster_child_env();

// kubectl (the peer build) as the admin user.
Result kubectl(const std::vector<std::string>& args, RunOptions options = {});
// kubectl with another kubeconfig, e.g. cluster("GRPCMESH_VIEWER_KUBECONFIG").
Result kubectl_as(const std::string& kubeconfig, const std::vector<std::string>& args, RunOptions options = {});
// `kubectl apply --server-side -f -` of a YAML document as the admin user.
Result apply_yaml(const std::string& yaml, const std::vector<std::string>& extra_args = {});
// The plugin binary itself (not through kubectl), as the admin user.
Result plugin(const std::vector<std::string>& args, RunOptions options = {});
Result istioctl(const std::vector<std::string>& args, RunOptions options = {});
Result grpcurl(const std::vector<std::string>& args, RunOptions options = {});

// A directory holding only `kubectl` (the peer) and `kubectl-grpcmesh` plus
// `kubectl_complete-grpcmesh` (symlinks to the build), for real plugin
// discovery the way krew's integration tests do it: run kubectl with
// PATH=dir() and nothing else on the PATH.
class PluginPath {
public:
    PluginPath();
    const fs::path& dir() const { return tmp_.path(); }
    // Runs `kubectl ARGS...` with PATH set to dir() only, as the admin user.
    Result kubectl(const std::vector<std::string>& args, RunOptions options = {}) const;

private:
    TempDir tmp_;
};

// A name unique within this run of the test binary: prefix-<pid>-<n>.
std::string unique_name(const std::string& prefix);

// Whether `text` holds `part`; how many times (overlapping ones counted).
bool contains(const std::string& text, const std::string& part);
size_t count_of(const std::string& text, const std::string& part);
// Creates a namespace with a unique name and returns it. Namespaces are not
// deleted (no namespace controller runs; the control plane is throwaway).
std::string create_namespace(const std::string& prefix = "e2e");

// ---------------------------------------------------------------- test gRPC server

// tests/testserver, started on a free loopback port; stopped on destruction.
// Extra flags: --tls-cert/--tls-key, --client-ca (mutual TLS), --grpc-web,
// --cors-origin, --reflection, --health. Its stderr has one JSON line per
// call (authority, sni, client_cn, ...).
class TestServer {
public:
    explicit TestServer(const std::vector<std::string>& flags = {});
    int port() const { return port_; }
    std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
    std::string log() const { return proc_.err(); }

private:
    Background proc_;
    int port_ = 0;
};

}  // namespace e2e
