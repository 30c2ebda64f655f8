# The server under valgrind memcheck with a short mixed workload.
add_test(NAME valgrind_smoke
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/valgrind/smoke.sh $<TARGET_FILE:zkv-server>)
set_tests_properties(valgrind_smoke PROPERTIES LABELS "valgrind" TIMEOUT 300)
