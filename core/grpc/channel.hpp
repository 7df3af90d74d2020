#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "core/grpc/options.hpp"

namespace grpcmesh::grpc {

// Where and how to connect, after --host resolution: the dial address and the
// TLS/authority choices (SNI, certificate name and :authority independently).
struct Target {
  std::string address;     // host:port to dial
  bool plaintext = false;  // h2c instead of TLS
  std::string authority;   // :authority; empty: the address
  std::string servername;  // TLS SNI and certificate name; empty: the authority
};

Target target_from(const Options& options);

// A channel with grpcurl's settings: TLS verified unless -insecure, -cacert,
// -cert/-key, SNI, :authority, keepalive, max message size, our user agent.
std::shared_ptr<::grpc::Channel> make_channel(const Options& options, const Target& target);

// Connects within -connect-timeout. On failure throws Error with the reason a
// probe of the address finds (refused, TLS vs plaintext mismatch, untrusted
// certificate) and the flag that fixes it.
void connect_or_explain(::grpc::Channel& channel, const Options& options, const Target& target);

}  // namespace grpcmesh::grpc
