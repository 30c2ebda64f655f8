# Introspection commands (CLIENT, COMMAND, INFO, SLOWLOG, LATENCY, MONITOR,
# DEBUG).  The histogram is compiled into its unit test so it depends on
# nothing but zmalloc.
set(ZKV_INTROSPECTION_SERVER_DIR ${CMAKE_SOURCE_DIR}/lib)

zkv_unit_test(test_introspection_histogram
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_introspection_histogram.c
          ${ZKV_INTROSPECTION_SERVER_DIR}/histogram.c
  LIBS zkv_zmalloc)
target_include_directories(test_introspection_histogram PRIVATE ${ZKV_INTROSPECTION_SERVER_DIR})

# The helpers are linked from the server library (they sit next to the
# command table and the observers they serve).
zkv_unit_test(test_introspection_helpers
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_introspection_helpers.c
  LIBS zkv_server_core)

foreach(name client command info slowlog monitor)
  zkv_integration_test(test_introspection_${name}
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_introspection_${name}.c)
endforeach()

# MONITOR through hiredis's asynchronous API on a libevent loop.
zkv_integration_test(test_introspection_monitor_async
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_introspection_monitor_async.c
  LIBS PkgConfig::LIBEVENT)
