# Keyspace tests.  The data-structure tests compile the modules they test
# directly so they depend on nothing but zmalloc.
set(ZKV_SERVER_DIR ${CMAKE_SOURCE_DIR}/server)

zkv_unit_test(test_table
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_table.c ${CMAKE_SOURCE_DIR}/lib/table.c ${CMAKE_SOURCE_DIR}/lib/hash.c
  LIBS zkv_zmalloc)
target_include_directories(test_table PRIVATE ${CMAKE_SOURCE_DIR}/lib)

zkv_unit_test(test_object
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_object.c ${CMAKE_SOURCE_DIR}/server/keyspace/object.c
  LIBS zkv_lib zkv_zmalloc)
target_include_directories(test_object PRIVATE ${CMAKE_SOURCE_DIR}/server/keyspace)

# Commands against a running zkv-server (replies checked against redis-server 7.0.15).
foreach(zkv_keyspace_test strings keys expire)
  zkv_integration_test(test_keyspace_${zkv_keyspace_test}
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_keyspace_${zkv_keyspace_test}.c)
endforeach()

zkv_unit_test(test_glob
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_glob.c ${CMAKE_SOURCE_DIR}/lib/glob.c)
target_include_directories(test_glob PRIVATE ${CMAKE_SOURCE_DIR}/lib)

# The db layer, the keyspace cron's expiry and the lazy-free thread, without sockets.
zkv_unit_test(test_db SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_db.c LIBS zkv_server_core)

# Random string/keyspace/expiry commands against zkv and redis-server side by
# side: replies must be byte-identical (skipped without redis-server).
find_program(ZKV_KEYSPACE_PYTHON3 python3)
if(ZKV_KEYSPACE_PYTHON3)
  add_test(NAME keyspace_differential
           COMMAND ${ZKV_KEYSPACE_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/keyspace_differential.py
                   --zkv $<TARGET_FILE:zkv-server>)
  set_tests_properties(keyspace_differential PROPERTIES LABELS "integration" TIMEOUT 300
                       SKIP_RETURN_CODE 77)
endif()

zkv_unit_test(test_number SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_number.c LIBS zkv_lib)
