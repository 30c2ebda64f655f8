# Lists: the packed chunk structure alone (model-based), the blocking
# registry, and the list and blocking commands against a running server.
zkv_unit_test(test_plist SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_plist.c LIBS zkv_lib)
