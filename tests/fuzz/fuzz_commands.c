/* fuzz_commands: libFuzzer target for the command layer (dispatch and every
 * command handler), on an in-process server without sockets.
 *
 * The input is a program: each command is one byte choosing a command name
 * from `names`, one byte giving its argument count (0..7), then per argument
 * one byte choosing a hostile value from `values` (huge and negative
 * numbers, NaN, infinities, empty and binary strings, a few keys so types
 * collide) or, for selector 0xff, a length byte and that many raw bytes.
 * Commands that would leave the process (SHUTDOWN), sleep, change the
 * working directory or need a socket (MONITOR, CLIENT) are not in the list.
 *
 * Invariants checked after each input: nothing crashes (ASan/UBSan catch
 * memory errors, LeakSanitizer leaks at exit), and once FLUSHALL ran, the
 * lazy-free thread is idle and the client is freed, used_memory is back to
 * where the same input left it the first time (a leak or a lost counter
 * aborts the target).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "command.h"
#include "config.h"
#include "keyspace.h"
#include "lazyfree.h"
#include "module.h"
#include "zmalloc.h"

static const char *const names[] = {
    "SET", "GET", "APPEND", "SETRANGE", "GETRANGE", "SETBIT", "GETBIT", "BITCOUNT", "BITPOS", "BITOP",
    "BITFIELD", "BITFIELD_RO", "INCR", "INCRBY", "DECRBY", "INCRBYFLOAT", "MSET", "MSETNX", "MGET", "GETEX",
    "GETDEL", "GETSET", "SETEX", "PSETEX", "SETNX", "STRLEN", "SUBSTR", "LCS", "DEL", "UNLINK", "EXISTS", "TYPE",
    "KEYS", "SCAN", "RANDOMKEY", "RENAME", "RENAMENX", "COPY", "MOVE", "DBSIZE", "SWAPDB", "TOUCH", "OBJECT",
    "EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT", "TTL", "PTTL", "EXPIRETIME", "PERSIST", "MULTI", "EXEC",
    "DISCARD", "WATCH", "UNWATCH", "PING", "ECHO", "SELECT", "AUTH", "HELLO", "RESET", "MEMORY", "INFO",
    "COMMAND", "SLOWLOG", "LATENCY", "CONFIG", "FLUSHDB", "DEBUG", "TIME", "FUNCTION", "CLUSTER"};
#define NAME_COUNT (sizeof(names) / sizeof(names[0]))

static const char *const values[] = {
    "k", "k2", "{k}3", "", "0", "1", "-1", "2", "5", "100", "4096", "-4096", "9223372036854775807",
    "-9223372036854775808", "9223372036854775808", "18446744073709551615", "4294967295", "4294967296",
    "2147483647", "-2147483648", "1e308", "-1e308", "1e400", "nan", "-nan", "inf", "-inf", "0.5", "-0", "007",
    " 1", "1 ", "0x10", "EX", "PX", "EXAT", "PXAT", "NX", "XX", "GT", "LT", "GET", "KEEPTTL", "PERSIST", "WITHSCORES",
    "LEN", "IDX", "MINMATCHLEN", "WITHMATCHLEN", "AND", "OR", "XOR", "NOT", "BIT", "BYTE", "OVERFLOW", "WRAP",
    "SAT", "FAIL", "INCRBY", "SET", "GET", "u8", "i64", "u63", "i1", "u0", "#1", "MATCH", "COUNT", "TYPE", "*",
    "k*", "[", "\\", "ENCODING", "FREQ", "IDLETIME", "REFCOUNT", "USAGE", "SAMPLES", "STATS", "DOCTOR", "PURGE",
    "DB", "REPLACE", "maxmemory", "maxmemory-policy", "allkeys-lru", "volatile-random", "hz", "lfu-log-factor",
    "latency-tracking-info-percentiles", "maxmemory-clients", "proto-max-bulk-len", "50%", "SLEEP", "RESETSTAT",
    "HELP", "GETKEYS", "INFO", "DOCS", "LIST", "RESET", "LATEST", "HISTOGRAM", "3", "AUTH", "default", "SETNAME",
    "\x00\x01\xff", "\r\n", "a b"};
#define VALUE_COUNT (sizeof(values) / sizeof(values[0]))

#define MAX_ARGUMENTS 8

static int initialized;

static void run(client *c, int argc, resp_argument *argv) {
    c->argc = argc;
    c->argv = argv;
    dispatch_process_command(c);
    c->argc = 0;
    c->argv = NULL;
    resp_output_clear(c->reply);
}

static void run_line(client *c, const char *line) {
    resp_argument argv[MAX_ARGUMENTS];
    char copy[128];
    snprintf(copy, sizeof(copy), "%s", line);
    int argc = 0;
    for (char *word = strtok(copy, " "); word && argc < MAX_ARGUMENTS; word = strtok(NULL, " "))
        argv[argc++] = (resp_argument){word, strlen(word)};
    run(c, argc, argv);
}

/* Back to the starting state: no keys, default limits, nothing pending. */
static void settle(client *c) {
    run_line(c, "EXEC");
    run_line(c, "UNWATCH");
    run_line(c, "CONFIG SET maxmemory 0");
    run_line(c, "CONFIG SET maxmemory-clients 0");
    run_line(c, "FLUSHALL");
    lazyfree_wait_idle();
}

/* Every module whose commands a client can reach, as main.c lists them, but
 * persistence (SAVE/BGSAVE would write files and fork) and scripting (busy
 * scripts wait on a clock). */
extern const zkv_module core_module, keyspace_module, net_module, command_module, string_module, generic_module,
    hash_module, set_module, list_module, zset_module, admin_module, memory_module, cluster_module, acl_module,
    introspection_module;
static const zkv_module *const modules[] = {
    &core_module,  &keyspace_module, &net_module,   &command_module, &string_module,
    &generic_module, &hash_module,   &set_module,   &list_module,    &zset_module,
    &admin_module, &memory_module,   &cluster_module, &acl_module,   &introspection_module,
    NULL};

static void setup(void) {
    module_register_all(modules);
    config_set_defaults();
    server_update_cached_time();
    const char *failed = NULL, *error = NULL;
    if (module_init_all(&failed, &error) != 0) abort();
    /* Bounded allocations per request (1 MB strings) and no history that
     * grows with the number of commands (slowlog, latency histograms). */
    client *c = client_create(-1, 0);
    run_line(c, "CONFIG SET proto-max-bulk-len 1mb");
    run_line(c, "CONFIG SET slowlog-log-slower-than -1");
    run_line(c, "CONFIG SET latency-tracking no");
    settle(c);
    client_free(c);
    initialized = 1;
}

/* Runs the program once on a fresh client; returns used_memory after it
 * was flushed and the client freed. */
static size_t run_program(const uint8_t *data, size_t size) {
    client *c = client_create(-1, 0);
    resp_argument argv[MAX_ARGUMENTS];
    size_t at = 0;
    while (at + 2 <= size) {
        int argc = 1;
        argv[0] = (resp_argument){names[data[at] % NAME_COUNT], strlen(names[data[at] % NAME_COUNT])};
        int extra = data[at + 1] % MAX_ARGUMENTS;
        at += 2;
        for (int i = 0; i < extra && at < size; i++) {
            uint8_t selector = data[at++];
            if (selector == 0xff && at < size) {
                size_t length = data[at++];
                if (length > size - at) length = size - at;
                argv[argc++] = (resp_argument){(const char *)data + at, length};
                at += length;
            } else {
                const char *value = values[selector % VALUE_COUNT];
                /* The binary value starts with a NUL byte: its length is fixed. */
                size_t length = value[0] == '\0' && selector % VALUE_COUNT != 3 ? 3 : strlen(value);
                argv[argc++] = (resp_argument){value, length};
            }
        }
        run(c, argc, argv);
    }
    settle(c);
    client_free(c);
    client_free_closed();
    return zmalloc_used_memory();
}

/* The same program twice: state first built lazily (a command's stats, an
 * error code's counter) is paid for once, so the second run must end at
 * exactly the memory of the first; anything more is a leak. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!initialized) setup();
    size_t first = run_program(data, size);
    size_t second = run_program(data, size);
    if (second != first) {
        fprintf(stderr, "used_memory %zu after the second run, %zu after the first\n", second, first);
        abort();
    }
    return 0;
}
