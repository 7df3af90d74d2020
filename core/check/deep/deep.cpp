#include "core/check/deep/deep.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "core/util/error.hpp"

namespace grpcmesh::check::deep {
namespace {

HostFacts facts_of(const HostExpectation& e, const PodState& pod, const Located& at) {
  HostFacts f;
  f.host = e.host;
  f.pod = pod.pod->namespace_name + "/" + pod.pod->name;
  if (at.listener != nullptr) {
    f.listener = at.listener->name;
    f.port = at.listener->port;
  }
  if (at.chain != nullptr) {
    f.server_names = at.chain->server_names;
    f.route_config = at.chain->route_config;
    f.http_filters = at.chain->http_filters;
    f.secrets = at.chain->sds_secrets;
  }
  if (at.virtual_host != nullptr) {
    f.virtual_host = at.virtual_host->name;
    for (const ExpectedRoute& r : e.routes) {
      RouteFacts rf;
      rf.match = r.match;
      if (const HttpRoute* live = first_match(*at.virtual_host, r.path)) {
        rf.route = live->name;
        rf.cluster = live->cluster;
        rf.timeout = live->timeout.value_or("");
        auto c = pod.dump->clusters.find(live->cluster);
        rf.http2 = c != pod.dump->clusters.end() && c->second.http2;
        if (c != pod.dump->clusters.end()) {
          rf.idle_timeout = c->second.idle_timeout.value_or("");
        }
      }
      if (const HttpRoute* pre = first_match(*at.virtual_host, r.path, /*preflight=*/true)) {
        rf.preflight_cors = pre->cors || at.virtual_host->cors;
      }
      f.routes.push_back(std::move(rf));
    }
  }
  return f;
}

}  // namespace

std::string istiod_version(std::string_view body) {
  std::string text(body);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  if (text.empty() || text.size() > 200 || text.find_first_of("{<\n") != std::string::npos) {
    return "";  // not istiod's /version
  }
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    size_t dash = text.find('-', start);
    parts.push_back(text.substr(start, dash - start));
    if (dash == std::string::npos) {
      break;
    }
    start = dash + 1;
  }
  size_t n = parts.size();
  if (n < 3) {
    return text;
  }
  size_t keep = parts[n - 2] == "dirty" && n >= 4 ? n - 3 : n - 2;
  std::string out = parts[0];
  for (size_t i = 1; i < keep; ++i) {
    out += "-" + parts[i];
  }
  return out;
}

namespace {

// Dumps are asked for this many pods at a time: each in flight is held whole.
constexpr size_t kDumpBatch = 4;

// What has been read from istiod so far.
struct Gathered {
  std::unique_ptr<IstiodSource> owned;
  IstiodSource* source = nullptr;
  std::vector<std::string> istiods;
  // Every istiod's proxies; a pod connected twice (to two instances) counts once (by_proxy).
  std::vector<ProxySync> syncs;
  std::vector<size_t> sync_istiod;
  std::map<std::string, size_t> by_proxy;
  std::vector<std::string> istiod_versions;
  // The dumps read, by proxy; nothing when istiod had none (the pod left it
  // between the two reads: not connected).
  std::map<std::string, std::optional<ConfigDump>> dumps;
  // Dumps read ahead that failed, and why: an error only if the check needs one of them.
  std::set<std::string> failed;
  std::exception_ptr failure;
};

// Each istiod's sync state and its own version (its /version, on the
// monitoring port: the debug port given directly may not serve it, read as
// istioctl reads it), all asked at once.
void read_sync(Gathered& g) {
  g.istiods = g.source->instances();
  const size_t n = g.istiods.size();
  std::vector<IstiodSource::Get> gets;
  for (size_t i = 0; i < n; ++i) {
    gets.push_back({i, "/debug/syncz"});
  }
  for (size_t i = 0; i < n; ++i) {
    gets.push_back({i, "/version"});
  }
  std::vector<std::vector<ProxySync>> per_istiod(n);
  g.istiod_versions.assign(n, "");
  g.source->get_each(gets, [&](size_t k, kube::Response&& r) {
    const size_t i = gets[k].instance;
    if (k >= n) {
      if (r.status == 200) {
        g.istiod_versions[i] = istiod_version(r.body);
      }
      return;
    }
    if (r.status != 200) {
      throw Error(fmt::format("--deep: istiod {} answered {} to /debug/syncz", g.istiods[i], r.status));
    }
    try {
      per_istiod[i] = parse_syncz(r.body, g.istiods[i]);
    } catch (const Error& e) {
      throw Error(fmt::format("--deep: {} ({}): is it istiod's debug port?", e.what(), g.istiods[i]));
    }
  });
  for (size_t i = 0; i < n; ++i) {
    for (ProxySync& s : per_istiod[i]) {
      g.by_proxy.try_emplace(s.proxy, g.syncs.size());
      g.syncs.push_back(std::move(s));
      g.sync_istiod.push_back(i);
    }
  }
}

// The dumps of `proxies` (each known to istiod), kDumpBatch at a time, each
// reduced as it arrives; `each` after each one.
void read_dumps(Gathered& g, const std::vector<std::string>& proxies, const std::function<void()>& each) {
  for (size_t at = 0; at < proxies.size(); at += kDumpBatch) {
    std::vector<IstiodSource::Get> gets;
    for (size_t k = at; k < std::min(proxies.size(), at + kDumpBatch); ++k) {
      gets.push_back({g.sync_istiod[g.by_proxy.at(proxies[k])], "/debug/config_dump?proxyID=" + proxies[k]});
    }
    g.source->get_each(gets, [&](size_t k, kube::Response&& r) {
      const std::string& proxy = proxies[at + k];
      std::optional<ConfigDump>& dump = g.dumps[proxy];
      if (r.status == 200) {
        try {
          dump = parse_config_dump(r.body);
        } catch (const Error& e) {
          throw Error(fmt::format("--deep: {} (proxy {}, istiod {})", e.what(), proxy, g.istiods[gets[k].instance]));
        }
      }
      // A 404: the pod left istiod between the two reads; not connected.
      r.body.clear();
      r.body.shrink_to_fit();
      if (each) {
        each();
      }
    });
  }
}

std::string dumps_status(size_t done, size_t all) { return fmt::format("config dumps {}/{} pods", done, all); }

// What the objects say of the hosts, and the gateway pods serving them:
// nothing from istiod is needed for it.
struct Plan {
  std::vector<HostExpectation> expectations;
  std::vector<const Resource*> pods;
};

Plan plan_hosts(const Snapshot& snapshot, const std::vector<std::string>& hosts) {
  Plan plan;
  const VirtualServiceIndex index(snapshot);
  std::set<const Resource*> seen;
  for (const std::string& host : hosts) {
    plan.expectations.push_back(expect_host(snapshot, host, index));
    for (const Resource* pod : plan.expectations.back().pods) {
      if (seen.insert(pod).second) {
        plan.pods.push_back(pod);
      }
    }
  }
  return plan;
}

DeepReport inspect_gathered(const Plan& plan, Gathered& g, std::vector<Message>& findings, const Progress& progress) {
  DeepReport report;
  report.istiods = g.istiods;
  const std::vector<HostExpectation>& expectations = plan.expectations;
  const std::vector<const Resource*>& pods = plan.pods;

  // One dump per pod, read once whatever the number of hosts it serves (and
  // not again when it was read ahead).
  std::vector<std::string> missing;
  size_t connected = 0;
  for (const Resource* pod : pods) {
    const std::string proxy = pod->name + "." + pod->namespace_name;
    if (!g.by_proxy.count(proxy)) {
      continue;
    }
    ++connected;
    if (g.dumps.count(proxy)) {
      continue;
    }
    if (g.failed.count(proxy)) {
      std::rethrow_exception(g.failure);
    }
    missing.push_back(proxy);
  }
  size_t done = connected - missing.size();
  if (progress && connected > 0) {
    progress(dumps_status(done, connected));
  }
  read_dumps(g, missing, [&] {
    if (progress) {
      progress(dumps_status(++done, connected));
    }
  });

  std::map<const Resource*, PodState> states;
  for (const Resource* pod : pods) {
    PodState& st = states[pod];
    st.pod = pod;
    st.proxy = pod->name + "." + pod->namespace_name;
    PodFacts pf;
    pf.pod = pod->namespace_name + "/" + pod->name;
    pf.proxy = st.proxy;
    if (auto it = g.by_proxy.find(st.proxy); it != g.by_proxy.end()) {
      const ProxySync& sync = g.syncs[it->second];
      size_t which = g.sync_istiod[it->second];
      if (std::optional<ConfigDump>& dump = g.dumps[st.proxy]) {
        st.sync = &sync;
        st.dump = &*dump;
        st.istiod_version = g.istiod_versions[which];
        pf.istiod = g.istiods[which];
        pf.istio_version = sync.istio_version;
        pf.istiod_version = g.istiod_versions[which];
        pf.sync = sync.types;
      }
    }
    report.pods.push_back(std::move(pf));
  }

  auto analyzers = all_deep_analyzers();
  for (const HostExpectation& e : expectations) {
    for (const Resource* pod : e.pods) {
      const PodState& st = states[pod];
      Located at = st.dump != nullptr ? locate(e, *st.dump) : Located{};
      if (at.server == nullptr && !e.servers.empty()) {
        at.server = &e.servers.front();
      }
      DeepContext ctx(e, st, at, report.istiods, findings);
      for (const auto& a : analyzers) {
        a->analyze(ctx);
      }
      if (st.dump != nullptr) {
        report.hosts.push_back(facts_of(e, st, at));
      }
    }
  }
  return report;
}

}  // namespace

struct Fetch::State {
  Connect connect;
  // start_cancellable: written to when the Fetch is given up on.
  int cancel[2] = {-1, -1};
  ~State() {
    for (int fd : cancel) {
      if (fd >= 0) {
        ::close(fd);
      }
    }
  }
  Gathered got;
  std::exception_ptr error;  // connecting or reading the sync state failed
  bool started = false;      // the sync state has been asked for (on the thread, or by inspect)

  std::mutex mutex;  // guards progress and abandoned, which the thread reads
  Progress progress;
  bool abandoned = false;

  void report(std::string_view status) {
    std::lock_guard lock(mutex);
    if (progress && !abandoned) {
      progress(status);
    }
  }
  // The connection and the sync state; then, on the reading thread, the
  // dumps of the gateway proxies istiod knows, when they are few.
  void read(bool ahead) {
    started = true;
    try {
      report("istiod's sync state");
      got.owned = connect();
      got.source = got.owned.get();
      if (got.source == nullptr) {
        throw Error("--deep: no way to reach istiod");
      }
      read_sync(got);
    } catch (...) {
      error = std::current_exception();
      return;
    }
    if (!ahead) {
      return;
    }
    std::vector<std::string> routers;
    for (const auto& [proxy, i] : got.by_proxy) {
      if (got.syncs[i].proxy_type == "router") {
        routers.push_back(proxy);
      }
    }
    if (routers.empty() || routers.size() > kMaxPrefetched) {
      return;
    }
    size_t done = 0;
    report(dumps_status(0, routers.size()));
    for (size_t at = 0; at < routers.size(); at += kDumpBatch) {
      std::vector<std::string> batch(routers.begin() + static_cast<std::ptrdiff_t>(at),
                                     routers.begin() + static_cast<std::ptrdiff_t>(std::min(routers.size(), at + kDumpBatch)));
      try {
        read_dumps(got, batch, [&] { report(dumps_status(++done, routers.size())); });
      } catch (...) {
        // An error only if the check needs that pod. Which one of a batch
        // failed is known only for a batch of one; the others not read are
        // read again by inspect when it needs them.
        if (batch.size() == 1) {
          got.failed.insert(batch.front());
          got.failure = std::current_exception();
        }
        for (const std::string& proxy : batch) {
          if (auto it = got.dumps.find(proxy); it != got.dumps.end() && !it->second) {
            got.dumps.erase(it);  // a batch stopped midway leaves no half-read entry
          }
        }
        return;
      }
    }
  }
};

std::unique_ptr<Fetch> Fetch::start(Connect connect, Progress progress) {
  std::unique_ptr<Fetch> f(new Fetch());
  f->state_ = std::make_shared<State>();
  f->state_->connect = std::move(connect);
  f->state_->progress = std::move(progress);
  f->state_->started = true;
  // The thread keeps the state alive should the Fetch go before it ends.
  f->thread_ = std::thread([state = f->state_] { state->read(/*ahead=*/true); });
  return f;
}

std::unique_ptr<Fetch> Fetch::start_cancellable(CancellableConnect connect, Progress progress) {
  std::unique_ptr<Fetch> f(new Fetch());
  f->state_ = std::make_shared<State>();
  State& st = *f->state_;
  if (::pipe2(st.cancel, O_CLOEXEC) != 0) {
    st.cancel[0] = st.cancel[1] = -1;  // not cancellable then: left to end by itself
  }
  st.connect = [connect = std::move(connect), fd = st.cancel[0]] { return connect(fd); };
  st.progress = std::move(progress);
  st.started = true;
  f->thread_ = std::thread([state = f->state_] { state->read(/*ahead=*/true); });
  return f;
}

std::unique_ptr<Fetch> Fetch::later(Connect connect, Progress progress) {
  std::unique_ptr<Fetch> f(new Fetch());
  f->state_ = std::make_shared<State>();
  f->state_->connect = std::move(connect);
  f->state_->progress = std::move(progress);
  return f;
}

Fetch::~Fetch() {
  if (thread_.joinable()) {
    // inspect() never came (the objects could not be read): the thread may
    // still wait for istiod. It reports no more progress; a cancellable one
    // is cancelled and joined, so nothing of it outlives the Fetch; any
    // other ends by itself (bounded only by --request-timeout), holding
    // what it reads from.
    {
      std::lock_guard lock(state_->mutex);
      state_->abandoned = true;
      state_->progress = {};
    }
    if (state_->cancel[1] >= 0 && ::write(state_->cancel[1], "x", 1) == 1) {
      thread_.join();  // its requests end at once, and whatever it reads next
      return;
    }
    thread_.detach();
  }
}

std::string Fetch::take_log() {
  if (thread_.joinable() || state_->got.source == nullptr) {
    return {};
  }
  return state_->got.source->take_log();
}

std::unique_ptr<Fetch> fetch_istiod(kube::Client& client, const IstiodOptions& options, Progress progress) {
  if (!options.address.empty()) {
    return Fetch::start_cancellable(
        [config = client.config(), options](int cancel_fd) {
          IstiodOptions o = options;
          o.cancel_fd = cancel_fd;
          return connect_istiod_apart(config, o);
        },
        std::move(progress));
  }
  if (can_connect_apart(client.config(), options)) {
    return Fetch::start([config = client.config(), options] { return connect_istiod_apart(config, options); },
                        std::move(progress));
  }
  return Fetch::later([&client, options] { return connect_istiod(client, options); }, std::move(progress));
}

DeepReport inspect(const Snapshot& snapshot, const std::vector<std::string>& hosts, Fetch& fetch,
                   std::vector<Message>& findings) {
  // The objects' side first, while the reading thread may still wait for istiod.
  const Plan plan = plan_hosts(snapshot, hosts);
  Fetch::State& st = *fetch.state_;
  if (fetch.thread_.joinable()) {
    fetch.thread_.join();
  } else if (!st.started) {
    st.read(/*ahead=*/false);
  }
  if (st.error) {
    std::rethrow_exception(st.error);
  }
  return inspect_gathered(plan, st.got, findings, [&st](std::string_view s) { st.report(s); });
}

DeepReport inspect(const Snapshot& snapshot, const std::vector<std::string>& hosts, IstiodSource& istiod,
                   std::vector<Message>& findings, const Progress& progress) {
  Gathered g;
  g.source = &istiod;
  if (progress) {
    progress("istiod's sync state");
  }
  read_sync(g);
  return inspect_gathered(plan_hosts(snapshot, hosts), g, findings, progress);
}

// The report is built member by member, each value moved in: an
// initializer list would copy every nested value once more (200 hosts' worth).
nlohmann::ordered_json to_json(const DeepReport& report) {
  using J = nlohmann::ordered_json;
  J pods = J::array();
  for (const PodFacts& p : report.pods) {
    J sync = J::array();
    for (const TypeSync& t : p.sync) {
      J one = J::object();
      one["type"] = short_type(t.type_url);
      one["state"] = t.state;
      if (!t.error.empty()) {
        one["error"] = t.error;
      }
      sync.push_back(std::move(one));
    }
    J pod = J::object();
    pod["pod"] = p.pod;
    pod["proxy"] = p.proxy;
    pod["connected"] = !p.istiod.empty();
    pod["istiod"] = p.istiod;
    pod["istioVersion"] = p.istio_version;
    pod["istiodVersion"] = p.istiod_version;
    pod["sync"] = std::move(sync);
    pods.push_back(std::move(pod));
  }
  J hosts = J::array();
  for (const HostFacts& h : report.hosts) {
    J routes = J::array();
    for (const RouteFacts& r : h.routes) {
      J route = J::object();
      route["match"] = r.match;
      route["route"] = r.route;
      route["cluster"] = r.cluster;
      route["timeout"] = r.timeout;
      route["http2"] = r.http2;
      route["idleTimeout"] = r.idle_timeout;
      route["preflightCors"] = r.preflight_cors;
      routes.push_back(std::move(route));
    }
    J host = J::object();
    host["host"] = h.host;
    host["pod"] = h.pod;
    host["listener"] = h.listener;
    host["port"] = h.port;
    host["serverNames"] = h.server_names;
    host["routeConfig"] = h.route_config;
    host["virtualHost"] = h.virtual_host;
    host["httpFilters"] = h.http_filters;
    host["routes"] = std::move(routes);
    host["sdsSecrets"] = h.secrets;
    hosts.push_back(std::move(host));
  }
  J out = J::object();
  out["istiod"] = report.istiods;
  out["pods"] = std::move(pods);
  out["hosts"] = std::move(hosts);
  return out;
}

void render_human(std::ostream& out, const DeepReport& report) {
  out << fmt::format("\nWhat istiod ({}) sends the gateway pods\n", joined(report.istiods));
  for (const PodFacts& p : report.pods) {
    std::vector<std::string> states;
    for (const TypeSync& t : p.sync) {
      states.push_back(short_type(t.type_url) + " " + t.state);
    }
    out << fmt::format("  pod {}: {}\n", p.pod,
                       p.istiod.empty() ? std::string("not connected to istiod")
                                        : fmt::format("istiod {}{}, Istio {}, {}", p.istiod,
                                                      p.istiod_version.empty() ? "" : " (Istio " + p.istiod_version + ")",
                                                      p.istio_version.empty() ? "?" : p.istio_version, joined(states)));
  }
  for (const HostFacts& h : report.hosts) {
    out << fmt::format("  {} on {}: ", h.host, h.pod);
    if (h.listener.empty()) {
      out << "no filter chain\n";
      continue;
    }
    out << fmt::format("listener {} (port {}), route configuration {}\n", h.listener, h.port,
                       h.route_config.empty() ? "none" : h.route_config);
    out << fmt::format("    http filters: {}\n", joined(h.http_filters));
    for (const RouteFacts& r : h.routes) {
      out << fmt::format("    {} -> {}{}{}\n", r.match, r.cluster.empty() ? "no route" : r.cluster,
                         r.cluster.empty() ? "" : (r.http2 ? " (HTTP/2)" : " (not HTTP/2)"),
                         r.timeout.empty() || r.timeout == "0s" ? "" : ", timeout " + r.timeout);
    }
  }
}

}  // namespace grpcmesh::check::deep
