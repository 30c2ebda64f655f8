# FUNCTION/FCALL (issue 20): replies byte for byte against redis-server
# 7.0.15 in RESP2 and RESP3, DUMP payloads and RESTORE both ways between the
# servers, library memory, busy functions with FUNCTION KILL (skipped
# without redis-server); the DUMP codec's unit test.
if(ZKV_INTEGRATION_PYTHON3)
  add_test(NAME functions_differential
           COMMAND ${ZKV_INTEGRATION_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/integration/functions_differential.py
                   --zkv $<TARGET_FILE:zkv-server>)
  set_tests_properties(functions_differential PROPERTIES LABELS "integration" TIMEOUT 300
                       SKIP_RETURN_CODE 77)
endif()

# server/scripting: the DUMP codec.
zkv_unit_test(test_function_dump SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/scripting/test_function_dump.c
              LIBS zkv_scripting)

# Cluster mode: keys scripts touch (non-local, cross-slot, declared vs
# undeclared) against a two-node redis-server 7.0.15 cluster.
if(ZKV_INTEGRATION_PYTHON3)
  add_test(NAME scripting_cluster_differential
           COMMAND ${ZKV_INTEGRATION_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/integration/scripting_cluster_differential.py
                   --zkv $<TARGET_FILE:zkv-server>)
  set_tests_properties(scripting_cluster_differential PROPERTIES LABELS "integration" TIMEOUT 300
                       SKIP_RETURN_CODE 77)
endif()
