/* test_introspection: helpers shared by the introspection integration tests
 * (header-only, static functions): CLIENT LIST parsing, RESP encoding for
 * raw sockets, and a connection's local port.  INFO fields come from
 * test_info.h.
 */
#ifndef ZKV_TEST_INTROSPECTION_H
#define ZKV_TEST_INTROSPECTION_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "test_hiredis.h"
#include "test_info.h"
#include "test_server.h"

/* The value of `field=` in a CLIENT LIST line (copied), or NULL. */
static inline const char *client_field(const char *line, const char *field, char *value, size_t size) {
    size_t length = strlen(field);
    const char *p = line;
    while (p && *p) {
        if (strncmp(p, field, length) == 0 && p[length] == '=') {
            const char *start = p + length + 1;
            size_t value_length = strcspn(start, " \n");
            if (value_length >= size) value_length = size - 1;
            memcpy(value, start, value_length);
            value[value_length] = '\0';
            return value;
        }
        p = strchr(p, ' ');
        if (p) p++;
    }
    return NULL;
}

/* The local port of a hiredis connection (the peer address zkv sees). */
static inline int local_port_of(int fd) {
    struct sockaddr_in address;
    socklen_t length = sizeof(address);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&address, &length), 0);
    return ntohs(address.sin_port);
}

/* Encodes argv as a RESP multibulk into `out` (NUL-terminated); returns it. */
static inline char *resp_encode(char *out, size_t size, int argc, const char *const *argv) {
    size_t used = (size_t)snprintf(out, size, "*%d\r\n", argc);
    for (int i = 0; i < argc && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "$%zu\r\n%s\r\n", strlen(argv[i]), argv[i]);
    assert_true(used < size);
    return out;
}

/* Sends a command on a raw socket and reads exactly the expected reply. */
static inline void raw_expect(int fd, const char *request, const char *expected) {
    assert_int_equal(test_roundtrip(fd, request, expected), 0);
}

/* Counts lines of text separated by '\n'. */
static inline int count_lines(const char *text) {
    int lines = 0;
    for (const char *p = text; *p; p++) lines += *p == '\n';
    return lines;
}

#endif
