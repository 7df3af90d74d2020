#include "scenarios.hpp"

#include <algorithm>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <stdexcept>

namespace oracle {

namespace fs = std::filesystem;
using json = nlohmann::json;

Docs read_fixture(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".yaml") {
      files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  Docs docs;
  for (const auto& f : files) {
    std::ifstream in(f);
    std::string line;
    std::string doc;
    auto flush = [&] {
      if (doc.find_first_not_of(" \n\t") != std::string::npos) {
        docs.push_back(json::parse(doc));
      }
      doc.clear();
    };
    while (std::getline(in, line)) {
      if (line == "---") {
        flush();
      } else {
        doc += line + "\n";
      }
    }
    flush();
  }
  return docs;
}

void write_docs(const Docs& docs, const fs::path& file) {
  std::ofstream out(file);
  for (const auto& d : docs) {
    out << "---\n" << d.dump(2) << "\n";
  }
  if (!out) {
    throw std::runtime_error("cannot write " + file.string());
  }
}

json* find(Docs& docs, const std::string& kind, const std::string& name) {
  for (auto& d : docs) {
    if (d.value("kind", "") == kind && (name.empty() || d["metadata"].value("name", "") == name)) {
      return &d;
    }
  }
  return nullptr;
}

namespace {

bool is_istio(const json& d) { return d.value("apiVersion", "").rfind("networking.istio.io/", 0) == 0; }

std::string bare_host(const std::string& h) {
  auto slash = h.find('/');
  return slash == std::string::npos ? h : h.substr(slash + 1);
}

// What a client of the host's first route sends: the path of its first
// uri match, and the content type its header match asks for (a route
// written for gRPC-Web clients matches application/grpc-web).
struct RouteRequest {
  std::string path = "/helloworld.Greeter/SayHello";
  std::string content_type = "application/grpc";
};

RouteRequest request_for(const Docs& docs, const std::string& host) {
  RouteRequest out;
  for (const auto& d : docs) {
    if (!is_istio(d) || d.value("kind", "") != "VirtualService") {
      continue;
    }
    const auto& hosts = d["spec"].value("hosts", json::array());
    if (std::find(hosts.begin(), hosts.end(), host) == hosts.end()) {
      continue;
    }
    for (const auto& rule : d["spec"].value("http", json::array())) {
      for (const auto& m : rule.value("match", json::array())) {
        const auto uri = m.value("uri", json::object());
        if (uri.contains("exact")) {
          out.path = uri["exact"].get<std::string>();
        } else if (uri.contains("prefix")) {
          std::string p = uri["prefix"].get<std::string>();
          out.path = p.back() == '/' ? p + "Call" : p + "/Call";
        }
        const auto ct = m.value("headers", json::object()).value("content-type", json::object());
        if (ct.contains("exact")) {
          out.content_type = ct["exact"].get<std::string>();
        } else if (ct.contains("prefix")) {
          out.content_type = ct["prefix"].get<std::string>();
        }
        return out;
      }
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> served_hosts(const Docs& docs) {
  std::set<std::string> out;
  for (const auto& d : docs) {
    if (!is_istio(d) || d.value("kind", "") != "Gateway") {
      continue;
    }
    for (const auto& s : d["spec"].value("servers", json::array())) {
      for (const auto& h : s.value("hosts", json::array())) {
        const std::string host = bare_host(h.get<std::string>());
        if (host.find('*') == std::string::npos) {
          out.insert(host);
        }
      }
    }
  }
  return {out.begin(), out.end()};
}

namespace {

// The load balancer port a client dials for a Gateway server port: the
// gateway Service's port of that number, else the one whose targetPort it is.
int balancer_port(const Docs& docs, int server_port) {
  int by_target = 0;
  for (const auto& d : docs) {
    const std::string type = d.value("spec", json::object()).value("type", "");
    if (d.value("kind", "") != "Service" || (type != "LoadBalancer" && type != "NodePort")) {
      continue;
    }
    for (const auto& p : d["spec"].value("ports", json::array())) {
      if (p.value("port", 0) == server_port) {
        return server_port;
      }
      if (by_target == 0 && p.contains("targetPort") && p["targetPort"] == server_port) {
        by_target = p.value("port", 0);
      }
    }
  }
  return by_target != 0 ? by_target : server_port;
}

}  // namespace

json grpc_call_for(const Docs& docs, const std::string& host) {
  const RouteRequest request = request_for(docs, host);
  json call = {{"name", host},
               {"authority", host},
               {"path", request.path},
               {"headers", {{"content-type", request.content_type}, {"te", "trailers"}}}};
  for (const auto& d : docs) {
    if (!is_istio(d) || d.value("kind", "") != "Gateway") {
      continue;
    }
    for (const auto& s : d["spec"].value("servers", json::array())) {
      for (const auto& h : s.value("hosts", json::array())) {
        const std::string served = bare_host(h.get<std::string>());
        if (served != host) {
          continue;
        }
        call["port"] = balancer_port(docs, s["port"]["number"].get<int>());
        const std::string protocol = s["port"].value("protocol", "");
        if (protocol == "HTTPS" || protocol == "TLS") {
          call["tls"] = "tls";
          call["alpn"] = "h2";
        }
        return call;
      }
    }
  }
  call["port"] = 443;
  call["tls"] = "tls";
  call["alpn"] = "h2";
  return call;
}

namespace {

// Adds a mutation; `edit` changes a copy of the base objects.
struct Generator {
  std::vector<Mutation>& out;
  std::string fixture;
  Docs base;

  void add(const std::string& group, const std::string& what, const std::function<void(Docs&)>& edit) {
    Mutation m{fixture + "/" + what, group, base, json::array()};
    edit(m.docs);
    std::set<std::string> hosts;
    for (const auto& h : served_hosts(base)) {
      hosts.insert(h);
    }
    for (const auto& h : served_hosts(m.docs)) {
      hosts.insert(h);
    }
    const auto named = served_hosts(m.docs);
    for (const auto& h : hosts) {
      // A host the mutated Gateways serve by name is called where they serve
      // it; a host they serve only through a wildcard (or no longer at all)
      // is called as the fixture's user would.
      const bool served = std::find(named.begin(), named.end(), h) != named.end();
      m.calls.push_back(grpc_call_for(served ? m.docs : base, h));
    }
    out.push_back(std::move(m));
  }
};

json& backend(Docs& docs) { return *find(docs, "Service", "greeter"); }
json& route(Docs& docs) { return *find(docs, "VirtualService"); }
json& gateway(Docs& docs) { return *find(docs, "Gateway"); }
json& ingress(Docs& docs) { return *find(docs, "Service", "istio-ingressgateway"); }

// Renames the backend port in the Service and its EndpointSlices.
void set_port_name(Docs& docs, const std::string& name) {
  auto& port = backend(docs)["spec"]["ports"][0];
  if (name.empty()) {
    port.erase("name");
  } else {
    port["name"] = name;
  }
  for (auto& d : docs) {
    if (d.value("kind", "") == "EndpointSlice") {
      for (auto& p : d["ports"]) {
        if (name.empty()) {
          p.erase("name");
        } else {
          p["name"] = name;
        }
      }
    }
  }
}

void set_port_number(Docs& docs, int number) {
  auto& port = backend(docs)["spec"]["ports"][0];
  port["port"] = number;
  port["targetPort"] = number;
  for (auto& d : docs) {
    if (d.value("kind", "") == "EndpointSlice") {
      for (auto& p : d["ports"]) {
        p["port"] = number;
      }
    }
  }
  route(docs)["spec"]["http"][0]["route"][0]["destination"]["port"]["number"] = number;
}

void add_second_gateway(Docs& docs, const std::string& name, const std::string& ns, const json& selector,
                        const std::string& host) {
  json gw = gateway(docs);
  gw["metadata"] = {{"name", name}, {"namespace", ns}};
  gw["spec"]["selector"] = selector;
  gw["spec"]["servers"][0]["hosts"] = json::array({host});
  docs.push_back(gw);
}

void protocol_mutations(Generator& g) {
  const std::vector<std::string> names = {"grpc", "grpc-api", "grpc-web", "http2", "http2-api", "http",
                                          "http-api", "https", "tcp", "tls", "mongo", "web", ""};
  const std::vector<std::string> app = {"",         "grpc",   "GRPC",  "grpc-v2",          "grpc-web",
                                        "Grpc-Web", "http2",  "HTTP2", "http2-x",          "h2c",
                                        "http",     "https",  "tcp",   "kubernetes.io/h2c", "kubernetes.io/ws",
                                        "kubernetes.io/wss", "kubernetes.io/grpc", "foo"};
  for (const auto& n : names) {
    for (const auto& a : app) {
      g.add("port protocol", "port name=" + (n.empty() ? "<none>" : n) + " appProtocol=" + (a.empty() ? "<none>" : a),
            [&](Docs& d) {
              set_port_name(d, n);
              if (!a.empty()) {
                backend(d)["spec"]["ports"][0]["appProtocol"] = a;
              }
            });
    }
  }
  // Unnamed and unrecognised names on the ports Istio knows by number, and
  // UDP.
  for (int number : {25, 53, 3306, 27017, 50051}) {
    for (const std::string n : {"", "foo"}) {
      g.add("port protocol", "port number=" + std::to_string(number) + " name=" + (n.empty() ? "<none>" : n),
            [&](Docs& d) {
              set_port_name(d, n);
              set_port_number(d, number);
            });
    }
  }
  g.add("port protocol", "port name=grpc protocol=UDP", [](Docs& d) {
    backend(d)["spec"]["ports"][0]["protocol"] = "UDP";
  });
  g.add("port protocol", "port name=grpc protocol=SCTP", [](Docs& d) {
    backend(d)["spec"]["ports"][0]["protocol"] = "SCTP";
  });
}

void export_mutations(Generator& g) {
  const std::vector<std::string> route_values = {"", ".", "*", "default", "istio-system", "other"};
  const std::vector<std::string> service_values = {"", ".", "*", "istio-system", "other", "~", "default,istio-system"};
  for (const auto& r : route_values) {
    for (const auto& s : service_values) {
      g.add("exportTo", "VirtualService exportTo=" + (r.empty() ? "<none>" : r) + " Service exportTo=" +
                            (s.empty() ? "<none>" : s),
            [&](Docs& d) {
              if (!r.empty()) {
                route(d)["spec"]["exportTo"] = json::array({r});
              }
              if (!s.empty()) {
                backend(d)["metadata"]["annotations"]["networking.istio.io/exportTo"] = s;
              }
            });
    }
  }
}

void destination_rule_export_mutations(Generator& g) {
  // ok-h2-upgrade: only the DestinationRule makes the backend HTTP/2.
  for (const std::string ns : {"default", "istio-system"}) {
    for (const std::string e : {"", ".", "*", "default", "istio-system", "other"}) {
      g.add("exportTo", "DestinationRule in " + ns + " exportTo=" + (e.empty() ? "<none>" : e), [&](Docs& d) {
        auto& dr = *find(d, "DestinationRule");
        dr["metadata"]["namespace"] = ns;
        dr["spec"]["host"] = "greeter.default.svc.cluster.local";
        if (!e.empty()) {
          dr["spec"]["exportTo"] = json::array({e});
        }
      });
    }
  }
}

void server_host_mutations(Generator& g) {
  const std::vector<std::string> hosts = {"grpc.example.com",        "./grpc.example.com", "default/grpc.example.com",
                                          "istio-system/grpc.example.com", "other/grpc.example.com",
                                          "*/grpc.example.com",      "*.example.com",      "*",
                                          "default/*",               "other/*",            "./*.example.com"};
  for (const auto& h : hosts) {
    for (const std::string ns : {"default", "other"}) {
      g.add("server hosts", "server host=" + h + " route in " + ns, [&](Docs& d) {
        gateway(d)["spec"]["servers"][0]["hosts"] = json::array({h});
        if (ns != "default") {
          auto& vs = route(d);
          vs["metadata"]["namespace"] = ns;
          vs["spec"]["gateways"] = json::array({"default/grpc-gateway"});
          vs["spec"]["http"][0]["route"][0]["destination"]["host"] = "greeter.default.svc.cluster.local";
        }
      });
    }
  }
}

void multi_gateway_mutations(Generator& g) {
  const json selector = gateway(g.base)["spec"]["selector"];
  struct Case {
    std::string what;
    std::vector<std::string> gateways;
    std::vector<std::string> hosts;
    bool second;
  };
  const std::vector<Case> cases = {
      {"both gateways, one host", {"grpc-gateway", "second"}, {"grpc.example.com"}, true},
      {"both gateways, both hosts", {"grpc-gateway", "second"}, {"grpc.example.com", "api.example.com"}, true},
      {"both gateways reversed", {"second", "grpc-gateway"}, {"grpc.example.com", "api.example.com"}, true},
      {"first gateway, both hosts", {"grpc-gateway"}, {"grpc.example.com", "api.example.com"}, true},
      {"second gateway, first host", {"second"}, {"grpc.example.com"}, true},
      {"second gateway, both hosts", {"second"}, {"grpc.example.com", "api.example.com"}, true},
      {"gateway and mesh", {"default/grpc-gateway", "mesh"}, {"grpc.example.com"}, false},
      {"mesh only", {"mesh"}, {"grpc.example.com"}, false},
      {"namespaced names", {"default/grpc-gateway", "default/second"}, {"grpc.example.com", "api.example.com"}, true},
      {"missing second gateway", {"grpc-gateway", "second"}, {"grpc.example.com", "api.example.com"}, false},
  };
  for (const auto& c : cases) {
    g.add("several gateways", c.what, [&](Docs& d) {
      if (c.second) {
        add_second_gateway(d, "second", "default", selector, "api.example.com");
      }
      route(d)["spec"]["gateways"] = c.gateways;
      route(d)["spec"]["hosts"] = c.hosts;
    });
  }
}

void subset_mutations(Generator& g) {
  for (const std::string subset : {"", "v1", "v2", "v3"}) {
    for (const std::string host : {"greeter", "greeter.default.svc.cluster.local", "greeter.default"}) {
      for (const std::string ns : {"default", "istio-system", "other"}) {
        g.add("subsets", "subset=" + (subset.empty() ? "<none>" : subset) + " DestinationRule host=" + host + " in " + ns,
              [&](Docs& d) {
                d.push_back({{"apiVersion", "networking.istio.io/v1"},
                             {"kind", "DestinationRule"},
                             {"metadata", {{"name", "greeter-subsets"}, {"namespace", ns}}},
                             {"spec",
                              {{"host", host},
                               {"subsets",
                                json::array({{{"name", "v1"}, {"labels", {{"version", "v1"}}}},
                                             {{"name", "v2"}, {"labels", {{"version", "v2"}}}}})}}}});
                if (!subset.empty()) {
                  route(d)["spec"]["http"][0]["route"][0]["destination"]["subset"] = subset;
                }
              });
      }
    }
  }
}

void rewrite_mutations(Generator& g) {
  for (const std::string uri : {"/", "/helloworld.Greeter/", "/v2/"}) {
    g.add("rewrites", "rewrite uri=" + uri, [&](Docs& d) { route(d)["spec"]["http"][0]["rewrite"] = {{"uri", uri}}; });
  }
  g.add("rewrites", "rewrite authority", [](Docs& d) {
    route(d)["spec"]["http"][0]["rewrite"] = {{"authority", "greeter.default.svc.cluster.local"}};
  });
  g.add("rewrites", "rewrite uriRegexRewrite", [](Docs& d) {
    route(d)["spec"]["http"][0]["rewrite"] = {
        {"uriRegexRewrite", {{"match", "^/helloworld.Greeter/(.*)$"}, {"rewrite", "/helloworld.Greeter/\\1"}}}};
  });
}

void selector_mutations(Generator& g) {
  const std::vector<std::pair<std::string, json>> selectors = {
      {"istio", {{"istio", "ingressgateway"}}},
      {"istio+app", {{"istio", "ingressgateway"}, {"app", "istio-ingressgateway"}}},
      {"app", {{"app", "istio-ingressgateway"}}},
      {"other", {{"istio", "other"}}},
  };
  for (const auto& [label, selector] : selectors) {
    for (const std::string host : {"grpc.example.com", "api.example.com"}) {
      for (const std::string ns : {"default", "istio-system"}) {
        g.add("overlapping selectors", "second Gateway selector=" + label + " host=" + host + " in " + ns,
              [&](Docs& d) { add_second_gateway(d, "overlap", ns, selector, host); });
      }
    }
  }
}

void port_mutations(Generator& g) {
  for (const std::string dest : {"50051", "50052", "none"}) {
    for (bool two : {false, true}) {
      g.add("ports", "destination port=" + dest + (two ? " two Service ports" : " one Service port"), [&](Docs& d) {
        auto& destination = route(d)["spec"]["http"][0]["route"][0]["destination"];
        if (dest == "none") {
          destination.erase("port");
        } else {
          destination["port"]["number"] = std::stoi(dest);
        }
        if (two) {
          backend(d)["spec"]["ports"].push_back({{"name", "http-admin"}, {"port", 8080}, {"targetPort", 8080}});
        }
      });
    }
  }
  for (const json& target : {json(50051), json(9090), json("grpc")}) {
    g.add("ports", "backend targetPort=" + target.dump(), [&](Docs& d) {
      backend(d)["spec"]["ports"][0]["targetPort"] = target;
    });
  }
  for (int number : {443, 8443, 444, 80}) {
    g.add("ports", "server port=" + std::to_string(number), [&](Docs& d) {
      gateway(d)["spec"]["servers"][0]["port"]["number"] = number;
    });
  }
  for (const json& target : {json(8443), json(443), json(8080)}) {
    g.add("ports", "gateway Service targetPort=" + target.dump(), [&](Docs& d) {
      for (auto& p : ingress(d)["spec"]["ports"]) {
        if (p["port"] == 443) {
          p["targetPort"] = target;
        }
      }
    });
  }
  g.add("ports", "gateway Service without 443", [](Docs& d) {
    auto& ports = ingress(d)["spec"]["ports"];
    ports.erase(std::remove_if(ports.begin(), ports.end(), [](const json& p) { return p["port"] == 443; }), ports.end());
  });
}

}  // namespace

std::vector<Mutation> generate_mutations(const fs::path& fixtures) {
  std::vector<Mutation> out;
  Generator https{out, "ok-https", read_fixture(fixtures / "ok-https")};
  protocol_mutations(https);
  export_mutations(https);
  server_host_mutations(https);
  multi_gateway_mutations(https);
  subset_mutations(https);
  rewrite_mutations(https);
  selector_mutations(https);
  port_mutations(https);
  Generator upgrade{out, "ok-h2-upgrade", read_fixture(fixtures / "ok-h2-upgrade")};
  destination_rule_export_mutations(upgrade);
  Generator h2c{out, "ok-h2c", read_fixture(fixtures / "ok-h2c")};
  server_host_mutations(h2c);
  return out;
}

}  // namespace oracle
