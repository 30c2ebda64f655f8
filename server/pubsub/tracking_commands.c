/* tracking_commands: CLIENT TRACKING, CACHING, GETREDIR, TRACKINGINFO.
 *
 * They join admin's CLIENT container (command_spec.extends_container), so
 * CLIENT keeps one table while the tracking state stays in this folder.
 * Option checks and error texts follow Redis 7.0 in its order, including
 * one quirk clients can see: when two of the given prefixes overlap and the
 * first of them is not the first prefix given (PREFIX a PREFIX b PREFIX bc),
 * Redis 7.0.15 replies with the error and then enables tracking with every
 * prefix and replies +OK as well (two replies to one command); an overlap
 * involving the first prefix, or one with an existing prefix, is refused
 * with the error only.  zkv gives the same replies, so a client that counts
 * replies stays in step with either server.
 */
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "command.h"
#include "pubsub_module.h"
#include "reply.h"
#include "tracking_state.h"
#include "zmalloc.h"

typedef struct tracking_request {
    long long redirect;
    unsigned options;
    int bcast;
    const resp_argument **prefixes;
    int prefix_count;
} tracking_request;

/* Two prefixes overlap when one starts the other. */
static int overlaps(const char *a, size_t a_length, const char *b, size_t b_length) {
    size_t shorter = a_length < b_length ? a_length : b_length;
    return memcmp(a, b, shorter) == 0;
}

static int parse_options(client *c, tracking_request *request) {
    for (int j = 3; j < c->argc; j++) {
        int more = c->argc - 1 - j;
        const resp_argument *word = &c->argv[j];
        if (args_is(word, "redirect") && more) {
            j++;
            if (request->redirect != 0) {
                reply_error(c, "ERR A client can only redirect to a single other client");
                return 0;
            }
            if (!args_integer_or_reply(c, &c->argv[j], &request->redirect)) return 0;
            if (!client_find_by_id((uint64_t)request->redirect)) {
                reply_error(c, "ERR The client ID you want redirect to does not exist");
                return 0;
            }
        } else if (args_is(word, "bcast")) {
            request->bcast = 1;
        } else if (args_is(word, "optin")) {
            request->options |= TRACKING_OPTIN;
        } else if (args_is(word, "optout")) {
            request->options |= TRACKING_OPTOUT;
        } else if (args_is(word, "noloop")) {
            request->options |= TRACKING_NOLOOP;
        } else if (args_is(word, "prefix") && more) {
            j++;
            request->prefixes[request->prefix_count++] = &c->argv[j];
        } else {
            reply_syntax_error(c);
            return 0;
        }
    }
    return 1;
}

/* What prefixes_collide found. */
typedef enum collision { COLLISION_NONE, COLLISION_REFUSE, COLLISION_REPORTED } collision;

/* Replies the error for the first overlap found.  COLLISION_REPORTED: two
 * given prefixes overlap and the earlier is not the first given, which Redis
 * 7.0.15 reports and then goes on to enable (see the file comment). */
static collision prefixes_collide(client *c, const tracking_request *request) {
    const tracking_state *state = c->tracking;
    for (int i = 0; i < request->prefix_count; i++) {
        const resp_argument *p = request->prefixes[i];
        for (size_t k = 0; state && k < state->prefix_count; k++) {
            size_t length;
            const char *existing = tracking_prefix_name(state->prefixes[k], &length);
            if (!overlaps(existing, length, p->data, p->length)) continue;
            reply_error_format(c,
                               "ERR Prefix '%.*s' overlaps with an existing prefix '%.*s'. Prefixes for a single "
                               "client must not overlap.",
                               (int)p->length, p->data, (int)length, existing);
            return COLLISION_REFUSE;
        }
        for (int j = i + 1; j < request->prefix_count; j++) {
            const resp_argument *other = request->prefixes[j];
            if (!overlaps(p->data, p->length, other->data, other->length)) continue;
            reply_error_format(c,
                               "ERR Prefix '%.*s' overlaps with another provided prefix '%.*s'. Prefixes for a "
                               "single client must not overlap.",
                               (int)p->length, p->data, (int)other->length, other->data);
            return i == 0 ? COLLISION_REFUSE : COLLISION_REPORTED;
        }
    }
    return COLLISION_NONE;
}

/* The checks of TRACKING ON against the request and the current state. */
static int compatible(client *c, const tracking_request *request) {
    if (!request->bcast && request->prefix_count) {
        reply_error(c, "ERR PREFIX option requires BCAST mode to be enabled");
        return 0;
    }
    const tracking_state *state = c->tracking;
    if (state && request->bcast != !!(c->flags & CLIENT_TRACKING_BCAST)) {
        reply_error(c, "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and "
                       "then re-enabling it with a different mode.");
        return 0;
    }
    if (request->bcast && (request->options & (TRACKING_OPTIN | TRACKING_OPTOUT))) {
        reply_error(c, "ERR OPTIN and OPTOUT are not compatible with BCAST");
        return 0;
    }
    if ((request->options & TRACKING_OPTIN) && (request->options & TRACKING_OPTOUT)) {
        reply_error(c, "ERR You can't specify both OPTIN mode and OPTOUT mode");
        return 0;
    }
    if (state && (((request->options & TRACKING_OPTIN) && (state->options & TRACKING_OPTOUT)) ||
                  ((request->options & TRACKING_OPTOUT) && (state->options & TRACKING_OPTIN)))) {
        reply_error(c, "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and "
                       "then re-enabling it with a different mode.");
        return 0;
    }
    return !request->bcast || prefixes_collide(c, request) != COLLISION_REFUSE;
}

static void enable(client *c, const tracking_request *request) {
    tracking_state *state = tracking_enable(c);
    c->flags &= ~(CLIENT_TRACKING_BROKEN_REDIR | CLIENT_TRACKING_BCAST);
    state->options &= ~(TRACKING_OPTIN | TRACKING_OPTOUT | TRACKING_NOLOOP);
    state->options |= request->options;
    c->tracking_redirect = (uint64_t)request->redirect;
    if (!request->bcast) return;
    c->flags |= CLIENT_TRACKING_BCAST;
    if (request->prefix_count == 0) tracking_add_prefix(c, "", 0);
    for (int i = 0; i < request->prefix_count; i++)
        tracking_add_prefix(c, request->prefixes[i]->data, request->prefixes[i]->length);
}

static void client_tracking_command(client *c) {
    tracking_request request = {.prefixes = zmalloc_alloc((size_t)c->argc * sizeof(resp_argument *))};
    if (!parse_options(c, &request)) goto done;
    if (args_is(&c->argv[2], "on")) {
        if (!compatible(c, &request)) goto done;
        enable(c, &request);
    } else if (args_is(&c->argv[2], "off")) {
        tracking_disable(c);
    } else {
        reply_syntax_error(c);
        goto done;
    }
    reply_ok(c);
done:
    zmalloc_free(request.prefixes);
}

static void client_caching_command(client *c) {
    tracking_state *state = c->tracking;
    if (!state) {
        reply_error(c, "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or "
                       "OPTOUT mode enabled");
        return;
    }
    if (args_is(&c->argv[2], "yes")) {
        if (!(state->options & TRACKING_OPTIN)) {
            reply_error(c, "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
            return;
        }
    } else if (args_is(&c->argv[2], "no")) {
        if (!(state->options & TRACKING_OPTOUT)) {
            reply_error(c, "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
            return;
        }
    } else {
        reply_syntax_error(c);
        return;
    }
    state->options |= TRACKING_CACHING;
    reply_ok(c);
}

static void client_getredir_command(client *c) {
    reply_integer(c, c->tracking ? (long long)c->tracking_redirect : -1);
}

static int compare_prefixes(const void *left, const void *right) {
    size_t a_length, b_length;
    const char *a = tracking_prefix_name(*(void *const *)left, &a_length);
    const char *b = tracking_prefix_name(*(void *const *)right, &b_length);
    int order = memcmp(a, b, a_length < b_length ? a_length : b_length);
    if (order) return order;
    return a_length < b_length ? -1 : a_length > b_length;
}

static void client_trackinginfo_command(client *c) {
    const tracking_state *state = c->tracking;
    reply_map_header(c, 3);
    reply_bulk_cstring(c, "flags");
    const char *flags[8];
    int count = 0;
    flags[count++] = state ? "on" : "off";
    if (c->flags & CLIENT_TRACKING_BCAST) flags[count++] = "bcast";
    if (state && (state->options & TRACKING_OPTIN)) {
        flags[count++] = "optin";
        if (state->options & TRACKING_CACHING) flags[count++] = "caching-yes";
    }
    if (state && (state->options & TRACKING_OPTOUT)) {
        flags[count++] = "optout";
        if (state->options & TRACKING_CACHING) flags[count++] = "caching-no";
    }
    if (state && (state->options & TRACKING_NOLOOP)) flags[count++] = "noloop";
    if (c->flags & CLIENT_TRACKING_BROKEN_REDIR) flags[count++] = "broken_redirect";
    reply_set_header(c, count);
    for (int i = 0; i < count; i++) reply_bulk_cstring(c, flags[i]);
    reply_bulk_cstring(c, "redirect");
    reply_integer(c, state ? (long long)c->tracking_redirect : -1);
    reply_bulk_cstring(c, "prefixes");
    size_t prefix_count = state ? state->prefix_count : 0;
    reply_array_header(c, (long long)prefix_count);
    if (!prefix_count) return;
    void **sorted = zmalloc_alloc(prefix_count * sizeof(void *));
    memcpy(sorted, state->prefixes, prefix_count * sizeof(void *));
    qsort(sorted, prefix_count, sizeof(void *), compare_prefixes);
    for (size_t i = 0; i < prefix_count; i++) {
        size_t length;
        const char *name = tracking_prefix_name(sorted[i], &length);
        reply_bulk(c, name, length);
    }
    zmalloc_free(sorted);
}

static const command_argument on_off[] = {
    {.name = "on", .type = ARGUMENT_PURE_TOKEN, .token = "ON"},
    {.name = "off", .type = ARGUMENT_PURE_TOKEN, .token = "OFF"},
    {0}};
static const command_argument client_tracking_arguments[] = {
    {.name = "status", .type = ARGUMENT_ONEOF, .arguments = on_off},
    {.name = "client-id", .type = ARGUMENT_INTEGER, .token = "REDIRECT", .flags = ARGUMENT_OPTIONAL},
    {.name = "prefix", .type = ARGUMENT_STRING, .token = "PREFIX",
     .flags = ARGUMENT_OPTIONAL | ARGUMENT_MULTIPLE | ARGUMENT_MULTIPLE_TOKEN},
    {.name = "bcast", .type = ARGUMENT_PURE_TOKEN, .token = "BCAST", .flags = ARGUMENT_OPTIONAL},
    {.name = "optin", .type = ARGUMENT_PURE_TOKEN, .token = "OPTIN", .flags = ARGUMENT_OPTIONAL},
    {.name = "optout", .type = ARGUMENT_PURE_TOKEN, .token = "OPTOUT", .flags = ARGUMENT_OPTIONAL},
    {.name = "noloop", .type = ARGUMENT_PURE_TOKEN, .token = "NOLOOP", .flags = ARGUMENT_OPTIONAL},
    {0}};
static const command_argument yes_no[] = {
    {.name = "yes", .type = ARGUMENT_PURE_TOKEN, .token = "YES"},
    {.name = "no", .type = ARGUMENT_PURE_TOKEN, .token = "NO"},
    {0}};
static const command_argument client_caching_arguments[] = {
    {.name = "mode", .type = ARGUMENT_ONEOF, .arguments = yes_no}, {0}};

#define TRACKING_FLAGS (COMMAND_NOSCRIPT | COMMAND_LOADING | COMMAND_STALE)
#define TRACKING_CATEGORIES (ACL_SLOW | ACL_CONNECTION)

static const command_spec tracking_subcommands[] = {
    {.name = "caching", .handler = client_caching_command, .arity = 3, .flags = TRACKING_FLAGS,
     .categories = TRACKING_CATEGORIES, .group = "connection", .since = "6.0.0",
     .summary = "Instruct the server about tracking or not keys in the next request", .complexity = "O(1)",
     .arguments = client_caching_arguments},
    {.name = "getredir", .handler = client_getredir_command, .arity = 2, .flags = TRACKING_FLAGS,
     .categories = TRACKING_CATEGORIES, .group = "connection", .since = "6.0.0",
     .summary = "Get tracking notifications redirection client ID if any", .complexity = "O(1)"},
    {.name = "tracking", .handler = client_tracking_command, .arity = -3, .flags = TRACKING_FLAGS,
     .categories = TRACKING_CATEGORIES, .group = "connection", .since = "6.0.0",
     .summary = "Enable or disable server assisted client side caching support",
     .complexity = "O(1). Some options may introduce additional complexity.",
     .arguments = client_tracking_arguments},
    {.name = "trackinginfo", .handler = client_trackinginfo_command, .arity = 2, .flags = TRACKING_FLAGS,
     .categories = TRACKING_CATEGORIES, .group = "connection", .since = "6.2.0",
     .summary = "Return information about server assisted client side caching for the current connection",
     .complexity = "O(1)"},
    {0}};

const command_spec tracking_commands[] = {
    {.name = "client", .subcommands = tracking_subcommands, .extends_container = 1},
    {0}};
