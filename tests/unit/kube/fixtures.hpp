#pragma once

// Fixture builders for the Kubernetes client tests: a temporary directory
// and a fluent kubeconfig writer.
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/util/yaml.hpp"

namespace grpcmesh::kube::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "grpcmesh-kube-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  std::string write(const std::string& name, const std::string& content, bool executable = false) const {
    std::string p = file(name);
    std::filesystem::create_directories(std::filesystem::path(p).parent_path());
    std::ofstream(p, std::ios::binary) << content;
    if (executable) {
      std::filesystem::permissions(p, std::filesystem::perms::owner_all);
    }
    return p;
  }

 private:
  std::string path_;
};

// Builds a kubeconfig: Kubeconfig().cluster("c", "https://h:6443").user("u", {{"token","t"}}).context("x","c","u")
class KubeconfigBuilder {
 public:
  KubeconfigBuilder& cluster(const std::string& name, const std::string& server, nlohmann::json extra = {}) {
    nlohmann::json c = extra.is_object() ? extra : nlohmann::json::object();
    if (!server.empty()) {
      c["server"] = server;
    }
    doc_["clusters"].push_back({{"name", name}, {"cluster", c}});
    return *this;
  }
  KubeconfigBuilder& user(const std::string& name, nlohmann::json fields) {
    doc_["users"].push_back({{"name", name}, {"user", fields.is_object() ? fields : nlohmann::json::object()}});
    return *this;
  }
  KubeconfigBuilder& context(const std::string& name, const std::string& cluster, const std::string& user,
                             const std::string& ns = {}) {
    nlohmann::json c = {{"cluster", cluster}, {"user", user}};
    if (!ns.empty()) {
      c["namespace"] = ns;
    }
    doc_["contexts"].push_back({{"name", name}, {"context", c}});
    return *this;
  }
  KubeconfigBuilder& current(const std::string& name) {
    doc_["current-context"] = name;
    return *this;
  }
  std::string yaml() const { return grpcmesh::yaml::dump(doc_); }
  std::string write(const TempDir& dir, const std::string& name) const { return dir.write(name, yaml()); }

 private:
  nlohmann::json doc_ = {{"apiVersion", "v1"}, {"kind", "Config"}, {"clusters", nlohmann::json::array()},
                         {"users", nlohmann::json::array()}, {"contexts", nlohmann::json::array()}};
};

// The message of the grpcmesh::Error `f` throws ("" when it does not throw).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace grpcmesh::kube::testing
