# docs/api.md quotes the example programs verbatim, each between
#   <!-- begin demo/examples/NAME.cpp -->  and  <!-- end demo/examples/NAME.cpp -->
# in a ```cpp fence. Fails if a quote and its file differ.
#   cmake -DROOT=<source dir> -P check_docs.cmake
cmake_minimum_required(VERSION 3.22)
file(READ ${ROOT}/docs/api.md doc)
foreach(rel demo/examples/service.cpp demo/examples/client.cpp)
  set(open "<!-- begin ${rel} -->\n```cpp\n")
  set(close "```\n<!-- end ${rel} -->")
  string(FIND "${doc}" "${open}" at)
  string(FIND "${doc}" "${close}" end)
  if(at EQUAL -1 OR end EQUAL -1)
    message(FATAL_ERROR "docs/api.md: no quote of ${rel} (markers missing)")
  endif()
  string(LENGTH "${open}" open_len)
  math(EXPR at "${at} + ${open_len}")
  math(EXPR len "${end} - ${at}")
  string(SUBSTRING "${doc}" ${at} ${len} quoted)
  file(READ ${ROOT}/${rel} actual)
  if(NOT quoted STREQUAL actual)
    message(FATAL_ERROR "docs/api.md: the quote of ${rel} differs from the file; copy the file "
                        "into docs/api.md again")
  endif()
endforeach()
message(STATUS "docs/api.md quotes the examples verbatim")
