/* acl_log: the ACL LOG of refused commands, keys, channels and logins.
 *
 * A list, newest first, at most acllog-max-len long.  As in Redis, a refusal
 * identical to an entry less than 60 seconds old (same reason, context,
 * object and user) bumps that entry's count and moves it to the front
 * instead of adding one, so a client retrying in a loop costs one entry.
 * The lookup walks the list; it only runs on refusals, and the list is
 * bounded by acllog-max-len.
 *
 * The object of a failed AUTH is the word "AUTH", never the password, and
 * client-info is the CLIENT LIST line, which holds no argument either.
 */
#include "acl.h"

#include <string.h>

#include "client_info.h"
#include "reply.h"
#include "zmalloc.h"

#define ACL_LOG_GROUPING_MS 60000

typedef struct acl_log_entry {
    long long count;
    int reason;
    int context;
    char *object;
    size_t object_length;
    char *user;
    size_t user_length;
    int64_t created_ms; /* updated when a repeat is folded in */
    char *client_info;
    struct acl_log_entry *next;
} acl_log_entry;

long long acl_log_max_length = 128;

static acl_log_entry *entries; /* newest first */
static long long entry_count;

static char *copy_bytes(const char *data, size_t length) {
    char *copy = zmalloc_alloc(length + 1);
    memcpy(copy, data, length);
    copy[length] = '\0';
    return copy;
}

static void entry_free(acl_log_entry *entry) {
    zmalloc_free(entry->object);
    zmalloc_free(entry->user);
    zmalloc_free(entry->client_info);
    zmalloc_free(entry);
}

static char *describe_client(const client *c) {
    strbuf info = STRBUF_INIT;
    client_info_append(&info, c);
    if (info.length && info.data[info.length - 1] == '\n') info.data[--info.length] = '\0';
    return strbuf_detach(&info, NULL);
}

void acl_log_trim(void) {
    acl_log_entry **link = &entries;
    long long kept = 0;
    while (*link && kept < acl_log_max_length) {
        link = &(*link)->next;
        kept++;
    }
    while (*link) {
        acl_log_entry *gone = *link;
        *link = gone->next;
        entry_free(gone);
        entry_count--;
    }
}

void acl_log_add(client *c, int reason, int context, const char *object, size_t object_length, const char *user,
                 size_t user_length) {
    int64_t now = server_unix_time_ms();
    for (acl_log_entry **link = &entries; *link; link = &(*link)->next) {
        acl_log_entry *entry = *link;
        if (entry->reason != reason || entry->context != context || entry->object_length != object_length ||
            entry->user_length != user_length || memcmp(entry->object, object, object_length) != 0 ||
            memcmp(entry->user, user, user_length) != 0 || now - entry->created_ms >= ACL_LOG_GROUPING_MS)
            continue;
        entry->count++;
        entry->created_ms = now;
        zmalloc_free(entry->client_info);
        entry->client_info = describe_client(c);
        *link = entry->next;
        entry->next = entries;
        entries = entry;
        return;
    }
    acl_log_entry *entry = zmalloc_calloc(sizeof(acl_log_entry));
    entry->count = 1;
    entry->reason = reason;
    entry->context = context;
    entry->object = copy_bytes(object, object_length);
    entry->object_length = object_length;
    entry->user = copy_bytes(user, user_length);
    entry->user_length = user_length;
    entry->created_ms = now;
    entry->client_info = describe_client(c);
    entry->next = entries;
    entries = entry;
    entry_count++;
    acl_log_trim();
}

static const char *reason_name(int reason) {
    switch (reason) {
    case ACL_DENIED_COMMAND: return "command";
    case ACL_DENIED_KEY: return "key";
    case ACL_DENIED_AUTH: return "auth";
    default: return "channel";
    }
}

static const char *context_name(int context) {
    switch (context) {
    case ACL_CONTEXT_TOPLEVEL: return "toplevel";
    case ACL_CONTEXT_MULTI: return "multi";
    case ACL_CONTEXT_LUA: return "lua";
    default: return "module";
    }
}

void acl_log_reply(client *c, long long count) {
    if (count > entry_count) count = entry_count;
    reply_array_header(c, count);
    int64_t now = server_unix_time_ms();
    acl_log_entry *entry = entries;
    for (long long i = 0; i < count; i++, entry = entry->next) {
        reply_map_header(c, 7);
        reply_bulk_cstring(c, "count");
        reply_integer(c, entry->count);
        reply_bulk_cstring(c, "reason");
        reply_bulk_cstring(c, reason_name(entry->reason));
        reply_bulk_cstring(c, "context");
        reply_bulk_cstring(c, context_name(entry->context));
        reply_bulk_cstring(c, "object");
        reply_bulk(c, entry->object, entry->object_length);
        reply_bulk_cstring(c, "username");
        reply_bulk(c, entry->user, entry->user_length);
        reply_bulk_cstring(c, "age-seconds");
        reply_double(c, (double)(now - entry->created_ms) / 1000.0);
        reply_bulk_cstring(c, "client-info");
        reply_bulk_cstring(c, entry->client_info);
    }
}

void acl_log_reset(void) {
    while (entries) {
        acl_log_entry *gone = entries;
        entries = gone->next;
        entry_free(gone);
    }
    entry_count = 0;
}
