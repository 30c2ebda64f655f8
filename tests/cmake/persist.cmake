# Persistence: Redis's serialization codecs (lib/rdb_*) and the RDB files,
# DUMP/RESTORE and save commands of server/persist.
zkv_unit_test(test_rdb_codecs
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_rdb_codecs.c
  LIBS zkv_lib)
