/* Integration tests for the limits that protect the server: maxclients, the
 * query buffer limit, proto-max-bulk-len, the output buffer limit against a
 * client that never reads, the idle timeout; clean shutdown (SIGTERM,
 * SIGINT, SHUTDOWN) removing the pidfile and unix socket; and the memory an
 * idle client costs (printed, and bounded). */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "test_hiredis.h"
#include "test_info.h"
#include "test_server.h"

static void test_maxclients(void **state) {
    (void)state;
    test_server server;
    const char *arguments[] = {"--maxclients", "3", NULL};
    assert_int_equal(test_server_start(&server, arguments), 0);
    redisContext *clients[3];
    for (int i = 0; i < 3; i++) {
        clients[i] = test_redis_connect(server.port);
        expect_status(redisCommand(clients[i], "PING"), "PONG");
    }
    int fd = test_connect(server.port);
    assert_true(fd >= 0);
    const char *refusal = "-ERR max number of clients reached\r\n";
    char buffer[128];
    size_t got = test_read_exact(fd, buffer, strlen(refusal), TEST_IO_TIMEOUT_MS);
    assert_int_equal(got, strlen(refusal));
    assert_memory_equal(buffer, refusal, got);
    assert_true(test_wait_closed(fd, TEST_IO_TIMEOUT_MS));
    close(fd);
    redisFree(clients[0]);
    /* The freed slot can be used again (the close is noticed asynchronously). */
    int accepted = 0;
    for (int attempt = 0; attempt < 50 && !accepted; attempt++) {
        redisContext *again = test_redis_connect(server.port);
        redisReply *reply = redisCommand(again, "PING");
        accepted = reply && reply->type == REDIS_REPLY_STATUS;
        if (reply) freeReplyObject(reply);
        redisFree(again);
        if (!accepted) usleep(100000);
    }
    assert_true(accepted);
    redisFree(clients[1]);
    redisFree(clients[2]);
    assert_int_equal(test_server_stop(&server), 0);
}

static void test_query_buffer_and_bulk_limits(void **state) {
    (void)state;
    test_server server;
    const char *arguments[] = {"--client-query-buffer-limit", "1mb", "--proto-max-bulk-len", "2mb", NULL};
    assert_int_equal(test_server_start(&server, arguments), 0);
    /* A bulk above proto-max-bulk-len is a protocol error. */
    int fd = test_connect(server.port);
    assert_int_equal(test_roundtrip(fd, "*1\r\n$3000000\r\n", "-ERR Protocol error: invalid bulk length\r\n"), 0);
    assert_true(test_wait_closed(fd, TEST_IO_TIMEOUT_MS));
    close(fd);
    /* A request growing past the query buffer limit closes the client. */
    fd = test_connect(server.port);
    size_t chunk_length = 64 * 1024;
    char *chunk = malloc(chunk_length);
    memset(chunk, 'v', chunk_length);
    test_send_string(fd, "*2\r\n$4\r\nECHO\r\n$2000000\r\n");
    for (int i = 0; i < 24 && test_send(fd, chunk, chunk_length) == 0; i++) continue;
    assert_true(test_wait_closed(fd, TEST_IO_TIMEOUT_MS));
    close(fd);
    free(chunk);
    redisContext *redis = test_redis_connect(server.port);
    expect_status(redisCommand(redis, "PING"), "PONG");
    redisFree(redis);
    char *log = test_server_read_log(&server);
    assert_non_null(strstr(log, "client-query-buffer-limit"));
    free(log);
    assert_int_equal(test_server_stop(&server), 0);
}

static void test_output_buffer_limit(void **state) {
    (void)state;
    test_server server;
    const char *arguments[] = {"--client-output-buffer-limit", "normal", "1mb", "0", "0", NULL};
    assert_int_equal(test_server_start(&server, arguments), 0);
    int fd = test_connect(server.port);
    int small = 4096;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    /* ECHO of 64 KiB, pipelined without ever reading: 32 MiB of replies. */
    size_t value_length = 64 * 1024;
    char header[64];
    int header_length = snprintf(header, sizeof(header), "*2\r\n$4\r\nECHO\r\n$%zu\r\n", value_length);
    char *request = malloc((size_t)header_length + value_length + 2);
    memcpy(request, header, (size_t)header_length);
    memset(request + header_length, 'x', value_length);
    memcpy(request + header_length + value_length, "\r\n", 2);
    for (int i = 0; i < 512; i++) {
        if (test_send(fd, request, (size_t)header_length + value_length + 2) != 0) break;
    }
    free(request);
    assert_true(test_wait_closed(fd, 10000));
    close(fd);
    redisContext *redis = test_redis_connect(server.port);
    expect_status(redisCommand(redis, "PING"), "PONG");
    redisFree(redis);
    char *log = test_server_read_log(&server);
    if (!strstr(log, "output buffer limit")) print_error("log:\n%s\n", log);
    assert_non_null(strstr(log, "output buffer limit"));
    free(log);
    assert_int_equal(test_server_stop(&server), 0);
}

static void test_idle_timeout(void **state) {
    (void)state;
    test_server server;
    const char *arguments[] = {"--timeout", "1", NULL};
    assert_int_equal(test_server_start(&server, arguments), 0);
    int fd = test_connect(server.port);
    assert_int_equal(test_roundtrip(fd, "PING\r\n", "+PONG\r\n"), 0);
    assert_true(test_wait_closed(fd, 5000));
    close(fd);
    assert_int_equal(test_server_stop(&server), 0);
}

static int unix_connect(const char *path) {
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(address.sun_path)) return -1;
    memcpy(address.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&address, sizeof(address)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void check_clean_exit(int signal_number) {
    char pid_path[128], socket_path[128];
    snprintf(pid_path, sizeof(pid_path), "/tmp/zkv-test-%d-%d.pid", (int)getpid(), signal_number);
    snprintf(socket_path, sizeof(socket_path), "/tmp/zkv-test-%d-%d.sock", (int)getpid(), signal_number);
    test_server server;
    const char *arguments[] = {"--pidfile", pid_path, "--unixsocket", socket_path, "--unixsocketperm", "700", NULL};
    assert_int_equal(test_server_start(&server, arguments), 0);
    struct stat socket_info;
    assert_int_equal(stat(socket_path, &socket_info), 0);
    assert_int_equal(socket_info.st_mode & 0777, 0700);
    FILE *file = fopen(pid_path, "r");
    assert_non_null(file);
    int pid = 0;
    assert_int_equal(fscanf(file, "%d", &pid), 1);
    fclose(file);
    assert_int_equal(pid, server.pid);
    int fd = unix_connect(socket_path);
    assert_true(fd >= 0);
    assert_int_equal(test_roundtrip(fd, "PING\r\n", "+PONG\r\n"), 0);
    if (signal_number) {
        assert_int_equal(test_server_signal_and_wait(&server, signal_number, 5000), 0);
    } else {
        test_send_string(fd, "SHUTDOWN NOSAVE\r\n");
        assert_true(test_wait_closed(fd, 5000));
        assert_int_equal(test_server_signal_and_wait(&server, 0, 5000), 0);
    }
    close(fd);
    struct stat info;
    assert_int_not_equal(stat(pid_path, &info), 0);
    assert_int_not_equal(stat(socket_path, &info), 0);
    char *log = test_server_read_log(&server);
    assert_non_null(strstr(log, "Ready to accept connections"));
    assert_non_null(strstr(log, "ready to exit"));
    free(log);
    test_server_stop(&server);
}

static void test_clean_shutdown(void **state) {
    (void)state;
    check_clean_exit(SIGTERM);
    check_clean_exit(SIGINT);
    check_clean_exit(0);
}

/* Connects 1000 clients that each run one command and go idle, and reports
 * what one of them costs once the cron has shrunk their buffers. */
static void test_idle_client_memory(void **state) {
    (void)state;
    enum { CLIENTS = 1000 };
    test_server server;
    assert_int_equal(test_server_start(&server, NULL), 0);
    redisContext *redis = test_redis_connect(server.port);
    long long before = test_info_require_field(redis, "memory", "used_memory");
    static int fds[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        fds[i] = test_connect(server.port);
        assert_true(fds[i] >= 0);
        assert_int_equal(test_roundtrip(fds[i], "PING\r\n", "+PONG\r\n"), 0);
    }
    /* Idle buffers are shrunk after 2 s; allow a loaded machine some slack. */
    sleep(3);
    long long after = test_info_require_field(redis, "memory", "used_memory");
    long long per_client = (after - before) / CLIENTS;
    for (int attempt = 0; attempt < 40 && per_client >= 2048; attempt++) {
        usleep(250000);
        after = test_info_require_field(redis, "memory", "used_memory");
        per_client = (after - before) / CLIENTS;
    }
    print_message("idle client memory: used_memory %lld -> %lld, %lld bytes per idle client\n", before, after,
                  per_client);
    assert_true(per_client > 0);
    assert_true(per_client < 2048);
    for (int i = 0; i < CLIENTS; i++) close(fds[i]);
    redisFree(redis);
    assert_int_equal(test_server_stop(&server), 0);
}

/* The first non-loopback IPv4 address of this machine, or 0 if none. */
static int external_address(struct sockaddr_in *found) {
    struct ifaddrs *list = NULL;
    if (getifaddrs(&list) != 0) return 0;
    int ok = 0;
    for (struct ifaddrs *entry = list; entry && !ok; entry = entry->ifa_next) {
        if (!entry->ifa_addr || entry->ifa_addr->sa_family != AF_INET) continue;
        memcpy(found, entry->ifa_addr, sizeof(*found));
        ok = (ntohl(found->sin_addr.s_addr) >> 24) != 127;
    }
    freeifaddrs(list);
    return ok;
}

static int connect_external(const struct sockaddr_in *address, int port) {
    struct sockaddr_in target = *address;
    target.sin_port = htons((uint16_t)port);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&target, sizeof(target)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Protected mode refuses non-loopback clients while no password is set
 * (even with an explicit bind, as Redis 7.0 does). */
static void test_protected_mode(void **state) {
    (void)state;
    struct sockaddr_in address;
    if (!external_address(&address)) skip();
    test_server server;
    const char *protected_arguments[] = {"--bind", "*", NULL};
    assert_int_equal(test_server_start(&server, protected_arguments), 0);
    int fd = connect_external(&address, server.port);
    assert_true(fd >= 0);
    char buffer[256];
    size_t got = test_read_exact(fd, buffer, 8, TEST_IO_TIMEOUT_MS);
    assert_int_equal(got, 8);
    assert_memory_equal(buffer, "-DENIED ", 8);
    assert_true(test_wait_closed(fd, TEST_IO_TIMEOUT_MS));
    close(fd);
    fd = test_connect(server.port);
    assert_int_equal(test_roundtrip(fd, "PING\r\n", "+PONG\r\n"), 0);
    assert_int_equal(test_roundtrip(fd, "CONFIG SET requirepass pw\r\n", "+OK\r\n"), 0);
    close(fd);
    fd = connect_external(&address, server.port);
    assert_int_equal(test_roundtrip(fd, "PING\r\n", "-NOAUTH Authentication required.\r\n"), 0);
    close(fd);
    assert_int_equal(test_server_stop(&server), 0);
    const char *open_arguments[] = {"--bind", "*", "--protected-mode", "no", NULL};
    assert_int_equal(test_server_start(&server, open_arguments), 0);
    fd = connect_external(&address, server.port);
    assert_int_equal(test_roundtrip(fd, "PING\r\n", "+PONG\r\n"), 0);
    close(fd);
    assert_int_equal(test_server_stop(&server), 0);
}

/* maxclients above what RLIMIT_NOFILE allows is lowered, with a log line. */
static void test_maxclients_follows_open_files_limit(void **state) {
    (void)state;
    struct rlimit limit;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &limit), 0);
    if (limit.rlim_max == RLIM_INFINITY || limit.rlim_max > 1000000) skip();
    test_server server;
    const char *arguments[] = {"--maxclients", "1000000", NULL};
    assert_int_equal(test_server_start(&server, arguments), 0);
    redisContext *redis = test_redis_connect(server.port);
    redisReply *reply = redisCommand(redis, "CONFIG GET maxclients");
    expect_reply_type(reply, REDIS_REPLY_ARRAY);
    assert_int_equal(atoll(reply->element[1]->str), (long long)limit.rlim_max - 32);
    freeReplyObject(reply);
    redisFree(redis);
    char *log = test_server_read_log(&server);
    assert_non_null(strstr(log, "maxclients lowered from 1000000"));
    free(log);
    assert_int_equal(test_server_stop(&server), 0);
}

static void come_and_go(int port, int clients) {
    for (int round = 0; round < clients; round++) {
        int fd = test_connect(port);
        assert_true(fd >= 0);
        test_send_string(fd, "WATCH a b c\r\nMULTI\r\nECHO x\r\nPING\r\nHELLO 3 SETNAME n\r\nCLIENT SETNAME abc\r\n");
        if (round % 3 == 0) test_send_string(fd, "EXEC\r\n");
        if (round % 5 == 0) test_send_string(fd, "*1\r\n$100000\r\npartial");
        close(fd);
    }
}

static void wait_for_one_client(redisContext *redis) {
    for (int attempt = 0; attempt < 100 && test_info_require_field(redis, "clients", "connected_clients") > 1;
         attempt++)
        usleep(20000);
    assert_int_equal(test_info_require_field(redis, "clients", "connected_clients"), 1);
}

/* Clients that come, use MULTI/WATCH/partial requests, and go leave nothing
 * behind.  Two first waves warm up what is allocated once (per-command
 * latency histograms, the watched-key table, libevent's fd map): clients
 * close without reading, so one wave may not run every command kind, and
 * the first command of a kind allocates its histogram. */
static void test_no_memory_left_by_closed_clients(void **state) {
    (void)state;
    test_server server;
    assert_int_equal(test_server_start(&server, NULL), 0);
    redisContext *redis = test_redis_connect(server.port);
    come_and_go(server.port, 300);
    come_and_go(server.port, 300);
    wait_for_one_client(redis);
    long long before = test_info_require_field(redis, "memory", "used_memory");
    come_and_go(server.port, 300);
    wait_for_one_client(redis);
    long long after = test_info_require_field(redis, "memory", "used_memory");
    print_message("used_memory before %lld, after 300 clients came and went %lld\n", before, after);
    assert_true(after - before < 4096);
    redisFree(redis);
    assert_int_equal(test_server_stop(&server), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_maxclients),        cmocka_unit_test(test_query_buffer_and_bulk_limits),
        cmocka_unit_test(test_output_buffer_limit), cmocka_unit_test(test_idle_timeout),
        cmocka_unit_test(test_clean_shutdown),    cmocka_unit_test(test_idle_client_memory),
        cmocka_unit_test(test_protected_mode),    cmocka_unit_test(test_maxclients_follows_open_files_limit),
        cmocka_unit_test(test_no_memory_left_by_closed_clients),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
