# Installs the current build into a scratch prefix and builds a consumer
# project against it twice: with find_package(hearsay) and with pkg-config.
#
#   cmake -DSOURCE=<tests/package> -DBUILD=<hearsay build dir> -DCXX=<compiler>
#         [-DGENERATOR=Ninja] [-DBUILD_TYPE=...] [-DSANITIZE=ON | -DSANITIZE_THREAD=ON]
#         -P package_test.cmake
#
# SANITIZE=ON (a HEARSAY_SANITIZE build) or SANITIZE_THREAD=ON (a
# HEARSAY_SANITIZE_THREAD build): libhearsay.a holds instrumented code, so the
# consumer is compiled and linked with the same -fsanitize flags, both ways.
cmake_minimum_required(VERSION 3.22)

foreach(var SOURCE BUILD CXX)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "package_test: -D${var}=... is required")
  endif()
endforeach()
if(NOT GENERATOR)
  set(GENERATOR Ninja)
endif()
if(NOT BUILD_TYPE)
  set(BUILD_TYPE RelWithDebInfo)
endif()
set(san_flags "")
if(SANITIZE)
  set(san_flags -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
elseif(SANITIZE_THREAD)
  set(san_flags -fsanitize=thread -fno-omit-frame-pointer)
endif()
if(san_flags)
  message(STATUS "sanitizer build: the consumer gets ${san_flags}")
endif()
string(JOIN " " san_flags_string ${san_flags})

set(work ${BUILD}/package-test)
set(prefix ${work}/prefix)
file(REMOVE_RECURSE ${work})
file(MAKE_DIRECTORY ${work})

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                  TIMEOUT 120)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "package_test: ${what} failed (${rc})\n${out}\n${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

# 1. install
run("cmake --install" ${CMAKE_COMMAND} --install ${BUILD} --prefix ${prefix})
foreach(f include/hearsay/node.hpp include/hearsay/config.hpp)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "package_test: ${f} was not installed")
  endif()
endforeach()
file(GLOB_RECURSE archives ${prefix}/libhearsay.a)
file(GLOB_RECURSE configs ${prefix}/hearsayConfig.cmake)
file(GLOB_RECURSE pcs ${prefix}/hearsay.pc)
foreach(list archives configs pcs)
  list(LENGTH ${list} n)
  if(NOT n EQUAL 1)
    message(FATAL_ERROR "package_test: expected one of ${list} under ${prefix}, found '${${list}}'")
  endif()
endforeach()
# Public headers are self-contained: they include only each other and the
# standard library, never the internal membership/ or gossip/ headers.
file(GLOB_RECURSE headers ${prefix}/include/*)
foreach(h ${headers})
  if(NOT h MATCHES "/include/hearsay/[a-z_]+\\.hpp$")
    message(FATAL_ERROR "package_test: unexpected file installed: ${h}")
  endif()
  file(STRINGS ${h} quoted REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
  foreach(line ${quoted})
    if(NOT line MATCHES "\"hearsay/[a-z_]+\\.hpp\"")
      message(FATAL_ERROR "package_test: ${h} includes a non-public header: ${line}")
    endif()
  endforeach()
  file(STRINGS ${h} internal REGEX "#[ \t]*include[ \t]*<(membership|gossip)/")
  if(internal)
    message(FATAL_ERROR "package_test: ${h} includes an internal header: ${internal}")
  endif()
  # ... and each compiles on its own (below).
  get_filename_component(hname ${h} NAME_WE)
  file(WRITE ${work}/only_${hname}.cpp "#include <hearsay/${hname}.hpp>\n")
  list(APPEND header_checks COMMAND ${CXX} -std=c++20 -fsyntax-only -Wall -Wextra -Werror
       -I${prefix}/include ${work}/only_${hname}.cpp)
endforeach()
# One execute_process with several COMMANDs runs them concurrently.
execute_process(${header_checks} RESULTS_VARIABLE rcs ERROR_VARIABLE err TIMEOUT 120)
foreach(rc ${rcs})
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "package_test: a public header does not compile on its own "
                        "(${rcs}):\n${err}")
  endif()
endforeach()

# 2. find_package(hearsay) from a separate project
run("consumer configure" ${CMAKE_COMMAND} -S ${SOURCE}/consumer -B ${work}/consumer-build
    -G ${GENERATOR} -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CXX}
    -DCMAKE_BUILD_TYPE=${BUILD_TYPE} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    "-DCMAKE_CXX_FLAGS=${san_flags_string}" "-DCMAKE_EXE_LINKER_FLAGS=${san_flags_string}")
string(FIND "${out}" "from ${prefix}/" at)
if(at EQUAL -1)
  message(FATAL_ERROR "package_test: the consumer did not find hearsay under ${prefix}:\n${out}")
endif()
run("consumer build" ${CMAKE_COMMAND} --build ${work}/consumer-build)
run("consumer (CMake) run" ${work}/consumer-build/consumer)
if(NOT out MATCHES "^OK")
  message(FATAL_ERROR "package_test: the CMake consumer printed '${out}', not OK")
endif()
message(STATUS "find_package consumer: ${out}")

# 3. the same program through pkg-config
find_program(PKG_CONFIG pkg-config REQUIRED)
get_filename_component(pc_dir ${pcs} DIRECTORY)
set(ENV{PKG_CONFIG_PATH} ${pc_dir})
run("pkg-config" ${PKG_CONFIG} --cflags --libs --static hearsay)
string(STRIP "${out}" pc_flags)
separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
message(STATUS "pkg-config --cflags --libs --static hearsay: ${pc_flags}")
run("consumer (pkg-config) compile" ${CXX} -std=c++20 ${san_flags} ${SOURCE}/consumer/main.cpp
    -o ${work}/consumer-pc ${pc_flags})
run("consumer (pkg-config) run" ${work}/consumer-pc)
if(NOT out MATCHES "^OK")
  message(FATAL_ERROR "package_test: the pkg-config consumer printed '${out}', not OK")
endif()
message(STATUS "pkg-config consumer: ${out}")
