# Persistence: Redis's serialization codecs (lib/rdb_*) and the RDB files,
# DUMP/RESTORE and save commands of server/persist.
zkv_unit_test(test_rdb_codecs
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_rdb_codecs.c
  LIBS zkv_lib)

# Save/restart round trips, files and DUMP payloads moved both ways with
# redis-server 7.0.15 and redis-check-rdb, RESTORE's errors byte for byte,
# corrupt files refused at start, MISCONF and SHUTDOWN faults (skipped
# without redis-server).
find_program(ZKV_PERSIST_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(ZKV_PERSIST_PYTHON3)
  add_test(NAME persist_integration
           COMMAND ${ZKV_PERSIST_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/persist_integration.py
                   --zkv $<TARGET_FILE:zkv-server>)
  set_tests_properties(persist_integration PROPERTIES LABELS "integration" TIMEOUT 300 SKIP_RETURN_CODE 77)
endif()
