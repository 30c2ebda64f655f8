/* latency: latency monitor events and the LATENCY command (see latency.h).
 *
 * Events live in a small fixed array searched linearly: there are only a
 * handful of event names and samples are only added for spikes, so a hash
 * table would cost more than it saves.  Each event's samples form a ring of
 * LATENCY_HISTORY_LENGTH entries.
 */
#include "latency.h"

#include <string.h>
#include <time.h>

#include "histogram.h"
#include "introspection.h"
#include "reply.h"
#include "strbuf.h"

typedef struct latency_sample {
    long long timestamp; /* unix seconds */
    long long latency_ms;
} latency_sample;

typedef struct latency_event {
    char name[LATENCY_EVENT_NAME_LENGTH];
    latency_sample samples[LATENCY_HISTORY_LENGTH];
    int next;  /* ring position of the next sample */
    int count; /* samples held, up to LATENCY_HISTORY_LENGTH */
    long long max_ms;
} latency_event;

static latency_event events[LATENCY_MAX_EVENTS];
static int event_count;

static latency_event *find_event(const char *name, size_t length) {
    for (int i = 0; i < event_count; i++) {
        if (strlen(events[i].name) == length && memcmp(events[i].name, name, length) == 0) return &events[i];
    }
    return NULL;
}

static latency_event *find_or_add_event(const char *name) {
    latency_event *event = find_event(name, strlen(name));
    if (event || event_count == LATENCY_MAX_EVENTS) return event;
    event = &events[event_count++];
    memset(event, 0, sizeof(*event));
    strncpy(event->name, name, sizeof(event->name) - 1);
    return event;
}

static int latest_index(const latency_event *event) {
    return (event->next + LATENCY_HISTORY_LENGTH - 1) % LATENCY_HISTORY_LENGTH;
}

static void add_sample(latency_event *event, long long latency_ms) {
    long long now = (long long)time(NULL);
    if (latency_ms > event->max_ms) event->max_ms = latency_ms;
    if (event->count > 0) {
        latency_sample *last = &event->samples[latest_index(event)];
        if (last->timestamp == now) {
            if (latency_ms > last->latency_ms) last->latency_ms = latency_ms;
            return;
        }
    }
    event->samples[event->next].timestamp = now;
    event->samples[event->next].latency_ms = latency_ms;
    event->next = (event->next + 1) % LATENCY_HISTORY_LENGTH;
    if (event->count < LATENCY_HISTORY_LENGTH) event->count++;
}

void latency_add_sample_if_needed(const char *event_name, long long latency_ms) {
    long long threshold = server.config.latency_monitor_threshold;
    if (threshold <= 0 || latency_ms < threshold) return;
    latency_event *event = find_or_add_event(event_name);
    if (event) add_sample(event, latency_ms);
}

void latency_consider_command(const command *cmd, long long duration_us) {
    if (server.config.latency_monitor_threshold <= 0) return;
    const char *event = (cmd->spec->flags & COMMAND_FAST) ? "fast-command" : "command";
    latency_add_sample_if_needed(event, duration_us / 1000);
}

static void remove_event(int index) {
    memmove(&events[index], &events[index + 1], sizeof(events[0]) * (size_t)(event_count - index - 1));
    event_count--;
}

int latency_reset_all(void) {
    int removed = event_count;
    event_count = 0;
    return removed;
}

/* ---- LATENCY LATEST | HISTORY | RESET ---- */

static void latency_latest_command(client *c) {
    reply_array_header(c, event_count);
    for (int i = 0; i < event_count; i++) {
        const latency_sample *last = &events[i].samples[latest_index(&events[i])];
        reply_array_header(c, 4);
        reply_bulk_cstring(c, events[i].name);
        reply_integer(c, last->timestamp);
        reply_integer(c, last->latency_ms);
        reply_integer(c, events[i].max_ms);
    }
}

static void latency_history_command(client *c) {
    const latency_event *event = find_event(c->argv[2].data, c->argv[2].length);
    if (!event) {
        reply_array_header(c, 0);
        return;
    }
    reply_array_header(c, event->count);
    int first = (event->next + LATENCY_HISTORY_LENGTH - event->count) % LATENCY_HISTORY_LENGTH;
    for (int i = 0; i < event->count; i++) {
        const latency_sample *sample = &event->samples[(first + i) % LATENCY_HISTORY_LENGTH];
        reply_array_header(c, 2);
        reply_integer(c, sample->timestamp);
        reply_integer(c, sample->latency_ms);
    }
}

static void latency_reset_command(client *c) {
    if (c->argc == 2) {
        reply_integer(c, latency_reset_all());
        return;
    }
    int removed = 0;
    for (int i = 2; i < c->argc; i++) {
        latency_event *event = find_event(c->argv[i].data, c->argv[i].length);
        if (!event) continue;
        remove_event((int)(event - events));
        removed++;
    }
    reply_integer(c, removed);
}

/* ---- LATENCY HISTOGRAM ---- */

static void reply_histogram_bucket(uint64_t bound, uint64_t count, void *context) {
    client *c = context;
    reply_integer(c, (long long)bound);
    reply_integer(c, (long long)count);
}

static void reply_command_histogram(client *c, const command *cmd, const histogram *h) {
    reply_bulk_cstring(c, cmd->full_name);
    reply_map_header(c, 2);
    reply_bulk_cstring(c, "calls");
    reply_integer(c, (long long)h->total);
    reply_bulk_cstring(c, "histogram_usec");
    resp_deferred header = resp_write_deferred_header(c->reply);
    size_t buckets = histogram_cumulative_powers(h, reply_histogram_bucket, c);
    resp_set_deferred_map_length(c->reply, header, (long long)buckets);
}

/* Replies the histogram of cmd and of its subcommands; returns how many. */
static int reply_histogram_tree(client *c, const command *cmd) {
    int replied = 0;
    const histogram *h = introspection_command_histogram(cmd);
    if (h && h->total > 0) {
        reply_command_histogram(c, cmd, h);
        replied++;
    }
    for (int i = 0; i < cmd->subcommand_count; i++) replied += reply_histogram_tree(c, &cmd->subcommands[i]);
    return replied;
}

/* "config|get" names a subcommand, "config" a command and its subcommands. */
static const command *lookup_full_name(const resp_argument *name) {
    const char *bar = memchr(name->data, '|', name->length);
    if (!bar) return command_lookup(name->data, name->length);
    const command *parent = command_lookup(name->data, (size_t)(bar - name->data));
    if (!parent) return NULL;
    return command_lookup_subcommand(parent, bar + 1, name->length - (size_t)(bar - name->data) - 1);
}

static void latency_histogram_command(client *c) {
    resp_deferred header = resp_write_deferred_header(c->reply);
    int replied = 0;
    if (c->argc == 2) {
        size_t count;
        command *const *all = command_table_all(&count);
        for (size_t i = 0; i < count; i++) replied += reply_histogram_tree(c, all[i]);
    }
    for (int i = 2; i < c->argc; i++) {
        const command *cmd = lookup_full_name(&c->argv[i]);
        if (cmd) replied += reply_histogram_tree(c, cmd);
    }
    resp_set_deferred_map_length(c->reply, header, replied);
}

/* ---- LATENCY DOCTOR ---- */

static void describe_event(strbuf *report, int number, const latency_event *event) {
    long long sum = 0;
    int first = (event->next + LATENCY_HISTORY_LENGTH - event->count) % LATENCY_HISTORY_LENGTH;
    for (int i = 0; i < event->count; i++) sum += event->samples[(first + i) % LATENCY_HISTORY_LENGTH].latency_ms;
    strbuf_printf(report, "%d. %s: %d spike(s) in the last %d recorded seconds, average %lld ms, worst %lld ms.\n",
                  number, event->name, event->count, event->count, event->count ? sum / event->count : 0,
                  event->max_ms);
}

static void latency_doctor_command(client *c) {
    strbuf report = STRBUF_INIT;
    if (server.config.latency_monitor_threshold <= 0) {
        strbuf_append_cstring(&report, "The latency monitor is disabled: set latency-monitor-threshold to a "
                                       "number of milliseconds with CONFIG SET to enable it.\n");
    } else if (event_count == 0) {
        strbuf_printf(&report, "No latency spike of %lld ms or more was observed.\n",
                      server.config.latency_monitor_threshold);
    } else {
        strbuf_printf(&report, "Latency spikes of %lld ms or more were observed:\n\n",
                      server.config.latency_monitor_threshold);
        for (int i = 0; i < event_count; i++) describe_event(&report, i + 1, &events[i]);
        strbuf_append_cstring(&report, "\nSLOWLOG GET lists the slowest commands; LATENCY HISTORY <event> "
                                       "shows each spike.\n");
    }
    reply_verbatim(c, strbuf_cstring(&report), report.length);
    strbuf_free(&report);
}

static void latency_help_command(client *c) {
    static const char *const lines[] = {
        "DOCTOR",
        "    Describe the latency spikes observed, in words.",
        "HISTORY <event>",
        "    List the (unix time, milliseconds) samples of one event.",
        "LATEST",
        "    For every event: its name, the time and size of its last spike, its worst spike.",
        "RESET [<event> ...]",
        "    Forget the given events (every event when none is given).",
        "HISTOGRAM [<command> ...]",
        "    Cumulative distribution of the run times of the given commands (of every",
        "    command that ran when none is given), in microseconds.",
        NULL};
    reply_help(c, "LATENCY", lines);
}

static const command_argument latency_histogram_arguments[] = {
    {.name = "command", .type = ARGUMENT_STRING, .flags = ARGUMENT_OPTIONAL | ARGUMENT_MULTIPLE}, {0}};
static const command_argument latency_reset_arguments[] = {
    {.name = "event", .type = ARGUMENT_STRING, .flags = ARGUMENT_OPTIONAL | ARGUMENT_MULTIPLE}, {0}};
static const command_argument latency_history_arguments[] = {{.name = "event", .type = ARGUMENT_STRING}, {0}};

#define LATENCY_ADMIN_FLAGS (COMMAND_ADMIN | COMMAND_NOSCRIPT | COMMAND_LOADING | COMMAND_STALE)
#define LATENCY_ADMIN_CATEGORIES (ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS)

static const command_spec latency_subcommands[] = {
    {.name = "doctor", .handler = latency_doctor_command, .arity = 2, .flags = LATENCY_ADMIN_FLAGS,
     .categories = LATENCY_ADMIN_CATEGORIES, .group = "server", .since = "2.8.13",
     .summary = "Describe the latency spikes observed", .complexity = "O(1)",
     .tips = "nondeterministic_output request_policy:all_nodes response_policy:special"},
    {.name = "histogram", .handler = latency_histogram_command, .arity = -2, .flags = LATENCY_ADMIN_FLAGS,
     .categories = LATENCY_ADMIN_CATEGORIES, .group = "server", .since = "7.0.0",
     .summary = "Cumulative distribution of command run times",
     .complexity = "O(N) where N is the number of commands with latency information being retrieved.",
     .tips = "nondeterministic_output request_policy:all_nodes response_policy:special",
     .arguments = latency_histogram_arguments},
    {.name = "history", .handler = latency_history_command, .arity = 3, .flags = LATENCY_ADMIN_FLAGS,
     .categories = LATENCY_ADMIN_CATEGORIES, .group = "server", .since = "2.8.13",
     .summary = "The samples recorded for one latency event", .complexity = "O(1)",
     .tips = "nondeterministic_output request_policy:all_nodes response_policy:special",
     .arguments = latency_history_arguments},
    {.name = "latest", .handler = latency_latest_command, .arity = 2, .flags = LATENCY_ADMIN_FLAGS,
     .categories = LATENCY_ADMIN_CATEGORIES, .group = "server", .since = "2.8.13",
     .summary = "The last and worst spike of every latency event", .complexity = "O(1)",
     .tips = "nondeterministic_output request_policy:all_nodes response_policy:special"},
    {.name = "reset", .handler = latency_reset_command, .arity = -2, .flags = LATENCY_ADMIN_FLAGS,
     .categories = LATENCY_ADMIN_CATEGORIES, .group = "server", .since = "2.8.13",
     .summary = "Forget latency events", .complexity = "O(1)",
     .tips = "request_policy:all_nodes response_policy:all_succeeded",
     .arguments = latency_reset_arguments},
    {.name = "help", .handler = latency_help_command, .arity = 2, .flags = COMMAND_LOADING | COMMAND_STALE,
     .categories = ACL_SLOW, .group = "server", .since = "2.8.13",
     .summary = "Describe the LATENCY subcommands", .complexity = "O(1)"},
    {0}};

const command_spec latency_commands[] = {
    {.name = "latency", .arity = -2, .categories = ACL_SLOW, .group = "server", .since = "2.8.13",
     .summary = "Inspect the latency monitor", .complexity = "Depends on subcommand.",
     .subcommands = latency_subcommands},
    {0}};
