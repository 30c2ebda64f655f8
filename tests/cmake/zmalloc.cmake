# zmalloc unit tests: the allocation contract, per-thread counters under
# concurrency, and what is reported about RSS and the allocator.
zkv_unit_test(test_zmalloc SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_zmalloc.c LIBS zkv_zmalloc)
zkv_unit_test(test_zmalloc_threads SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_zmalloc_threads.c LIBS zkv_zmalloc)
zkv_unit_test(test_zmalloc_system SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_zmalloc_system.c LIBS zkv_zmalloc)
zkv_unit_test(test_zmalloc_defrag SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_zmalloc_defrag.c LIBS zkv_zmalloc)
zkv_unit_test(test_zkv_assert SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_zkv_assert.c LIBS zkv_zmalloc)
