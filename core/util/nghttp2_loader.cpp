// libnghttp2, loaded when a connection first speaks HTTP/2 natively (the
// client core's transport, grpcurl's gRPC calls), so commands that never do
// start without it. As core/util/curl_loader.cpp does for libcurl, the
// functions the code calls are defined here and forward to the real ones,
// looked up in libnghttp2.so.14 on the first call. The header is nghttp2's
// own, which checks every signature; a function not provided fails the link.
#include <dlfcn.h>
#include <nghttp2/nghttp2.h>

#include "core/util/dynamic_library.hpp"

namespace {

constinit const grpcmesh::util::LazyLibrary kLibnghttp2("libnghttp2.so.14", RTLD_LAZY | RTLD_LOCAL, "libnghttp2-14");

}  // namespace

#define GRPCMESH_NGHTTP2(ret, name, params, args) GRPCMESH_FORWARD(kLibnghttp2, ret, name, params, args)

extern "C" {

// Sessions and their callbacks
GRPCMESH_NGHTTP2(int, nghttp2_session_callbacks_new, (nghttp2_session_callbacks * *callbacks), (callbacks))
GRPCMESH_NGHTTP2(void, nghttp2_session_callbacks_del, (nghttp2_session_callbacks * callbacks), (callbacks))
GRPCMESH_NGHTTP2(void, nghttp2_session_callbacks_set_on_header_callback,
                 (nghttp2_session_callbacks * callbacks, nghttp2_on_header_callback cb), (callbacks, cb))
GRPCMESH_NGHTTP2(void, nghttp2_session_callbacks_set_on_frame_recv_callback,
                 (nghttp2_session_callbacks * callbacks, nghttp2_on_frame_recv_callback cb), (callbacks, cb))
GRPCMESH_NGHTTP2(void, nghttp2_session_callbacks_set_on_data_chunk_recv_callback,
                 (nghttp2_session_callbacks * callbacks, nghttp2_on_data_chunk_recv_callback cb), (callbacks, cb))
GRPCMESH_NGHTTP2(void, nghttp2_session_callbacks_set_on_stream_close_callback,
                 (nghttp2_session_callbacks * callbacks, nghttp2_on_stream_close_callback cb), (callbacks, cb))
GRPCMESH_NGHTTP2(int, nghttp2_session_client_new,
                 (nghttp2_session * *session, const nghttp2_session_callbacks* callbacks, void* user_data),
                 (session, callbacks, user_data))
GRPCMESH_NGHTTP2(void, nghttp2_session_del, (nghttp2_session * session), (session))
GRPCMESH_NGHTTP2(const char*, nghttp2_strerror, (int lib_error_code), (lib_error_code))

// Frames in and out
GRPCMESH_NGHTTP2(ssize_t, nghttp2_session_mem_send, (nghttp2_session * session, const uint8_t** data_ptr),
                 (session, data_ptr))
GRPCMESH_NGHTTP2(ssize_t, nghttp2_session_mem_recv, (nghttp2_session * session, const uint8_t* in, size_t inlen),
                 (session, in, inlen))
GRPCMESH_NGHTTP2(int, nghttp2_submit_settings,
                 (nghttp2_session * session, uint8_t flags, const nghttp2_settings_entry* iv, size_t niv),
                 (session, flags, iv, niv))
GRPCMESH_NGHTTP2(int, nghttp2_session_set_local_window_size,
                 (nghttp2_session * session, uint8_t flags, int32_t stream_id, int32_t window_size),
                 (session, flags, stream_id, window_size))

// Streams
GRPCMESH_NGHTTP2(int, nghttp2_session_check_request_allowed, (nghttp2_session * session), (session))
GRPCMESH_NGHTTP2(int32_t, nghttp2_submit_request,
                 (nghttp2_session * session, const nghttp2_priority_spec* pri_spec, const nghttp2_nv* nva, size_t nvlen,
                  const nghttp2_data_provider* data_prd, void* stream_user_data),
                 (session, pri_spec, nva, nvlen, data_prd, stream_user_data))
GRPCMESH_NGHTTP2(int, nghttp2_submit_rst_stream,
                 (nghttp2_session * session, uint8_t flags, int32_t stream_id, uint32_t error_code),
                 (session, flags, stream_id, error_code))
GRPCMESH_NGHTTP2(int, nghttp2_session_resume_data, (nghttp2_session * session, int32_t stream_id), (session, stream_id))
GRPCMESH_NGHTTP2(void*, nghttp2_session_get_stream_user_data, (nghttp2_session * session, int32_t stream_id),
                 (session, stream_id))
GRPCMESH_NGHTTP2(int, nghttp2_session_set_stream_user_data,
                 (nghttp2_session * session, int32_t stream_id, void* stream_user_data),
                 (session, stream_id, stream_user_data))
// Whether nghttp2 ended the session itself (after a protocol error), and why
GRPCMESH_NGHTTP2(void, nghttp2_session_callbacks_set_on_frame_send_callback,
                 (nghttp2_session_callbacks * callbacks, nghttp2_on_frame_send_callback cb), (callbacks, cb))
GRPCMESH_NGHTTP2(int, nghttp2_session_want_read, (nghttp2_session * session), (session))
GRPCMESH_NGHTTP2(int, nghttp2_session_want_write, (nghttp2_session * session), (session))
GRPCMESH_NGHTTP2(const char*, nghttp2_http2_strerror, (uint32_t error_code), (error_code))

}  // extern "C"
