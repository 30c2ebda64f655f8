# Active defragmentation: the table walk and a pass over a fragmented
# keyspace without sockets, then the whole cycle against a running server.
zkv_unit_test(test_defrag SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_defrag.c LIBS zkv_server_core)
zkv_integration_test(test_defrag_server SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_defrag_server.c)
