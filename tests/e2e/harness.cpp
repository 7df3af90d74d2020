#include "harness.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

#ifndef GRPCMESH_E2E_ENV_DEFAULT
#error "GRPCMESH_E2E_ENV_DEFAULT must name the control plane's env file"
#endif
#ifndef GRPCMESH_PLUGIN_PATH
#error "GRPCMESH_PLUGIN_PATH must name the kubectl-grpcmesh binary"
#endif
#ifndef GRPCMESH_SOURCE_DIR
#error "GRPCMESH_SOURCE_DIR must name the repository root"
#endif

namespace e2e {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error("e2e harness: " + what); }

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

// Children must not inherit an ignored SIGPIPE; the harness itself ignores
// it so that writing to a child that closed its stdin is an error, not death.
struct IgnoreSigpipe {
    IgnoreSigpipe() { ::signal(SIGPIPE, SIG_IGN); }
} ignore_sigpipe;

// The child's environment: the test's (unless cleared), minus `unset`, plus
// `env`.
std::vector<std::string> child_environment(const RunOptions& options) {
    std::map<std::string, std::string> vars;
    if (!options.clear_env) {
        for (char** e = environ; *e != nullptr; ++e) {
            std::string kv = *e;
            auto eq = kv.find('=');
            if (eq != std::string::npos) vars[kv.substr(0, eq)] = kv.substr(eq + 1);
        }
    }
    for (const auto& name : options.unset) vars.erase(name);
    for (const auto& [k, v] : options.env) vars[k] = v;
    std::vector<std::string> out;
    out.reserve(vars.size());
    for (const auto& [k, v] : vars) out.push_back(k + "=" + v);
    return out;
}

// Resolves a command name through the PATH the child will see.
std::string resolve(const std::string& name, const std::vector<std::string>& envp) {
    if (name.find('/') != std::string::npos) return name;
    std::string path;
    for (const auto& kv : envp) {
        if (kv.rfind("PATH=", 0) == 0) path = kv.substr(5);
    }
    std::stringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        if (dir.empty()) dir = ".";
        fs::path candidate = fs::path(dir) / name;
        if (::access(candidate.c_str(), X_OK) == 0 && !fs::is_directory(candidate)) return candidate.string();
    }
    fail("'" + name + "' not found on the child's PATH (" + path + ")");
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (auto& s : strings) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

// Spawns argv in a new process group with stdin/stdout/stderr set up by the
// caller's file actions. Returns the pid.
pid_t spawn(const std::vector<std::string>& argv, const RunOptions& options, posix_spawn_file_actions_t* actions) {
    if (argv.empty()) fail("run: empty command");
    auto envs = child_environment(options);
    auto args = argv;
    args[0] = resolve(argv[0], envs);
    std::string exe = args[0];
    if (!options.cwd.empty() && posix_spawn_file_actions_addchdir_np(actions, options.cwd.c_str()) != 0) {
        fail("cannot change into " + options.cwd.string());
    }

    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    auto cargv = c_strings(args);
    auto cenv = c_strings(envs);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, exe.c_str(), actions, &attr, cargv.data(), cenv.data());
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        errno = rc;
        fail(errno_text("cannot start " + exe));
    }
    return pid;
}

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

// Waits for the leader without reaping it, kills what is left of its process
// group (the zombie leader keeps the group id from being reused), then reaps.
int finish_group(pid_t pid) {
    siginfo_t info{};
    while (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR) {
    }
    ::kill(-pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return decode_status(status);
}

std::string truncated(const std::string& s, size_t limit = 6000) {
    if (s.size() <= limit) return s;
    return s.substr(0, limit / 2) + "\n[... " + std::to_string(s.size() - limit) + " bytes ...]\n" +
           s.substr(s.size() - limit / 2);
}

}  // namespace

// ---------------------------------------------------------------- run

std::string Result::describe() const {
    std::ostringstream out;
    out << "command:";
    for (const auto& a : argv) out << ' ' << a;
    out << "\nexit code: " << exit_code << (timed_out ? " (timed out)" : "") << "\n--- stdout:\n"
        << truncated(this->out) << "\n--- stderr:\n"
        << truncated(err) << "\n";
    return out.str();
}

Result run(const std::vector<std::string>& argv, const RunOptions& options) {
    int out_pipe[2], err_pipe[2], in_pipe[2] = {-1, -1};
    if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) fail(errno_text("pipe"));
    if (options.stdin_data && ::pipe2(in_pipe, O_CLOEXEC) != 0) fail(errno_text("pipe"));

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (options.stdin_data) {
        posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
    } else {
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    }
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);

    Result result;
    result.argv = argv;
    pid_t pid;
    try {
        pid = spawn(argv, options, &actions);
    } catch (...) {
        posix_spawn_file_actions_destroy(&actions);
        for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1], in_pipe[0], in_pipe[1]}) {
            if (fd >= 0) ::close(fd);
        }
        throw;
    }
    posix_spawn_file_actions_destroy(&actions);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    if (in_pipe[0] >= 0) ::close(in_pipe[0]);

    int in_fd = in_pipe[1];
    size_t in_off = 0;
    if (in_fd >= 0) {
        ::fcntl(in_fd, F_SETFL, O_NONBLOCK);
        if (options.stdin_data->empty()) {
            ::close(in_fd);
            in_fd = -1;
        }
    }
    int out_fd = out_pipe[0], err_fd = err_pipe[0];
    const auto deadline = Clock::now() + options.timeout;
    auto hard_deadline = Clock::time_point::max();
    char buf[65536];
    while (out_fd >= 0 || err_fd >= 0) {
        auto now = Clock::now();
        if (!result.timed_out && now >= deadline) {
            result.timed_out = true;
            ::kill(-pid, SIGKILL);
            // A descendant that left the group may hold the pipes open.
            hard_deadline = now + 2s;
        }
        if (now >= hard_deadline) break;
        auto until = std::min(result.timed_out ? hard_deadline : deadline, now + 1s);
        int wait_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count()) + 1;

        pollfd fds[3];
        int n = 0;
        if (out_fd >= 0) fds[n++] = {out_fd, POLLIN, 0};
        if (err_fd >= 0) fds[n++] = {err_fd, POLLIN, 0};
        if (in_fd >= 0) fds[n++] = {in_fd, POLLOUT, 0};
        int ready = ::poll(fds, n, wait_ms);
        if (ready < 0) {
            if (errno == EINTR) continue;
            fail(errno_text("poll"));
        }
        for (int i = 0; i < n; ++i) {
            if (fds[i].revents == 0) continue;
            if (fds[i].fd == in_fd) {
                const std::string& data = *options.stdin_data;
                ssize_t w = ::write(in_fd, data.data() + in_off, data.size() - in_off);
                if (w > 0) in_off += static_cast<size_t>(w);
                if (w < 0 && errno != EAGAIN && errno != EINTR) in_off = data.size();  // child closed stdin
                if (in_off >= data.size()) {
                    ::close(in_fd);
                    in_fd = -1;
                }
                continue;
            }
            ssize_t r = ::read(fds[i].fd, buf, sizeof buf);
            if (r > 0) {
                (fds[i].fd == out_fd ? result.out : result.err).append(buf, static_cast<size_t>(r));
            } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
                int& fd = fds[i].fd == out_fd ? out_fd : err_fd;
                ::close(fd);
                fd = -1;
            }
        }
    }
    for (int fd : {out_fd, err_fd, in_fd}) {
        if (fd >= 0) ::close(fd);
    }
    if (!result.timed_out) {
        // Output is closed; give the child until the deadline to exit.
        for (;;) {
            siginfo_t info{};
            info.si_pid = 0;
            if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid != 0) break;
            if (Clock::now() >= deadline) {
                result.timed_out = true;
                ::kill(-pid, SIGKILL);
                break;
            }
            std::this_thread::sleep_for(5ms);
        }
    }
    result.exit_code = finish_group(pid);
    return result;
}

// ---------------------------------------------------------------- Background

Background::Background(const std::vector<std::string>& argv, const RunOptions& options) : argv_(argv) {
    const char* tmp = std::getenv("TMPDIR");
    std::string base = std::string(tmp && *tmp ? tmp : "/tmp") + "/grpcmesh-e2e-bg.XXXXXX";
    if (::mkdtemp(base.data()) == nullptr) fail(errno_text("mkdtemp"));
    dir_ = base;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, (dir_ / "stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, (dir_ / "stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    try {
        pid_ = spawn(argv, options, &actions);
    } catch (...) {
        posix_spawn_file_actions_destroy(&actions);
        fs::remove_all(dir_);
        throw;
    }
    posix_spawn_file_actions_destroy(&actions);
}

Background::~Background() {
    stop();
    std::error_code ec;
    fs::remove_all(dir_, ec);
}

bool Background::running() {
    if (reaped_) return false;
    siginfo_t info{};
    info.si_pid = 0;
    return !(::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid != 0);
}

int Background::stop() {
    if (reaped_) return status_;
    if (running()) {
        ::kill(-pid_, SIGTERM);
        auto deadline = Clock::now() + 5s;
        while (running() && Clock::now() < deadline) std::this_thread::sleep_for(10ms);
        if (running()) ::kill(-pid_, SIGKILL);
    }
    status_ = finish_group(pid_);
    reaped_ = true;
    return status_;
}

std::string Background::out() const { return read_file(dir_ / "stdout"); }
std::string Background::err() const { return read_file(dir_ / "stderr"); }

std::string Background::wait_for_line(const std::string& prefix, std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    for (;;) {
        std::istringstream lines(out());
        std::string line;
        while (std::getline(lines, line)) {
            if (line.rfind(prefix, 0) == 0 && !lines.eof()) return line;
        }
        std::string who = argv_.empty() ? "process" : argv_[0];
        if (!running()) fail(who + " exited before printing '" + prefix + "'; stderr:\n" + truncated(err()));
        if (Clock::now() >= deadline) fail(who + " did not print '" + prefix + "' in time; stderr:\n" + truncated(err()));
        std::this_thread::sleep_for(10ms);
    }
}

// ---------------------------------------------------------------- files

TempDir::TempDir(const std::string& prefix) {
    const char* tmp = std::getenv("TMPDIR");
    std::string base = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + prefix + ".XXXXXX";
    if (::mkdtemp(base.data()) == nullptr) fail(errno_text("mkdtemp"));
    path_ = base;
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

fs::path TempDir::write(const std::string& name, const std::string& content) const {
    fs::path p = path_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f << content;
    if (!f) fail("cannot write " + p.string());
    return p;
}

TracedResult run_traced(const std::vector<std::string>& argv, const RunOptions& options) {
    TempDir dir{"grpcmesh-e2e-trace"};
    const fs::path trace = dir.path() / "trace";
    std::vector<std::string> traced{"strace", "-f", "-qq", "-e", "trace=open,openat,stat,newfstatat,access",
                                    "-o", trace.string()};
    traced.insert(traced.end(), argv.begin(), argv.end());
    TracedResult r{run(traced, options), {}};
    // Lines look like: 1234 openat(AT_FDCWD, "/path", O_RDONLY) = 3
    std::istringstream lines(read_file(trace));
    for (std::string line; std::getline(lines, line);) {
        const size_t open = line.find('"');
        const size_t close = open == std::string::npos ? open : line.find('"', open + 1);
        if (close != std::string::npos) {
            r.paths += line.substr(open + 1, close - open - 1) + "\n";
        }
    }
    return r;
}

std::string read_file(const fs::path& path) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

// ---------------------------------------------------------------- control plane

const std::map<std::string, std::string>& cluster_env() {
    static std::once_flag once;
    static std::map<std::string, std::string> values;
    std::call_once(once, [] {
        const char* from_env = std::getenv("GRPCMESH_E2E_ENV");
        fs::path file = from_env && *from_env ? fs::path(from_env) : fs::path(GRPCMESH_E2E_ENV_DEFAULT);
        std::ifstream f(file);
        if (!f) {
            fail("no control plane env file at " + file.string() +
                 "; run the e2e tests through ctest (its fixture starts the control plane), or start one with "
                 "tests/controlplane/controlplane.sh start --state-dir DIR and set GRPCMESH_E2E_ENV=DIR/env");
        }
        std::string line;
        while (std::getline(f, line)) {
            if (line.empty() || line[0] == '#') continue;
            auto eq = line.find('=');
            if (eq != std::string::npos) values[line.substr(0, eq)] = line.substr(eq + 1);
        }
    });
    return values;
}

std::string cluster(const std::string& key) {
    const auto& env = cluster_env();
    auto it = env.find(key);
    if (it == env.end()) fail("the control plane env file has no " + key);
    return it->second;
}

fs::path plugin_path() {
    const char* p = std::getenv("GRPCMESH_PLUGIN");
    return p && *p ? fs::path(p) : fs::path(GRPCMESH_PLUGIN_PATH);
}

fs::path source_dir() { return fs::path(GRPCMESH_SOURCE_DIR); }

std::map<std::string, std::string> cluster_child_env() {
    return {{"KUBECONFIG", cluster("KUBECONFIG")}, {"KUBECACHEDIR", cluster("KUBECACHEDIR")}};
}

namespace {
RunOptions with_cluster_env(RunOptions options) {
    auto env = cluster_child_env();
    for (const auto& [k, v] : options.env) env[k] = v;
    options.env = std::move(env);
    return options;
}

std::vector<std::string> cat(std::string first, const std::vector<std::string>& rest) {
    std::vector<std::string> out{std::move(first)};
    out.insert(out.end(), rest.begin(), rest.end());
    return out;
}
}  // namespace

Result kubectl(const std::vector<std::string>& args, RunOptions options) {
    return run(cat(cluster("KUBECTL"), args), with_cluster_env(std::move(options)));
}

Result kubectl_as(const std::string& kubeconfig, const std::vector<std::string>& args, RunOptions options) {
    options.env["KUBECONFIG"] = kubeconfig;
    return kubectl(args, std::move(options));
}

Result apply_yaml(const std::string& yaml, const std::vector<std::string>& extra_args) {
    RunOptions options;
    options.stdin_data = yaml;
    std::vector<std::string> args{"apply", "--server-side", "-f", "-"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    return kubectl(args, options);
}

Result plugin(const std::vector<std::string>& args, RunOptions options) {
    return run(cat(plugin_path().string(), args), with_cluster_env(std::move(options)));
}

Result istioctl(const std::vector<std::string>& args, RunOptions options) {
    return run(cat(cluster("ISTIOCTL"), args), with_cluster_env(std::move(options)));
}

Result grpcurl(const std::vector<std::string>& args, RunOptions options) {
    return run(cat(cluster("GRPCURL"), args), std::move(options));
}

PluginPath::PluginPath() : tmp_("grpcmesh-e2e-path") {
    fs::create_symlink(cluster("KUBECTL"), tmp_.path() / "kubectl");
    fs::create_symlink(plugin_path(), tmp_.path() / "kubectl-grpcmesh");
    fs::create_symlink(plugin_path(), tmp_.path() / "kubectl_complete-grpcmesh");
}

Result PluginPath::kubectl(const std::vector<std::string>& args, RunOptions options) const {
    options.env["PATH"] = dir().string();
    return run(cat((dir() / "kubectl").string(), args), with_cluster_env(std::move(options)));
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

size_t count_of(const std::string& text, const std::string& part) {
    size_t n = 0;
    for (size_t pos = text.find(part); pos != std::string::npos; pos = text.find(part, pos + 1)) {
        ++n;
    }
    return n;
}

std::string unique_name(const std::string& prefix) {
    static std::atomic<int> counter{0};
    return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

std::string create_namespace(const std::string& prefix) {
    std::string name = unique_name(prefix);
    auto r = kubectl({"create", "namespace", name});
    if (!r.ok()) fail("cannot create namespace " + name + ":\n" + r.describe());
    return name;
}

// ---------------------------------------------------------------- TestServer

namespace {
std::vector<std::string> testserver_argv(const std::vector<std::string>& flags) {
    return cat(cluster("GRPCMESH_TESTSERVER"), flags);
}
}  // namespace

TestServer::TestServer(const std::vector<std::string>& flags) : proc_(testserver_argv(flags)) {
    std::string line = proc_.wait_for_line("listening on ");
    auto colon = line.rfind(':');
    port_ = std::stoi(line.substr(colon + 1));
}

}  // namespace e2e
