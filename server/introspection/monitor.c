/* monitor: MONITOR (see monitor.h).
 *
 * Monitors are found by walking net.clients, which only happens when
 * net.monitor_count says there is at least one: the cost of MONITOR is
 * paid while someone monitors, never otherwise.  The client leaving MONITOR
 * mode (by closing) is accounted for by the core's client_free, which
 * decrements net.monitor_count for clients flagged CLIENT_MONITOR.
 */
#include "monitor.h"

#include <stdio.h>
#include <sys/time.h>

#include "client.h"
#include "introspection.h"
#include "reply.h"
#include "strbuf.h"

static void append_origin(strbuf *line, const client *c) {
    if (c->flags & CLIENT_UNIX_SOCKET) {
        strbuf_printf(line, "[%d unix:%s]", c->db_index,
                      server.config.unix_socket ? server.config.unix_socket : "");
    } else {
        strbuf_printf(line, "[%d %s]", c->db_index, c->address);
    }
}

static void build_line(strbuf *line, const client *c, const command *cmd) {
    struct timeval now;
    gettimeofday(&now, NULL);
    strbuf_printf(line, "%ld.%06ld ", (long)now.tv_sec, (long)now.tv_usec);
    append_origin(line, c);
    for (int i = 0; i < c->argc; i++) {
        strbuf_append_char(line, ' ');
        if (introspection_argument_redacted(cmd, c->argc, c->argv, i))
            strbuf_append_cstring(line, "\"(redacted)\"");
        else
            introspection_append_quoted(line, c->argv[i].data, c->argv[i].length);
    }
}

void monitor_feed(client *c, const command *cmd) {
    if (cmd->spec->flags & (COMMAND_ADMIN | COMMAND_SKIP_MONITOR)) return;
    monitor_feed_always(c, cmd);
}

void monitor_feed_always(client *c, const command *cmd) {
    if (net.monitor_count == 0) return;
    strbuf line = STRBUF_INIT;
    build_line(&line, c, cmd);
    for (client *monitor = net.clients; monitor; monitor = monitor->next) {
        if (!(monitor->flags & CLIENT_MONITOR) || (monitor->flags & CLIENT_CLOSE_ASAP)) continue;
        resp_write_simple(monitor->reply, line.data, line.length);
        /* A monitor that does not read must not grow without bound. */
        if (client_check_output_limits(monitor)) continue;
        if (monitor != c) client_schedule_write(monitor);
    }
    strbuf_free(&line);
}

static void monitor_command(client *c) {
    /* A transaction expects one reply per command: a stream cannot follow. */
    if (server.in_exec) {
        reply_error(c, "ERR MONITOR isn't allowed for DENY BLOCKING client");
        return;
    }
    /* Redis answers a second MONITOR with +OK and changes nothing. */
    if (c->flags & CLIENT_MONITOR) {
        reply_ok(c);
        return;
    }
    c->flags |= CLIENT_MONITOR;
    net.monitor_count++;
    reply_ok(c);
}

const command_spec monitor_commands[] = {
    {.name = "monitor", .handler = monitor_command, .arity = 1,
     .flags = COMMAND_ADMIN | COMMAND_NOSCRIPT | COMMAND_LOADING | COMMAND_STALE,
     .categories = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "server", .since = "1.0.0",
     .summary = "Stream every command the server executes", .complexity = ""},
    {0}};
