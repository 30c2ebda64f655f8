# server/ core: integration tests that start build/zkv-server.
foreach(zkv_server_test commands auth config limits)
  zkv_integration_test(test_server_${zkv_server_test}
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_server_${zkv_server_test}.c)
endforeach()
# hiredis's asynchronous API on a libevent loop.
zkv_integration_test(test_server_async
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_server_async.c
  LIBS PkgConfig::LIBEVENT)
# Pure helpers of the core (glob, strbuf, config parsing), linked from the core library.
zkv_unit_test(test_server_units
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_server_units.c
  LIBS zkv_server_core)
# WATCH and the keyspace hooks, on socketless clients.
zkv_unit_test(test_server_multi
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_server_multi.c
  LIBS zkv_server_core)
