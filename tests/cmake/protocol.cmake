# protocol/: RESP request parser and reply encoder.
zkv_unit_test(test_resp_parser SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_resp_parser.c
              LIBS zkv_protocol)
zkv_unit_test(test_resp_writer SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_resp_writer.c
              LIBS zkv_protocol PkgConfig::HIREDIS m)
