# Bit commands and LCS: the pure algorithms are compiled directly into their
# unit tests so those depend on nothing but zmalloc.
set(ZKV_BITS_SERVER_DIR ${CMAKE_SOURCE_DIR}/lib)

zkv_unit_test(test_bitops
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_bitops.c ${CMAKE_SOURCE_DIR}/lib/bitops.c
  LIBS zkv_zmalloc)
target_include_directories(test_bitops PRIVATE ${ZKV_BITS_SERVER_DIR})

zkv_unit_test(test_lcs
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_lcs.c ${CMAKE_SOURCE_DIR}/lib/lcs.c
  LIBS zkv_zmalloc)
target_include_directories(test_lcs PRIVATE ${ZKV_BITS_SERVER_DIR})

# The commands against a running zkv-server (replies checked against
# redis-server 7.0.15).
zkv_integration_test(test_bits_commands
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_bits_commands.c)
