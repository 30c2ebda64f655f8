# Memory tests: INFO memory, MEMORY commands and maxmemory eviction, against
# a running zkv-server.
foreach(zkv_memory_test info evict)
  zkv_integration_test(test_memory_${zkv_memory_test}
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_memory_${zkv_memory_test}.c
            ${CMAKE_CURRENT_SOURCE_DIR}/test_memory_helpers.c
    LIBS m)
endforeach()
