# Issue 21: one request must never crash, hang or starve the server.
zkv_integration_test(test_hardening SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_hardening.c)
