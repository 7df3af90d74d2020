// libcurl, loaded when first used. libcurl.so.4 brings about 30 shared
// libraries (OpenSSL, GnuTLS for librtmp, Kerberos, LDAP, SSH, IDN, ...) whose
// mapping and relocation cost several milliseconds at every start. Commands
// that never talk HTTP through libcurl (`version`, `completion`, most of
// `grpcurl`) should not pay for that, so the binary does not link libcurl:
// the libcurl functions the code calls are defined here and forward to the
// real ones, which are looked up in libcurl.so.4 (dlopen) on the first call.
// The headers are libcurl's own; only the functions used are provided, and
// a missing one fails the link.
#define CURL_DISABLE_TYPECHECK 1  // the type-checking macros would hide the functions defined here
#include <curl/curl.h>
#include <dlfcn.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/util/dynamic_library.hpp"

namespace {

void* library() {
  static void* handle = [] {
    // GnuTLS comes in only as a dependency of librtmp and libldap, which are
    // never used: skip its implicit initialisation (p11-kit modules, RNG,
    // about 1 MiB of memory) while the library loads, without leaving the
    // variable to the programs this process starts.
    const char* before = getenv("GNUTLS_NO_IMPLICIT_INIT");
    const std::string saved = before != nullptr ? before : "";
    setenv("GNUTLS_NO_IMPLICIT_INIT", "1", 1);
    void* h = grpcmesh::util::open_library_or_exit("libcurl.so.4", RTLD_LAZY | RTLD_LOCAL, "libcurl4");
    if (before != nullptr) {
      setenv("GNUTLS_NO_IMPLICIT_INIT", saved.c_str(), 1);
    } else {
      unsetenv("GNUTLS_NO_IMPLICIT_INIT");
    }
    return h;
  }();
  return handle;
}

template <typename F>
F real(const char* name) {
  return reinterpret_cast<F>(
      grpcmesh::util::library_symbol_or_exit(library(), "libcurl.so.4", name, "libcurl4 7.88 or newer"));
}

#define GRPCMESH_CURL_REAL(name) static const auto fn = real<decltype(&::name)>(#name)

// The variadic setters take a long, a pointer (object, string, function,
// list) or a curl_off_t, by the option's number range (curl.h CURLOPTTYPE_*).
enum class Arg { kLong, kPointer, kOffset };

Arg arg_for(int option) {
  if (option < CURLOPTTYPE_OBJECTPOINT) {
    return Arg::kLong;
  }
  if (option >= CURLOPTTYPE_OFF_T && option < CURLOPTTYPE_BLOB) {
    return Arg::kOffset;
  }
  return Arg::kPointer;
}

}  // namespace

extern "C" {

CURLcode curl_global_init(long flags) {
  GRPCMESH_CURL_REAL(curl_global_init);
  return fn(flags);
}

CURL* curl_easy_init(void) {
  GRPCMESH_CURL_REAL(curl_easy_init);
  return fn();
}

CURL* curl_easy_duphandle(CURL* curl) {
  GRPCMESH_CURL_REAL(curl_easy_duphandle);
  return fn(curl);
}

void curl_easy_cleanup(CURL* curl) {
  GRPCMESH_CURL_REAL(curl_easy_cleanup);
  fn(curl);
}

CURLcode curl_easy_setopt(CURL* curl, CURLoption option, ...) {
  GRPCMESH_CURL_REAL(curl_easy_setopt);
  va_list args;
  va_start(args, option);
  CURLcode rc = CURLE_OK;
  switch (arg_for(option)) {
    case Arg::kLong:
      rc = fn(curl, option, va_arg(args, long));
      break;
    case Arg::kOffset:
      rc = fn(curl, option, va_arg(args, curl_off_t));
      break;
    case Arg::kPointer:
      rc = fn(curl, option, va_arg(args, void*));
      break;
  }
  va_end(args);
  return rc;
}

CURLcode curl_easy_getinfo(CURL* curl, CURLINFO info, ...) {
  GRPCMESH_CURL_REAL(curl_easy_getinfo);
  va_list args;
  va_start(args, info);
  void* out = va_arg(args, void*);  // always a pointer to the result
  va_end(args);
  return fn(curl, info, out);
}

CURLcode curl_easy_perform(CURL* curl) {
  GRPCMESH_CURL_REAL(curl_easy_perform);
  return fn(curl);
}

CURLcode curl_easy_pause(CURL* curl, int bitmask) {
  GRPCMESH_CURL_REAL(curl_easy_pause);
  return fn(curl, bitmask);
}

const char* curl_easy_strerror(CURLcode code) {
  GRPCMESH_CURL_REAL(curl_easy_strerror);
  return fn(code);
}

char* curl_easy_escape(CURL* curl, const char* string, int length) {
  GRPCMESH_CURL_REAL(curl_easy_escape);
  return fn(curl, string, length);
}

void curl_free(void* p) {
  GRPCMESH_CURL_REAL(curl_free);
  fn(p);
}

curl_slist* curl_slist_append(curl_slist* list, const char* string) {
  GRPCMESH_CURL_REAL(curl_slist_append);
  return fn(list, string);
}

void curl_slist_free_all(curl_slist* list) {
  if (list == nullptr) {
    return;  // nothing to free: no need to load the library for it
  }
  GRPCMESH_CURL_REAL(curl_slist_free_all);
  fn(list);
}

CURLM* curl_multi_init(void) {
  GRPCMESH_CURL_REAL(curl_multi_init);
  return fn();
}

CURLMcode curl_multi_cleanup(CURLM* multi) {
  GRPCMESH_CURL_REAL(curl_multi_cleanup);
  return fn(multi);
}

CURLMcode curl_multi_setopt(CURLM* multi, CURLMoption option, ...) {
  GRPCMESH_CURL_REAL(curl_multi_setopt);
  va_list args;
  va_start(args, option);
  CURLMcode rc = CURLM_OK;
  switch (arg_for(option)) {
    case Arg::kLong:
      rc = fn(multi, option, va_arg(args, long));
      break;
    case Arg::kOffset:
      rc = fn(multi, option, va_arg(args, curl_off_t));
      break;
    case Arg::kPointer:
      rc = fn(multi, option, va_arg(args, void*));
      break;
  }
  va_end(args);
  return rc;
}

CURLMcode curl_multi_add_handle(CURLM* multi, CURL* curl) {
  GRPCMESH_CURL_REAL(curl_multi_add_handle);
  return fn(multi, curl);
}

CURLMcode curl_multi_remove_handle(CURLM* multi, CURL* curl) {
  GRPCMESH_CURL_REAL(curl_multi_remove_handle);
  return fn(multi, curl);
}

CURLMcode curl_multi_perform(CURLM* multi, int* running) {
  GRPCMESH_CURL_REAL(curl_multi_perform);
  return fn(multi, running);
}

CURLMcode curl_multi_poll(CURLM* multi, curl_waitfd extra_fds[], unsigned int extra_nfds, int timeout_ms,
                          int* numfds) {
  GRPCMESH_CURL_REAL(curl_multi_poll);
  return fn(multi, extra_fds, extra_nfds, timeout_ms, numfds);
}

CURLMcode curl_multi_wakeup(CURLM* multi) {
  GRPCMESH_CURL_REAL(curl_multi_wakeup);
  return fn(multi);
}

CURLMsg* curl_multi_info_read(CURLM* multi, int* msgs_in_queue) {
  GRPCMESH_CURL_REAL(curl_multi_info_read);
  return fn(multi, msgs_in_queue);
}

CURLSH* curl_share_init(void) {
  GRPCMESH_CURL_REAL(curl_share_init);
  return fn();
}

CURLSHcode curl_share_cleanup(CURLSH* share) {
  GRPCMESH_CURL_REAL(curl_share_cleanup);
  return fn(share);
}

CURLSHcode curl_share_setopt(CURLSH* share, CURLSHoption option, ...) {
  GRPCMESH_CURL_REAL(curl_share_setopt);
  va_list args;
  va_start(args, option);
  CURLSHcode rc = CURLSHE_OK;
  if (option == CURLSHOPT_SHARE || option == CURLSHOPT_UNSHARE) {
    rc = fn(share, option, va_arg(args, int));  // a curl_lock_data
  } else {
    rc = fn(share, option, va_arg(args, void*));  // lock functions, user data
  }
  va_end(args);
  return rc;
}

}  // extern "C"
