// libssl, loaded when a connection first needs TLS: the client core's
// HTTP/2 transport and grpcurl's native connections. A -plaintext grpcurl call
// or a command that never reaches a server does not touch it, and loading
// libssl.so.3 (bound immediately: about 700 symbol relocations) is a
// noticeable part of a short run. As core/util/curl_loader.cpp does for
// libcurl, the libssl functions the code calls are defined here and forward
// to the real ones, looked up in libssl.so.3 on the first call. The libcrypto
// functions (X509_*, ERR_*) come the same way from core/tls/crypto_loader.cpp.
#include <dlfcn.h>
#include <openssl/ssl.h>

#include "core/util/dynamic_library.hpp"

namespace {

constexpr int kFlags = RTLD_NOW | RTLD_LOCAL;
constinit const grpcmesh::util::LazyLibrary kLibssl("libssl.so.3", kFlags, "libssl3");

}  // namespace

#define GRPCMESH_SSL_FORWARD(ret, name, params, args) GRPCMESH_FORWARD(kLibssl, ret, name, params, args)

extern "C" {

GRPCMESH_SSL_FORWARD(const SSL_METHOD*, TLS_client_method, (void), ())
GRPCMESH_SSL_FORWARD(SSL_CTX*, SSL_CTX_new, (const SSL_METHOD* method), (method))
GRPCMESH_SSL_FORWARD(void, SSL_CTX_free, (SSL_CTX* ctx), (ctx))
GRPCMESH_SSL_FORWARD(void, SSL_CTX_set_verify, (SSL_CTX* ctx, int mode, SSL_verify_cb callback),
                     (ctx, mode, callback))
GRPCMESH_SSL_FORWARD(int, SSL_CTX_set_default_verify_paths, (SSL_CTX* ctx), (ctx))
GRPCMESH_SSL_FORWARD(int, SSL_CTX_load_verify_locations, (SSL_CTX* ctx, const char* file, const char* path),
                     (ctx, file, path))
GRPCMESH_SSL_FORWARD(int, SSL_CTX_use_certificate_chain_file, (SSL_CTX* ctx, const char* file), (ctx, file))
GRPCMESH_SSL_FORWARD(int, SSL_CTX_use_PrivateKey_file, (SSL_CTX* ctx, const char* file, int type), (ctx, file, type))
GRPCMESH_SSL_FORWARD(int, SSL_CTX_check_private_key, (const SSL_CTX* ctx), (ctx))
GRPCMESH_SSL_FORWARD(int, SSL_CTX_set_alpn_protos, (SSL_CTX* ctx, const unsigned char* protos, unsigned int len),
                     (ctx, protos, len))
GRPCMESH_SSL_FORWARD(void, SSL_CTX_set_client_cert_cb,
                     (SSL_CTX* ctx, int (*callback)(SSL*, X509**, EVP_PKEY**)), (ctx, callback))
GRPCMESH_SSL_FORWARD(long, SSL_CTX_ctrl, (SSL_CTX* ctx, int cmd, long larg, void* parg), (ctx, cmd, larg, parg))
GRPCMESH_SSL_FORWARD(X509_STORE*, SSL_CTX_get_cert_store, (const SSL_CTX* ctx), (ctx))
GRPCMESH_SSL_FORWARD(int, SSL_CTX_use_certificate, (SSL_CTX* ctx, X509* x), (ctx, x))
GRPCMESH_SSL_FORWARD(int, SSL_CTX_use_PrivateKey, (SSL_CTX* ctx, EVP_PKEY* pkey), (ctx, pkey))
GRPCMESH_SSL_FORWARD(SSL*, SSL_new, (SSL_CTX* ctx), (ctx))
GRPCMESH_SSL_FORWARD(void, SSL_free, (SSL* ssl), (ssl))
GRPCMESH_SSL_FORWARD(int, SSL_set_fd, (SSL* ssl, int fd), (ssl, fd))
GRPCMESH_SSL_FORWARD(long, SSL_ctrl, (SSL* ssl, int cmd, long larg, void* parg), (ssl, cmd, larg, parg))
GRPCMESH_SSL_FORWARD(int, SSL_set_ex_data, (SSL* ssl, int idx, void* data), (ssl, idx, data))
GRPCMESH_SSL_FORWARD(void*, SSL_get_ex_data, (const SSL* ssl, int idx), (ssl, idx))
GRPCMESH_SSL_FORWARD(X509_VERIFY_PARAM*, SSL_get0_param, (SSL* ssl), (ssl))
GRPCMESH_SSL_FORWARD(int, SSL_connect, (SSL* ssl), (ssl))
GRPCMESH_SSL_FORWARD(long, SSL_get_verify_result, (const SSL* ssl), (ssl))
GRPCMESH_SSL_FORWARD(void, SSL_get0_alpn_selected, (const SSL* ssl, const unsigned char** data, unsigned int* len),
                     (ssl, data, len))
GRPCMESH_SSL_FORWARD(const char*, SSL_get_version, (const SSL* ssl), (ssl))
GRPCMESH_SSL_FORWARD(int, SSL_read, (SSL* ssl, void* buf, int num), (ssl, buf, num))
GRPCMESH_SSL_FORWARD(int, SSL_write, (SSL* ssl, const void* buf, int num), (ssl, buf, num))
GRPCMESH_SSL_FORWARD(int, SSL_get_error, (const SSL* ssl, int ret), (ssl, ret))
GRPCMESH_SSL_FORWARD(int, SSL_pending, (const SSL* ssl), (ssl))

}  // extern "C"
