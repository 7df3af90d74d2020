// The compiled part of {fmt}, built into the core library instead of loaded
// from libfmt.so, which would bring libstdc++.so back into a binary that
// links the C++ runtime statically (cmd/CMakeLists.txt). Every other file
// uses {fmt}'s headers as usual; this one includes its implementation once
// and instantiates the templates the headers declare `extern` (only the
// `char` ones: nothing here formats wide strings).
#include <fmt/format-inl.h>

FMT_BEGIN_NAMESPACE
namespace detail {
template auto thousands_sep_impl<char>(locale_ref) -> thousands_sep_result<char>;
template auto decimal_point_impl(locale_ref) -> char;
}  // namespace detail
FMT_END_NAMESPACE
