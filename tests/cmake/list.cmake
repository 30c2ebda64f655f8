# Lists: the packed chunk structure alone (model-based), the blocking
# registry, and the list and blocking commands against a running server.
zkv_unit_test(test_plist SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_plist.c LIBS zkv_lib)

# Random list command streams (RESP2 and RESP3, default and 4-element
# chunks) and scripted two/three-connection blocking scenarios against zkv and
# redis-server side by side: replies must be byte-identical (skipped without
# redis-server).
find_program(ZKV_LIST_PYTHON3 python3)
if(ZKV_LIST_PYTHON3)
  add_test(NAME list_differential
           COMMAND ${ZKV_LIST_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/list_differential.py
                   --zkv $<TARGET_FILE:zkv-server>)
  set_tests_properties(list_differential PROPERTIES LABELS "integration" TIMEOUT 300 SKIP_RETURN_CODE 77)
endif()
