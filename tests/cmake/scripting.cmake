# Scripting: EVAL/EVALSHA/SCRIPT replies byte for byte against redis-server
# 7.0.15 in RESP2 and RESP3, error accounting, the script cache's memory, and
# busy scripts with SCRIPT KILL (skipped without redis-server).
find_program(ZKV_SCRIPTING_PYTHON3 python3)
if(ZKV_SCRIPTING_PYTHON3)
  add_test(NAME scripting_differential
           COMMAND ${ZKV_SCRIPTING_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/scripting_differential.py
                   --zkv $<TARGET_FILE:zkv-server>)
  set_tests_properties(scripting_differential PROPERTIES LABELS "integration" TIMEOUT 300
                       SKIP_RETURN_CODE 77)
endif()
