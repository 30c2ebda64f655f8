# SORT / SORT_RO (server/sort): random SORT streams over lists, sets and sorted
# sets with BY (keys, hash fields, nosort), GET, LIMIT, ALPHA, DESC and STORE,
# against zkv and redis-server side by side, byte for byte (skipped without
# redis-server).  Included by tests/CMakeLists.txt after integration/.
if(ZKV_INTEGRATION_PYTHON3)
  add_test(NAME sort_differential
           COMMAND ${ZKV_INTEGRATION_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/../integration/sort_differential.py
                   --zkv $<TARGET_FILE:zkv-server>)
  set_tests_properties(sort_differential PROPERTIES LABELS "integration" TIMEOUT 300 SKIP_RETURN_CODE 77)
endif()
