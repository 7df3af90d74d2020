// grpcmesh-kube-probe: drives the Kubernetes client core from the command line
// so end-to-end tests and benchmarks can exercise it against a real API
// server. Test-only; the user-facing commands live in cmd/.
//
//   grpcmesh-kube-probe whoami [--repeat N --sleep-ms MS]
//   grpcmesh-kube-probe resolve GROUP/KIND [--version V]
//   grpcmesh-kube-probe get GROUP/KIND NAME [-o ...]
//   grpcmesh-kube-probe list GROUP/KIND [-A] [-l SEL] [--field-selector SEL] [--page-size N] [--count] [-o ...]
//   grpcmesh-kube-probe ingress [--secret NS/NAME [--with-data]]   (typed readers)
//   grpcmesh-kube-probe apply -f FILE [--dry-run=...] [--field-manager M] [--force-conflicts] [-o ...]
// GROUP/KIND is "Service" or "/Service" for the core group, else "networking.istio.io/VirtualService".
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "cmd/app.hpp"
#include "cmd/apply_flags.hpp"
#include "core/kube/apply.hpp"
#include "core/kube/client.hpp"
#include "core/kube/printer.hpp"
#include "core/kube/reader.hpp"
#include "core/kube/rest_config.hpp"
#include "core/util/error.hpp"
#include "core/util/yaml.hpp"

namespace {

using namespace grpcmesh;

kube::GroupKind parse_kind(const std::string& text) {
  auto slash = text.rfind('/');
  if (slash == std::string::npos) {
    return {"", text};
  }
  return {text.substr(0, slash), text.substr(slash + 1)};
}

kube::Client connect(const kube::ConnectionOptions& options) {
  return kube::Client(kube::load_rest_config(options, kube::Environment::from_process()), std::cerr);
}

}  // namespace

int main(int argc, char** argv) {
  kube::ConnectionOptions conn;
  CLI::App app{"Test driver of the Kubernetes client core", "grpcmesh-kube-probe"};
  app.require_subcommand(1);
  app.fallthrough();
  cmd::bind_kube_flags(app, conn);
  std::function<int()> action;

  auto* whoami = app.add_subcommand("whoami", "Print the user the server sees (SelfSubjectReview)");
  int repeat = 1;
  int sleep_ms = 0;
  whoami->add_option("--repeat", repeat);
  whoami->add_option("--sleep-ms", sleep_ms);
  whoami->callback([&] {
    action = [&] {
      kube::Client client = connect(conn);
      for (int i = 0; i < repeat; ++i) {
        if (i > 0 && sleep_ms > 0) {
          std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
        }
        kube::Request r;
        r.method = "POST";
        r.path = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
        r.content_type = "application/json";
        r.body = R"({"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"})";
        r.verb = "create";
        r.resource = "selfsubjectreviews.authentication.k8s.io";
        auto review = client.request(r);
        std::cout << review["status"]["userInfo"].value("username", std::string{}) << '\n';
      }
      return 0;
    };
  });

  std::string kind_text;
  std::string version;
  auto* resolve = app.add_subcommand("resolve", "Print the resource discovery picks for a kind");
  resolve->add_option("kind", kind_text)->required();
  resolve->add_option("--version", version);
  resolve->callback([&] {
    action = [&] {
      kube::Client client = connect(conn);
      auto r = version.empty() ? std::optional(client.resolve(parse_kind(kind_text)))
                               : client.find(parse_kind(kind_text), version);
      if (!r) {
        std::cout << "not served\n";
        return 1;
      }
      std::cout << r->api_version() << ' ' << r->resource << ' ' << (r->namespaced ? "namespaced" : "cluster")
                << '\n';
      return 0;
    };
  });

  std::string name;
  cmd::PrintFlags print;
  auto* get = app.add_subcommand("get", "Get one object");
  get->add_option("kind", kind_text)->required();
  get->add_option("name", name)->required();
  cmd::bind_print_flags(*get, print);
  get->callback([&] {
    action = [&] {
      kube::PrintOptions po = print.to_options();
      kube::Client client = connect(conn);
      auto resource = client.resolve(parse_kind(kind_text));
      auto object = client.get(resource, client.config().namespace_name, name);
      if (!object) {
        throw Error("Error from server (NotFound): " + resource.qualified_resource() + " \"" + name + "\" not found");
      }
      kube::print_objects(std::cout, {*object}, po);
      return 0;
    };
  });

  bool all_namespaces = false;
  bool count_only = false;
  kube::ListOptions list_options;
  auto* list = app.add_subcommand("list", "List objects");
  list->add_option("kind", kind_text)->required();
  list->add_flag("-A,--all-namespaces", all_namespaces);
  list->add_option("-l,--selector", list_options.label_selector);
  list->add_option("--field-selector", list_options.field_selector);
  list->add_option("--page-size", list_options.page_size);
  list->add_flag("--count", count_only);
  cmd::bind_print_flags(*list, print);
  list->callback([&] {
    action = [&] {
      kube::PrintOptions po = print.to_options();
      kube::Client client = connect(conn);
      auto resource = client.resolve(parse_kind(kind_text));
      list_options.namespace_name = all_namespaces ? "" : client.config().namespace_name;
      size_t count = 0;
      kube::ObjectPrinter printer(std::cout, po);
      kube::ListResult result = client.list_each(resource, list_options, [&](nlohmann::json&& item) {
        ++count;
        if (!count_only) {
          printer.add(std::move(item));
        }
      });
      if (result.forbidden) {
        std::cout << "forbidden: " << result.message << '\n';
        return 1;
      }
      if (count_only) {
        std::cout << count << '\n';
      } else {
        printer.finish();
      }
      return 0;
    };
  });

  std::string file;
  cmd::ApplyFlags apply_flags;
  auto* apply = app.add_subcommand("apply", "Server-side apply the objects of a file");
  apply->add_option("-f,--filename", file)->required();
  cmd::bind_apply_flags(*apply, apply_flags, /*offer_local=*/false);
  apply->callback([&] {
    action = [&] {
      kube::ApplyOptions ao = apply_flags.to_options();
      kube::PrintOptions po = apply_flags.print.to_options();
      ao.keep_objects = po.format != kube::OutputFormat::Default;
      std::ifstream in(file);
      if (!in) {
        throw Error("the path \"" + file + "\" does not exist");
      }
      std::stringstream text;
      text << in.rdbuf();
      std::vector<nlohmann::json> objects;
      for (auto& doc : yaml::parse_all(text.str(), file)) {
        if (doc.value.is_object() && doc.value.value("kind", std::string{}) == "List" && doc.value.contains("items")) {
          for (auto& item : doc.value["items"]) {
            objects.push_back(item);
          }
        } else {
          objects.push_back(std::move(doc.value));
        }
      }
      kube::Client client = connect(conn);
      kube::ApplyReport report = kube::apply(client, std::move(objects), ao);
      return kube::print_apply_report(std::cout, std::cerr, report, po);
    };
  });

  std::string secret_ref;
  bool with_data = false;
  auto* ingress = app.add_subcommand("ingress", "Summarise the ingress gateway through the typed readers");
  ingress->add_option("--secret", secret_ref);
  ingress->add_flag("--with-data", with_data);
  ingress->callback([&] {
    action = [&] {
      kube::Client client = connect(conn);
      kube::Reader reader(client);
      kube::ListOptions gateway_pods;
      gateway_pods.label_selector = "istio=ingressgateway";
      for (const auto& svc : reader.list<kube::ServiceView>(gateway_pods).items) {
        std::cout << "service " << svc.meta.namespace_name << '/' << svc.meta.name << ' ' << svc.type;
        for (const auto& a : svc.ingress_addresses) {
          std::cout << ' ' << a;
        }
        for (const auto& p : svc.ports) {
          std::cout << ' ' << p.name << ':' << p.port << "->" << p.target_port;
        }
        std::cout << '\n';
      }
      auto pods = reader.list<kube::PodView>(gateway_pods);
      size_t ready = 0;
      for (const auto& p : pods.items) {
        ready += p.ready ? 1 : 0;
      }
      std::cout << "pods ready " << ready << '/' << pods.items.size() << '\n';
      for (const auto& es : reader.list<kube::EndpointSliceView>().items) {
        if (es.service_name == "istio-ingressgateway") {
          size_t n = 0;
          for (const auto& e : es.endpoints) {
            n += e.ready ? 1 : 0;
          }
          std::cout << "endpointslice " << es.meta.namespace_name << '/' << es.meta.name << " ready " << n << '\n';
        }
      }
      auto secrets = reader.list<kube::SecretView>();
      if (secrets.forbidden) {
        std::cout << "secrets forbidden: " << secrets.message << '\n';
      } else {
        std::cout << "secrets " << secrets.items.size() << '\n';
      }
      if (!secret_ref.empty()) {
        auto slash = secret_ref.find('/');
        auto secret = reader.secret(secret_ref.substr(0, slash), secret_ref.substr(slash + 1), with_data);
        if (!secret) {
          std::cout << "secret " << secret_ref << " not found\n";
        } else {
          for (const auto& [k, v] : secret->data) {
            std::cout << "secret key " << k << " = " << v << '\n';
          }
        }
      }
      return 0;
    };
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    return action ? action() : 0;
  } catch (const Error& e) {
    std::cerr << "error: " << e.what() << '\n';
    return e.exit_code();
  }
}
