# Runs hearsay-sim once; replaced by real flag and report checks.
execute_process(COMMAND ${SIM} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "hearsay-sim failed: ${rc}")
endif()
