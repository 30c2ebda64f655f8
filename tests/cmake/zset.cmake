# Sorted sets, GEO and SORT.  The structures are compiled directly into their
# unit test so it depends on nothing but zmalloc.
zkv_unit_test(test_zbtree
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_zbtree.c ${CMAKE_SOURCE_DIR}/lib/zbtree.c ${CMAKE_SOURCE_DIR}/lib/zpack.c
  LIBS zkv_zmalloc m)
target_include_directories(test_zbtree PRIVATE ${CMAKE_SOURCE_DIR}/lib)

# Random sorted-set commands against zkv and redis-server side by side
# (RESP2 and RESP3, both encodings): replies must be byte-identical
# (skipped without redis-server).
find_program(ZKV_ZSET_PYTHON3 python3)
if(ZKV_ZSET_PYTHON3)
  add_test(NAME zset_differential
           COMMAND ${ZKV_ZSET_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/zset_differential.py
                   --zkv $<TARGET_FILE:zkv-server>)
  set_tests_properties(zset_differential PROPERTIES LABELS "integration" TIMEOUT 600
                       SKIP_RETURN_CODE 77)
endif()
