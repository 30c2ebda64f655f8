/* test_server: integration-test helpers (see test_server.h).
 *
 * Readiness is "a TCP connect to the port succeeds" polled every 20 ms while
 * checking that the child is still alive, so a server that fails start-up
 * is reported at once instead of after the full timeout.  The port is found
 * by binding port 0 and closing it; the small race with other processes is
 * covered by retrying start-up on another port.
 */
#include "test_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define START_ATTEMPTS 3
#define MAX_ARGUMENTS 64

static long long now_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void sleep_ms(int milliseconds) {
    struct timespec pause = {milliseconds / 1000, (long)(milliseconds % 1000) * 1000000L};
    nanosleep(&pause, NULL);
}

static const char *server_path(void) {
    const char *path = getenv("ZKV_SERVER");
    return path && path[0] ? path : "./zkv-server";
}

static int status_code(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

int test_free_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = 0};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    int port = -1;
    if (bind(fd, (struct sockaddr *)&address, sizeof(address)) == 0 &&
        getsockname(fd, (struct sockaddr *)&address, &length) == 0)
        port = ntohs(address.sin_port);
    close(fd);
    return port;
}

int test_connect(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&address, sizeof(address)) != 0) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

/* ---- Starting and stopping ---- */

/* The server gets SIGKILL when the test process dies, so a failed assertion
 * (cmocka leaves the test function before test_server_stop) or a crash
 * never leaves a server running behind the test. */
static pid_t spawn(const char *const *arguments, const char *log_path) {
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0) return pid;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127); /* the parent died before prctl took effect */
    int log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (log_fd >= 0) {
        dup2(log_fd, STDOUT_FILENO);
        dup2(log_fd, STDERR_FILENO);
        close(log_fd);
    }
    execv(arguments[0], (char *const *)arguments);
    _exit(127);
}

/* Polls until the port accepts, the child exits, or the timeout passes. */
static int wait_ready(test_server *server) {
    long long deadline = now_ms() + TEST_SERVER_START_TIMEOUT_MS;
    while (now_ms() < deadline) {
        int status;
        if (waitpid(server->pid, &status, WNOHANG) == server->pid) {
            server->exit_status = status_code(status);
            server->pid = 0;
            return -1;
        }
        int fd = test_connect(server->port);
        if (fd >= 0) {
            close(fd);
            return 0;
        }
        sleep_ms(20);
    }
    return -1;
}

static int start_once(test_server *server, const char *config_file, int port, const char *const *extra) {
    const char *arguments[MAX_ARGUMENTS];
    char port_text[16];
    int count = 0;
    arguments[count++] = server_path();
    if (config_file) arguments[count++] = config_file;
    snprintf(port_text, sizeof(port_text), "%d", port);
    arguments[count++] = "--port";
    arguments[count++] = port_text;
    /* No save points unless a test asks: a server stopped by SIGTERM would
     * otherwise save dump.rdb where the next test's server loads it. */
    arguments[count++] = "--save";
    arguments[count++] = "";
    /* Tests use DEBUG, as Redis's suite does; later arguments may override. */
    arguments[count++] = "--enable-debug-command";
    arguments[count++] = "yes";
    for (int i = 0; extra && extra[i] && count < MAX_ARGUMENTS - 1; i++) arguments[count++] = extra[i];
    arguments[count] = NULL;
    server->port = port;
    server->exit_status = -1;
    snprintf(server->log_path, sizeof(server->log_path), "/tmp/zkv-test-%d-%d.log", (int)getpid(), port);
    server->pid = spawn(arguments, server->log_path);
    if (server->pid < 0) return -1;
    if (wait_ready(server) == 0) return 0;
    if (server->pid > 0) test_server_stop(server);
    return -1;
}

static char *read_whole_file(const char *path);

/* 1 when start-up failed only because another process took the port. */
static int lost_port_race(const test_server *server) {
    char *log = read_whole_file(server->log_path);
    int lost = strstr(log, "already in use") != NULL;
    free(log);
    unlink(server->log_path);
    return lost;
}

int test_server_start_full(test_server *server, const char *config_file, int port, const char *const *extra) {
    for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
        int chosen = port ? port : test_free_port();
        if (chosen > 0 && start_once(server, config_file, chosen, extra) == 0) return 0;
        if (port || !lost_port_race(server)) return -1;
    }
    return -1;
}

int test_server_start(test_server *server, const char *const *extra_arguments) {
    return test_server_start_full(server, NULL, 0, extra_arguments);
}

/* Waits for the child to exit; the status, or -1 on timeout. */
static int wait_exit(pid_t pid, int timeout_ms) {
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        int status;
        pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid) return status_code(status);
        if (done < 0) return -1;
        if (now_ms() >= deadline) return -1;
        sleep_ms(10);
    }
}

int test_server_signal_and_wait(test_server *server, int signal_number, int timeout_ms) {
    if (server->pid <= 0) return server->exit_status;
    kill(server->pid, signal_number);
    int status = wait_exit(server->pid, timeout_ms);
    if (status < 0) {
        kill(server->pid, SIGKILL);
        wait_exit(server->pid, TEST_SERVER_STOP_TIMEOUT_MS);
    }
    server->pid = 0;
    server->exit_status = status;
    return status;
}

int test_server_stop(test_server *server) {
    int status = server->pid > 0 ? test_server_signal_and_wait(server, SIGTERM, TEST_SERVER_STOP_TIMEOUT_MS)
                                 : server->exit_status;
    unlink(server->log_path);
    return status;
}

static char *read_whole_file(const char *path) {
    FILE *file = fopen(path, "r");
    size_t length = 0, capacity = 4096;
    char *text = malloc(capacity);
    if (!text) abort();
    while (file) {
        if (length + 1024 > capacity) {
            capacity *= 2;
            text = realloc(text, capacity);
            if (!text) abort();
        }
        size_t got = fread(text + length, 1, capacity - length - 1, file);
        if (got == 0) break;
        length += got;
    }
    if (file) fclose(file);
    text[length] = '\0';
    return text;
}

char *test_server_read_log(const test_server *server) { return read_whole_file(server->log_path); }

int test_server_run_to_exit(const char *const *arguments, int timeout_ms, char **output) {
    const char *full[MAX_ARGUMENTS];
    int count = 0;
    full[count++] = server_path();
    for (int i = 0; arguments && arguments[i] && count < MAX_ARGUMENTS - 1; i++) full[count++] = arguments[i];
    full[count] = NULL;
    char log_path[128];
    snprintf(log_path, sizeof(log_path), "/tmp/zkv-test-run-%d-%lld.log", (int)getpid(), now_ms());
    pid_t pid = spawn(full, log_path);
    int status = pid > 0 ? wait_exit(pid, timeout_ms) : -1;
    if (pid > 0 && status < 0) {
        kill(pid, SIGKILL);
        wait_exit(pid, TEST_SERVER_STOP_TIMEOUT_MS);
    }
    if (output) *output = read_whole_file(log_path);
    unlink(log_path);
    return status;
}

/* ---- Raw I/O ---- */

int test_send(int fd, const void *data, size_t length) {
    const char *bytes = data;
    while (length) {
        ssize_t sent = send(fd, bytes, length, MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR) continue;
        if (sent <= 0) return -1;
        bytes += sent;
        length -= (size_t)sent;
    }
    return 0;
}

int test_send_string(int fd, const char *text) { return test_send(fd, text, strlen(text)); }

int test_send_command(int fd, int argc, const char *const *argv, const size_t *lengths) {
    /* One buffer, one send: the request arrives as a client library would
     * write it, not split at every argument. */
    size_t size = 32;
    for (int i = 0; i < argc; i++) size += 32 + lengths[i];
    char *request = malloc(size);
    if (!request) return -1;
    size_t used = (size_t)snprintf(request, size, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++) {
        used += (size_t)snprintf(request + used, size - used, "$%zu\r\n", lengths[i]);
        memcpy(request + used, argv[i], lengths[i]);
        used += lengths[i];
        memcpy(request + used, "\r\n", 2);
        used += 2;
    }
    int result = test_send(fd, request, used);
    free(request);
    return result;
}

/* One bounded read: bytes read, 0 on EOF, -1 on timeout or error. */
static ssize_t read_some(int fd, char *buffer, size_t length, int timeout_ms) {
    struct pollfd waiting = {.fd = fd, .events = POLLIN};
    int ready = poll(&waiting, 1, timeout_ms);
    if (ready == 0) errno = ETIMEDOUT;
    if (ready <= 0) return -1;
    ssize_t got = recv(fd, buffer, length, 0);
    if (got < 0 && errno == ECONNRESET) return 0;
    return got;
}

size_t test_read_exact(int fd, char *buffer, size_t length, int timeout_ms) {
    size_t total = 0;
    long long deadline = now_ms() + timeout_ms;
    while (total < length) {
        long long left = deadline - now_ms();
        if (left <= 0) break;
        ssize_t got = read_some(fd, buffer + total, length - total, (int)left);
        if (got <= 0) break;
        total += (size_t)got;
    }
    return total;
}

size_t test_read_available(int fd, char *buffer, size_t length, int quiet_ms) {
    size_t total = 0;
    while (total < length) {
        ssize_t got = read_some(fd, buffer + total, length - total, quiet_ms);
        if (got <= 0) break;
        total += (size_t)got;
    }
    return total;
}

int test_roundtrip(int fd, const char *request, const char *expected) {
    size_t length = strlen(expected);
    char *reply = malloc(length + 1);
    if (!reply) abort();
    int result = test_send_string(fd, request);
    size_t got = result == 0 ? test_read_exact(fd, reply, length, TEST_IO_TIMEOUT_MS) : 0;
    reply[got] = '\0';
    if (got != length || memcmp(reply, expected, length) != 0) {
        fprintf(stderr, "raw reply mismatch\n  request:  %s\n  expected: %s\n  got:      %s\n", request,
                expected, reply);
        result = -1;
    }
    free(reply);
    return result;
}

int test_wait_closed(int fd, int timeout_ms) {
    char scratch[4096];
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0) return 0;
        ssize_t got = read_some(fd, scratch, sizeof(scratch), (int)left);
        if (got == 0) return 1;
        if (got < 0) return errno == ECONNRESET;
    }
}
