# Cluster mode and scale-out: unit tests of slots and topology parsing, and
# integration tests that start zkv nodes (and nutcracker, redis-cli,
# redis-benchmark, redis-py when installed).
zkv_unit_test(test_cluster
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_cluster.c
  LIBS zkv_server_core)

zkv_integration_test(test_cluster_commands
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_cluster_commands.c)

# Scale-out tests with real tools, as Python scripts (tests/scaleout/).  They
# need Debian's interpreter: redis-py comes from the python3-redis package,
# which another python3 first on PATH (pyenv, venv) would not see.  A missing
# tool makes a script exit 77, which ctest reports as skipped.
find_program(ZKV_DEBIAN_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT ZKV_DEBIAN_PYTHON3)
  find_program(ZKV_DEBIAN_PYTHON3 python3)
endif()
foreach(zkv_scaleout_test cluster_clients twemproxy)
  add_test(NAME test_${zkv_scaleout_test}
           COMMAND ${ZKV_DEBIAN_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/scaleout/test_${zkv_scaleout_test}.py)
  set_tests_properties(test_${zkv_scaleout_test} PROPERTIES LABELS "integration" TIMEOUT 600
                       SKIP_RETURN_CODE 77 ENVIRONMENT "ZKV_SERVER=$<TARGET_FILE:zkv-server>")
endforeach()
