// Which shared libraries a command loads. libcurl (about 30 libraries) and
// libcrypto are loaded on first use (core/util/curl_loader.cpp,
// core/tls/crypto_loader.cpp), so commands that never talk HTTP or touch a
// certificate start without them. The dynamic loader's own log
// (LD_DEBUG=libs) says what was loaded.
#include <doctest/doctest.h>

#include "cli_util.hpp"

using namespace cli_test;

namespace {

// The sonames the dynamic loader initialised while running the command.
std::set<std::string> loaded(const std::vector<std::string>& args) {
  auto r = plugin(args, true, {{"LD_DEBUG", "libs"}});
  CHECK_MESSAGE((r.exit_code == 0 || r.exit_code == 3), r.describe());
  std::set<std::string> out;
  std::istringstream log(r.err);
  for (std::string line; std::getline(log, line);) {
    // "     12345:	calling init: /lib/x86_64-linux-gnu/libcrypto.so.3"
    auto at = line.find("calling init: ");
    if (at != std::string::npos) {
      out.insert(fs::path(line.substr(at + 14)).filename().string());
    }
  }
  return out;
}

std::string tls_file(const std::string& name) { return (source_dir() / "tests/testdata/tls" / name).string(); }

}  // namespace

TEST_CASE("start-up: version, help, offline generation and offline check load neither libcurl nor libcrypto") {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"version"},
           {"--help"},
           {"init", "--host", "grpc.example.com", "--gateway-namespace", "istio-system", "--dry-run=client", "-o",
            "yaml"},
           {"check", "--offline", "-f", (source_dir() / "tests/testdata/check/ok-h2c").string()},
           // A usable TLS Secret is read from DER (core/tls/leaf_facts.cpp).
           {"check", "--offline", "-f", (source_dir() / "tests/testdata/check/ok-https").string()}}) {
    CAPTURE(args.back());
    const std::set<std::string> libs = loaded(args);
    CHECK(libs.count("libc.so.6") == 1);  // the log is read right
    CHECK(libs.count("libcurl.so.4") == 0);
    CHECK(libs.count("libcrypto.so.3") == 0);
  }
}

TEST_CASE("start-up: libstdc++ and libfmt are linked in, not loaded") {
  // Loading and relocating libstdc++.so cost every run about 1.1 MiB and
  // 0.5 ms (docs/benchmarks.md); libfmt.so would bring it back.
  const std::set<std::string> libs = loaded({"version"});
  CHECK(libs.count("libc.so.6") == 1);
  CHECK(libs.count("libstdc++.so.6") == 0);
  CHECK(libs.count("libfmt.so.9") == 0);
  CHECK(libs.count("libgcc_s.so.1") == 0);
}

TEST_CASE("start-up: certificate work loads libcrypto when it needs it, and not libcurl") {
  const std::set<std::string> libs =
      loaded({"tls", "--host", "grpc.example.com", "--gateway-namespace", "istio-system", "--cert",
              tls_file("grpc.example.com.crt"), "--key", tls_file("grpc.example.com.key"), "--dry-run=client", "-o",
              "yaml"});
  CHECK(libs.count("libcrypto.so.3") == 1);
  CHECK(libs.count("libcurl.so.4") == 0);
  // A key that is not the certificate's is left to OpenSSL to tell apart.
  const std::set<std::string> mismatch =
      loaded({"check", "--offline", "-f", (source_dir() / "tests/testdata/check/gm0029-certificate-key-mismatch").string()});
  CHECK(mismatch.count("libcrypto.so.3") == 1);
}
