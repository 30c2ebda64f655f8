# Hashes and sets as keys (issue 14): UNLINK's lazy free of a 1,000,000-field
# hash, MEMORY USAGE sampling, eviction of whole collections.
zkv_integration_test(test_hashset_keyspace SOURCES integration/test_hashset_keyspace.c)
