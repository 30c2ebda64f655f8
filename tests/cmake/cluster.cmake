# Cluster mode and scale-out: unit tests of slots and topology parsing, and
# integration tests that start zkv nodes (and nutcracker, redis-cli,
# redis-benchmark, redis-py when installed).
zkv_unit_test(test_cluster
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_cluster.c
  LIBS zkv_server_core)

zkv_integration_test(test_cluster_commands
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_cluster_commands.c)
