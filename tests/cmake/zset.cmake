# Sorted sets, GEO and SORT.  The structures are compiled directly into their
# unit test so it depends on nothing but zmalloc.
zkv_unit_test(test_zbtree
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_zbtree.c ${CMAKE_SOURCE_DIR}/lib/zbtree.c ${CMAKE_SOURCE_DIR}/lib/zpack.c
  LIBS zkv_zmalloc m)
target_include_directories(test_zbtree PRIVATE ${CMAKE_SOURCE_DIR}/lib)
