/* pubsub_commands: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH,
 * SSUBSCRIBE SUNSUBSCRIBE SPUBLISH and PUBSUB, with Redis 7.0's frames.
 *
 * Confirmations are pushes: they go to the client's real output even while
 * CLIENT REPLY OFF/SKIP hides replies (as Redis 7.0), as a RESP2 array or
 * a RESP3 push.  The count they carry is channels + patterns for the
 * classic commands and shard channels for the S-commands.
 *
 * Shard channels are "keys" for routing only: SSUBSCRIBE/SUNSUBSCRIBE/
 * SPUBLISH declare their channels at key positions (flag not_key), so in
 * cluster mode dispatch's cluster check answers -MOVED / -CROSSSLOT for them
 * exactly as for keys.
 */
#include <stdio.h>
#include <string.h>

#include "command.h"
#include "glob.h"
#include "pubsub.h"
#include "pubsub_module.h"
#include "reply.h"

/* ---- Confirmations ---- */

static long long classic_count(const client *c) { return c->pubsub_channels + c->pubsub_patterns; }

static long long count_for(const client *c, pubsub_space space) {
    return space == PUBSUB_SHARD_CHANNELS ? c->pubsub_shard_channels : classic_count(c);
}

static void push_confirmation(client *c, const char *kind, const char *name, size_t length, long long count) {
    resp_output *out = pubsub_output(c);
    resp_write_push_header(out, 3);
    resp_write_bulk_cstring(out, kind);
    if (name) resp_write_bulk(out, name, length);
    else resp_write_null(out);
    resp_write_integer(out, count);
}

/* ---- SUBSCRIBE family ---- */

static void subscribe_each(client *c, pubsub_space space, const char *kind) {
    for (int i = 1; i < c->argc; i++) {
        pubsub_subscribe(c, space, c->argv[i].data, c->argv[i].length);
        push_confirmation(c, kind, c->argv[i].data, c->argv[i].length, count_for(c, space));
    }
}

typedef struct unsubscribe_context {
    pubsub_space space;
    const char *kind;
} unsubscribe_context;

static void confirm_unsubscribed(client *c, const char *name, size_t length, void *context) {
    const unsubscribe_context *u = context;
    push_confirmation(c, u->kind, name, length, count_for(c, u->space));
}

static void unsubscribe_each(client *c, pubsub_space space, const char *kind) {
    if (c->argc > 1) {
        for (int i = 1; i < c->argc; i++) {
            pubsub_unsubscribe(c, space, c->argv[i].data, c->argv[i].length);
            push_confirmation(c, kind, c->argv[i].data, c->argv[i].length, count_for(c, space));
        }
        return;
    }
    int before = space == PUBSUB_CHANNELS ? c->pubsub_channels
                 : space == PUBSUB_PATTERNS ? c->pubsub_patterns
                                            : c->pubsub_shard_channels;
    unsubscribe_context context = {space, kind};
    pubsub_unsubscribe_all(c, space, confirm_unsubscribed, &context);
    if (before == 0) push_confirmation(c, kind, NULL, 0, count_for(c, space));
}

static void subscribe_command(client *c) { subscribe_each(c, PUBSUB_CHANNELS, "subscribe"); }
static void unsubscribe_command(client *c) { unsubscribe_each(c, PUBSUB_CHANNELS, "unsubscribe"); }
static void psubscribe_command(client *c) { subscribe_each(c, PUBSUB_PATTERNS, "psubscribe"); }
static void punsubscribe_command(client *c) { unsubscribe_each(c, PUBSUB_PATTERNS, "punsubscribe"); }
static void sunsubscribe_command(client *c) { unsubscribe_each(c, PUBSUB_SHARD_CHANNELS, "sunsubscribe"); }

/* Inside EXEC a shard subscription is refused, as Redis refuses it to a
 * client that may not block. */
static void ssubscribe_command(client *c) {
    if (dispatch_call_depth() > 1) {
        reply_error(c, "ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
        return;
    }
    subscribe_each(c, PUBSUB_SHARD_CHANNELS, "ssubscribe");
}

static void publish_command(client *c) {
    reply_integer(c, pubsub_publish(PUBSUB_CHANNELS, c->argv[1].data, c->argv[1].length, c->argv[2].data,
                                    c->argv[2].length));
}

static void spublish_command(client *c) {
    reply_integer(c, pubsub_publish(PUBSUB_SHARD_CHANNELS, c->argv[1].data, c->argv[1].length, c->argv[2].data,
                                    c->argv[2].length));
}

/* ---- PUBSUB ---- */

typedef struct channel_listing {
    client *c;
    const resp_argument *pattern; /* NULL: every name */
    long long count;
} channel_listing;

static void list_channel(client *unused, const char *name, size_t length, void *context) {
    (void)unused;
    channel_listing *listing = context;
    if (listing->pattern &&
        !glob_match(listing->pattern->data, listing->pattern->length, name, length, 0))
        return;
    reply_bulk(listing->c, name, length);
    listing->count++;
}

static void reply_channels(client *c, pubsub_space space) {
    if (c->argc > 3) {
        reply_subcommand_syntax_error(c);
        return;
    }
    channel_listing listing = {c, c->argc == 3 ? &c->argv[2] : NULL, 0};
    resp_deferred header = resp_write_deferred_header(c->reply);
    pubsub_each_name(space, list_channel, &listing);
    resp_set_deferred_array_length(c->reply, header, listing.count);
}

static void reply_numsub(client *c, pubsub_space space) {
    reply_array_header(c, (long long)(c->argc - 2) * 2);
    for (int i = 2; i < c->argc; i++) {
        reply_bulk(c, c->argv[i].data, c->argv[i].length);
        reply_integer(c, (long long)pubsub_subscriber_count(space, c->argv[i].data, c->argv[i].length));
    }
}

static void pubsub_channels_command(client *c) { reply_channels(c, PUBSUB_CHANNELS); }
static void pubsub_shardchannels_command(client *c) { reply_channels(c, PUBSUB_SHARD_CHANNELS); }
static void pubsub_numsub_command(client *c) { reply_numsub(c, PUBSUB_CHANNELS); }
static void pubsub_shardnumsub_command(client *c) { reply_numsub(c, PUBSUB_SHARD_CHANNELS); }
static void pubsub_numpat_command(client *c) { reply_integer(c, (long long)pubsub_count(PUBSUB_PATTERNS)); }

static void pubsub_help_command(client *c) {
    static const char *const lines[] = {
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        NULL};
    reply_help(c, "PUBSUB", lines);
}

/* ---- Table ---- */

static const command_argument channel_list[] = {
    {.name = "channel", .type = ARGUMENT_STRING, .flags = ARGUMENT_MULTIPLE}, {0}};
static const command_argument optional_channel_list[] = {
    {.name = "channel", .type = ARGUMENT_STRING, .flags = ARGUMENT_OPTIONAL | ARGUMENT_MULTIPLE}, {0}};
static const command_argument pattern_list[] = {
    {.name = "pattern", .type = ARGUMENT_PATTERN, .flags = ARGUMENT_MULTIPLE}, {0}};
static const command_argument optional_pattern_list[] = {
    {.name = "pattern", .type = ARGUMENT_PATTERN, .flags = ARGUMENT_OPTIONAL | ARGUMENT_MULTIPLE}, {0}};
static const command_argument publish_arguments[] = {
    {.name = "channel", .type = ARGUMENT_STRING}, {.name = "message", .type = ARGUMENT_STRING}, {0}};
static const command_argument shard_channel_list[] = {
    {.name = "shardchannel", .type = ARGUMENT_STRING, .flags = ARGUMENT_MULTIPLE}, {0}};
static const command_argument optional_shard_channel_list[] = {
    {.name = "shardchannel", .type = ARGUMENT_STRING, .flags = ARGUMENT_OPTIONAL | ARGUMENT_MULTIPLE}, {0}};
static const command_argument spublish_arguments[] = {
    {.name = "shardchannel", .type = ARGUMENT_STRING}, {.name = "message", .type = ARGUMENT_STRING}, {0}};
static const command_argument optional_pattern[] = {
    {.name = "pattern", .type = ARGUMENT_PATTERN, .flags = ARGUMENT_OPTIONAL}, {0}};

#define SUBSCRIBE_FLAGS (COMMAND_PUBSUB | COMMAND_NOSCRIPT | COMMAND_LOADING | COMMAND_STALE)
#define PUBLISH_FLAGS (COMMAND_PUBSUB | COMMAND_LOADING | COMMAND_STALE | COMMAND_FAST | COMMAND_MAY_REPLICATE)
#define INTROSPECTION_FLAGS (COMMAND_PUBSUB | COMMAND_LOADING | COMMAND_STALE)
#define PUBSUB_SLOW (ACL_PUBSUB | ACL_SLOW)

static const command_spec pubsub_subcommands[] = {
    {.name = "channels", .handler = pubsub_channels_command, .arity = -2, .flags = INTROSPECTION_FLAGS,
     .categories = PUBSUB_SLOW, .group = "pubsub", .summary = "List active channels", .since = "2.8.0",
     .complexity = "O(N) where N is the number of active channels, and assuming constant time pattern matching "
                   "(relatively short channels and patterns)",
     .arguments = optional_pattern},
    {.name = "help", .handler = pubsub_help_command, .arity = 2, .flags = COMMAND_LOADING | COMMAND_STALE,
     .categories = ACL_SLOW, .group = "pubsub", .summary = "Show helpful text about the different subcommands",
     .since = "6.2.0", .complexity = "O(1)"},
    {.name = "numpat", .handler = pubsub_numpat_command, .arity = 2, .flags = INTROSPECTION_FLAGS,
     .categories = PUBSUB_SLOW, .group = "pubsub", .summary = "Get the count of unique patterns pattern subscriptions",
     .since = "2.8.0", .complexity = "O(1)"},
    {.name = "numsub", .handler = pubsub_numsub_command, .arity = -2, .flags = INTROSPECTION_FLAGS,
     .categories = PUBSUB_SLOW, .group = "pubsub", .summary = "Get the count of subscribers for channels",
     .since = "2.8.0",
     .complexity = "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
     .arguments = optional_channel_list},
    {.name = "shardchannels", .handler = pubsub_shardchannels_command, .arity = -2, .flags = INTROSPECTION_FLAGS,
     .categories = PUBSUB_SLOW, .group = "pubsub", .summary = "List active shard channels", .since = "7.0.0",
     .complexity = "O(N) where N is the number of active shard channels, and assuming constant time pattern "
                   "matching (relatively short shard channels).",
     .arguments = optional_pattern},
    {.name = "shardnumsub", .handler = pubsub_shardnumsub_command, .arity = -2, .flags = INTROSPECTION_FLAGS,
     .categories = PUBSUB_SLOW, .group = "pubsub", .summary = "Get the count of subscribers for shard channels",
     .since = "7.0.0",
     .complexity = "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels",
     .arguments = optional_shard_channel_list},
    {0}};

const command_spec pubsub_commands[] = {
    {.name = "subscribe", .handler = subscribe_command, .arity = -2, .flags = SUBSCRIBE_FLAGS,
     .categories = PUBSUB_SLOW, .group = "pubsub", .summary = "Listen for messages published to the given channels",
     .since = "2.0.0", .complexity = "O(N) where N is the number of channels to subscribe to.",
     .arguments = channel_list, .channel_flags = CHANNEL_SUBSCRIBE},
    {.name = "unsubscribe", .handler = unsubscribe_command, .arity = -1, .flags = SUBSCRIBE_FLAGS,
     .categories = PUBSUB_SLOW, .group = "pubsub",
     .summary = "Stop listening for messages posted to the given channels", .since = "2.0.0",
     .complexity = "O(N) where N is the number of clients already subscribed to a channel.",
     .arguments = optional_channel_list, .channel_flags = CHANNEL_UNSUBSCRIBE},
    {.name = "psubscribe", .handler = psubscribe_command, .arity = -2, .flags = SUBSCRIBE_FLAGS,
     .categories = PUBSUB_SLOW, .group = "pubsub",
     .summary = "Listen for messages published to channels matching the given patterns", .since = "2.0.0",
     .complexity = "O(N) where N is the number of patterns the client is already subscribed to.",
     .arguments = pattern_list, .channel_flags = CHANNEL_PATTERN | CHANNEL_SUBSCRIBE},
    {.name = "punsubscribe", .handler = punsubscribe_command, .arity = -1, .flags = SUBSCRIBE_FLAGS,
     .categories = PUBSUB_SLOW, .group = "pubsub",
     .summary = "Stop listening for messages posted to channels matching the given patterns", .since = "2.0.0",
     .complexity = "O(N+M) where N is the number of patterns the client is already subscribed and M is the number "
                   "of total patterns subscribed in the system (by any client).",
     .arguments = optional_pattern_list, .channel_flags = CHANNEL_PATTERN | CHANNEL_UNSUBSCRIBE},
    {.name = "publish", .handler = publish_command, .arity = 3, .flags = PUBLISH_FLAGS,
     .categories = ACL_PUBSUB | ACL_FAST, .group = "pubsub", .summary = "Post a message to a channel",
     .since = "2.0.0",
     .complexity = "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total "
                   "number of subscribed patterns (by any client).",
     .arguments = publish_arguments, .channel_flags = CHANNEL_PUBLISH},
    {.name = "ssubscribe", .handler = ssubscribe_command, .arity = -2, .flags = SUBSCRIBE_FLAGS, .first_key = 1,
     .last_key = -1, .key_step = 1, .key_flags = KEY_NOT_KEY, .categories = PUBSUB_SLOW, .group = "pubsub",
     .summary = "Listen for messages published to the given shard channels", .since = "7.0.0",
     .complexity = "O(N) where N is the number of shard channels to subscribe to.",
     .arguments = shard_channel_list, .channel_flags = CHANNEL_SUBSCRIBE},
    {.name = "sunsubscribe", .handler = sunsubscribe_command, .arity = -1, .flags = SUBSCRIBE_FLAGS,
     .first_key = 1, .last_key = -1, .key_step = 1, .key_flags = KEY_NOT_KEY, .categories = PUBSUB_SLOW,
     .group = "pubsub", .summary = "Stop listening for messages posted to the given shard channels",
     .since = "7.0.0", .complexity = "O(N) where N is the number of clients already subscribed to a shard channel.",
     .arguments = optional_shard_channel_list, .channel_flags = CHANNEL_UNSUBSCRIBE},
    {.name = "spublish", .handler = spublish_command, .arity = 3, .flags = PUBLISH_FLAGS, .first_key = 1,
     .last_key = 1, .key_step = 1, .key_flags = KEY_NOT_KEY, .categories = ACL_PUBSUB | ACL_FAST,
     .group = "pubsub", .summary = "Post a message to a shard channel", .since = "7.0.0",
     .complexity = "O(N) where N is the number of clients subscribed to the receiving shard channel.",
     .arguments = spublish_arguments, .channel_flags = CHANNEL_PUBLISH},
    {.name = "pubsub", .arity = -2, .categories = ACL_SLOW, .group = "pubsub", .since = "2.8.0",
     .summary = "A container for Pub/Sub commands", .complexity = "Depends on subcommand.",
     .subcommands = pubsub_subcommands},
    {0}};

/* RESP2 subscribed mode: what dispatch may still run (Redis 7.0's list). */
static int allowed_while_subscribed(const command *cmd) {
    static const char *const allowed[] = {"ping",         "subscribe",  "ssubscribe", "unsubscribe",
                                          "sunsubscribe", "psubscribe", "punsubscribe", "quit",
                                          "reset",        NULL};
    if (cmd->parent) return 0;
    for (int i = 0; allowed[i]; i++) {
        if (!strcmp(cmd->spec->name, allowed[i])) return 1;
    }
    return 0;
}

const char *pubsub_context_check(client *c, command *cmd) {
    static char refusal[256];
    if (!(c->flags & CLIENT_PUBSUB) || c->resp_version != 2 || allowed_while_subscribed(cmd)) return NULL;
    snprintf(refusal, sizeof(refusal),
             "ERR Can't execute '%.64s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are "
             "allowed in this context",
             cmd->full_name);
    return refusal;
}
