# Layering check: dependencies run one way, gossip/ -> membership/ ->
# (msgpack, xxHash), and the public headers stay free of implementation.
#
#   cmake -DROOT=<source tree> -P check_layering.cmake
#
# Fails (exit code 1, naming file, line and rule) if
#   - a file under membership/ includes a gossip/ header or ZeroMQ
#     (zmq.h, zmq.hpp, zmq_addon.hpp), or
#   - a header under include/hearsay/ includes membership/, gossip/,
#     ZeroMQ or msgpack.
# The build runs it before compiling the protocol library; ctest runs it on
# tests/layering/back_include too, a tree that breaks every rule, and
# expects it to fail there.
cmake_minimum_required(VERSION 3.22)
if(NOT ROOT)
  message(FATAL_ERROR "check_layering: -DROOT=<source tree> is required")
endif()

set(violations "")
function(check dir glob pattern rule)
  file(GLOB_RECURSE files RELATIVE ${ROOT} ${ROOT}/${dir}/${glob})
  foreach(f ${files})
    file(STRINGS ${ROOT}/${f} lines REGEX "^[ \t]*#[ \t]*include")
    foreach(line ${lines})
      if(line MATCHES "${pattern}")
        string(STRIP "${line}" line)
        list(APPEND violations "${f}: ${line}  (${rule})")
      endif()
    endforeach()
  endforeach()
  set(violations "${violations}" PARENT_SCOPE)
endfunction()

set(zmq "[<\"](zmq\\.h|zmq\\.hpp|zmq_addon\\.hpp)[>\"]")
check(membership "*.[hc]pp" "[<\"]gossip/" "membership/ must not include gossip/")
check(membership "*.[hc]pp" "${zmq}" "membership/ must not include ZeroMQ")
check(include/hearsay "*.hpp" "[<\"](membership|gossip)/" "public headers hold only the API")
check(include/hearsay "*.hpp" "${zmq}|[<\"]msgpack" "public headers must not include ZeroMQ or msgpack")

list(LENGTH violations n)
if(n GREATER 0)
  string(JOIN "\n  " text ${violations})
  message(FATAL_ERROR "layering: ${n} include(s) run the wrong way:\n  ${text}")
endif()
message(STATUS "layering: ok")
