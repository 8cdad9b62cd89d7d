# hearsay-sim end to end: a tiny scenario writes a JSON report whose steps
# agreed, and bad flags each fail with one stderr line naming the flag.
#
#   cmake -DSIM=<path to hearsay-sim> -P cli_smoke.cmake
cmake_minimum_required(VERSION 3.25)  # string(JSON)

if(NOT SIM)
  message(FATAL_ERROR "cli_smoke: pass -DSIM=<path to hearsay-sim>")
endif()

# --- a tiny scenario: JSON on stdout ---
execute_process(
  COMMAND ${SIM} --nodes 8 --duration 20s --step 5s:advertise:1:web --step 8s:crash:2 --quiet
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "hearsay-sim (tiny scenario) exited ${rc}\nstderr: ${err}")
endif()

string(JSON nodes ERROR_VARIABLE json_err GET "${out}" spec nodes)
if(json_err)
  message(FATAL_ERROR "report is not the expected JSON (${json_err}):\n${out}")
endif()
if(NOT nodes EQUAL 8)
  message(FATAL_ERROR "report spec.nodes is ${nodes}, expected 8")
endif()

string(JSON nsteps LENGTH "${out}" steps)
if(NOT nsteps EQUAL 3)
  message(FATAL_ERROR "report has ${nsteps} steps, expected 3 (join, advertise, crash):\n${out}")
endif()
set(expected_steps "join" "5s:advertise:1:web" "8s:crash:2")
set(i 0)
foreach(want IN LISTS expected_steps)
  string(JSON step GET "${out}" steps ${i} step)
  string(JSON agreed GET "${out}" steps ${i} agreed)
  string(JSON after GET "${out}" steps ${i} agreed_after_s)
  if(NOT step STREQUAL want)
    message(FATAL_ERROR "steps[${i}] is '${step}', expected '${want}'")
  endif()
  if(NOT agreed)  # string(JSON) gives ON/OFF for booleans
    message(FATAL_ERROR "step '${step}' did not agree:\n${out}")
  endif()
  if(after STREQUAL "" OR after LESS 0)  # null reads as ""
    message(FATAL_ERROR "step '${step}' has agreed_after_s '${after}'")
  endif()
  math(EXPR i "${i} + 1")
endforeach()
foreach(key messages_per_node_per_s bytes_per_node_per_s)
  string(JSON v GET "${out}" traffic ${key})
  if(NOT v GREATER 0)
    message(FATAL_ERROR "traffic.${key} is '${v}', expected > 0")
  endif()
endforeach()
foreach(key suspicions refutations deaths_declared)
  string(JSON v ERROR_VARIABLE json_err GET "${out}" protocol ${key})
  if(json_err)
    message(FATAL_ERROR "report lacks protocol.${key}")
  endif()
endforeach()

# --- the same scenario twice gives the same report (bar wall time) ---
execute_process(
  COMMAND ${SIM} --nodes 8 --duration 20s --step 5s:advertise:1:web --step 8s:crash:2 --quiet
  RESULT_VARIABLE rc OUTPUT_VARIABLE again ERROR_VARIABLE err TIMEOUT 120)
string(JSON out REMOVE "${out}" wall_seconds)
string(JSON again REMOVE "${again}" wall_seconds)
if(NOT rc EQUAL 0 OR NOT out STREQUAL again)
  message(FATAL_ERROR "hearsay-sim is not deterministic for one seed")
endif()

# --- --out writes the report to a file, the table to stdout ---
set(report_file "${CMAKE_CURRENT_BINARY_DIR}/hearsay-sim-cli-smoke.json")
file(REMOVE "${report_file}")
execute_process(
  COMMAND ${SIM} --nodes 8 --duration 10s --step 2s:advertise:1:web --out "${report_file}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
if(NOT rc EQUAL 0 OR NOT EXISTS "${report_file}")
  message(FATAL_ERROR "hearsay-sim --out exited ${rc}, file written: no\nstderr: ${err}")
endif()
string(FIND "${out}" "advertise n1 web" at)
if(at EQUAL -1)
  message(FATAL_ERROR "the table on stdout lacks the advertise step:\n${out}")
endif()
file(READ "${report_file}" written)
string(JSON agreed GET "${written}" steps 1 agreed)
if(NOT agreed)
  message(FATAL_ERROR "the report written by --out lacks an agreed advertise step")
endif()
file(REMOVE "${report_file}")

# --- bad flags: non-zero exit, exactly one stderr line naming the flag ---
function(expect_usage_error flag)
  execute_process(COMMAND ${SIM} ${ARGN}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 60)
  string(REPLACE ";" " " args "${ARGN}")
  if(rc EQUAL 0)
    message(FATAL_ERROR "hearsay-sim ${args}: exited 0, expected a usage error")
  endif()
  string(STRIP "${err}" line)
  string(FIND "${line}" "\n" newline)
  if(line STREQUAL "" OR NOT newline EQUAL -1)
    message(FATAL_ERROR "hearsay-sim ${args}: expected exactly one stderr line, got:\n${err}")
  endif()
  string(FIND "${line}" "${flag}" named)
  if(named EQUAL -1)
    message(FATAL_ERROR "hearsay-sim ${args}: the error does not name ${flag}: ${line}")
  endif()
endfunction()

expect_usage_error(--bogus --bogus)
expect_usage_error(--loss --loss 2)
expect_usage_error(--step --step 5s:explode:1)
expect_usage_error(--nodes --nodes 0)
expect_usage_error(--nodes --nodes abc)
expect_usage_error(--duration --duration soon)
expect_usage_error(--profile --profile moon)
expect_usage_error(--step --nodes 8 --step 5s:crash:9)
expect_usage_error(--step --nodes 8 --duration 10s --step 20s:crash:1)
expect_usage_error(--jitter-ms --latency-ms 1 --jitter-ms 5)
