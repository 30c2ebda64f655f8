# server/ core: integration tests that start build/zkv-server.
foreach(zkv_server_test commands auth config limits)
  zkv_integration_test(test_server_${zkv_server_test}
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_server_${zkv_server_test}.c)
endforeach()
# hiredis's asynchronous API on a libevent loop.
zkv_integration_test(test_server_async
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_server_async.c
  LIBS PkgConfig::LIBEVENT)
