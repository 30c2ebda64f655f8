# Pub/Sub, keyspace notifications, client-side caching, CLIENT PAUSE.
# The registry and the commands on socketless clients (replies as bytes).
zkv_unit_test(test_pubsub_registry
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_pubsub_registry.c
  LIBS zkv_server_core)
# Against a running server: hiredis async subscriber on libevent, RESP3
# pushes as bytes, the pubsub output limit, tracking redirection, pause.
zkv_integration_test(test_pubsub_server
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_pubsub_server.c
  LIBS PkgConfig::LIBEVENT)
# The same random pub/sub, keyspace-event and tracking stream against zkv and
# redis-server 7.0.15, every byte compared (skipped without redis-server).
find_package(Python3 COMPONENTS Interpreter)
if(Python3_FOUND)
  add_test(NAME pubsub_differential
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/pubsub_differential.py $<TARGET_FILE:zkv-server>
            --commands 150)
  set_tests_properties(pubsub_differential PROPERTIES LABELS "integration" TIMEOUT 300 SKIP_RETURN_CODE 77)
endif()
