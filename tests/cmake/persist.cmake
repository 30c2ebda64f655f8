# Persistence tests added by the snapshot work (persist2): BGSAVE as one
# instant under concurrent writes, checked by loading the file into
# redis-server 7.0.15; FLUSHDB/SWAPDB/FLUSHALL during a save.  Skipped
# without redis-server; Debian's python3 carries python3-redis.
find_program(ZKV_DEBIAN_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(ZKV_DEBIAN_PYTHON3)
  add_test(NAME persist_snapshot
           COMMAND ${ZKV_DEBIAN_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/integration/persist_snapshot.py
                   --zkv $<TARGET_FILE:zkv-server>)
  set_tests_properties(persist_snapshot PROPERTIES LABELS "integration" TIMEOUT 300 SKIP_RETURN_CODE 77)
endif()
