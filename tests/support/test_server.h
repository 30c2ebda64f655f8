/* test_server: start and stop zkv-server for integration tests, and talk raw
 * RESP to it.
 *
 * The server binary comes from the ZKV_SERVER environment variable (ctest
 * sets it).  Each server gets a free port on 127.0.0.1, its stdout/stderr go
 * to a log file under /tmp (so tests can read the log), and every wait is
 * bounded.  Servers are stopped by PID: SIGTERM, then SIGKILL if they do not
 * exit within the timeout.
 */
#ifndef ZKV_TEST_SERVER_H
#define ZKV_TEST_SERVER_H

#include <stddef.h>
#include <sys/types.h>

#define TEST_SERVER_START_TIMEOUT_MS 10000
#define TEST_SERVER_STOP_TIMEOUT_MS 5000
#define TEST_IO_TIMEOUT_MS 5000

typedef struct test_server {
    pid_t pid;
    int port;
    char log_path[128];
    int exit_status; /* after stop: exit code, or 128 + signal */
} test_server;

/* A port nobody listens on right now (127.0.0.1), or -1. */
int test_free_port(void);

/* Starts `$ZKV_SERVER --port <free port> --enable-debug-command yes extra...` (NULL-terminated, may be
 * NULL) and waits until it accepts connections.  0 on success; -1 if it did
 * not start (then server->exit_status holds its exit status if it exited). */
int test_server_start(test_server *server, const char *const *extra_arguments);
/* Same with a leading config-file argument (may be NULL) and an explicit port
 * (0 = pick a free one). */
int test_server_start_full(test_server *server, const char *config_file, int port,
                           const char *const *extra_arguments);
/* SIGTERM, wait, SIGKILL after the timeout.  Returns the exit status (exit
 * code, or 128 + signal) and removes the log file. */
int test_server_stop(test_server *server);
/* Sends `signal_number` and waits (bounded) for exit; returns the status like
 * test_server_stop, or -1 on timeout (then the server is killed). */
int test_server_signal_and_wait(test_server *server, int signal_number, int timeout_ms);
/* The log so far, zmalloc-free (malloc'd; caller frees).  Never NULL. */
char *test_server_read_log(const test_server *server);

/* Runs `$ZKV_SERVER arguments...` expecting it to exit on its own within
 * timeout_ms; returns its exit status (or -1 on timeout, after killing it)
 * and its combined output in *output (malloc'd, caller frees). */
int test_server_run_to_exit(const char *const *arguments, int timeout_ms, char **output);

/* Raw sockets. */
int test_connect(int port);         /* blocking TCP connect to 127.0.0.1, -1 on failure */
int test_send(int fd, const void *data, size_t length); /* 0 when all sent */
int test_send_string(int fd, const char *text);
/* Sends argc arguments (of the given lengths, so binary-safe) as one RESP
 * multibulk request; 0 when all sent. */
int test_send_command(int fd, int argc, const char *const *argv, const size_t *lengths);
/* Reads exactly `length` bytes unless the peer closes or the timeout passes;
 * returns the count read. */
size_t test_read_exact(int fd, char *buffer, size_t length, int timeout_ms);
/* Reads whatever arrives until `length` bytes, the peer closes, or no byte
 * came for `quiet_ms`; returns the count read. */
size_t test_read_available(int fd, char *buffer, size_t length, int quiet_ms);
/* Sends `request`, then reads exactly strlen(expected) bytes and compares;
 * 0 when equal, otherwise -1 (and prints both to stderr). */
int test_roundtrip(int fd, const char *request, const char *expected);
/* 1 if the peer closes the connection within timeout_ms (EOF or reset). */
int test_wait_closed(int fd, int timeout_ms);

#endif
