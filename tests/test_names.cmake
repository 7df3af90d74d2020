# Fails when a doctest TEST_CASE name holds ';'. ctest's test discovery cuts
# a name there, and the cut name selects no test case, which doctest reports
# as a pass: such a test would run nothing under ctest.
# Run by ctest: cmake -DROOT=<source dir> -P tests/test_names.cmake
file(GLOB_RECURSE sources "${ROOT}/tests/*.cpp")
set(bad "")
foreach(source IN LISTS sources)
  file(STRINGS "${source}" hits REGEX "TEST_CASE\\(\"[^\"]*;")
  if(hits)
    file(RELATIVE_PATH rel "${ROOT}" "${source}")
    string(APPEND bad " ${rel}")
  endif()
endforeach()
if(bad)
  message(FATAL_ERROR "test case names with ';' (ctest would run nothing for them) in:${bad}")
endif()
