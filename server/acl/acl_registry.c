/* acl_registry: the set of users and which client is which user (see acl.h).
 *
 * Users live in an array sorted by name: lookups (AUTH, ACL GETUSER) are a
 * binary search, listing is a walk, and adding or deleting moves pointers
 * only, which is fine for the thousands of users a server may hold.  Clients
 * point at their acl_user directly, so the per-command check never looks a
 * user up; a user object therefore stays at its address for its whole life
 * (SETUSER changes it in place).
 */
#include "acl.h"

#include <string.h>

#include "args.h"
#include "permission.h"
#include "zkv_assert.h"
#include "zmalloc.h"

static acl_user **users;
static size_t user_count;
static acl_user *default_user;

static int compare_name(const acl_user *user, const char *name, size_t length) {
    size_t shorter = user->name_length < length ? user->name_length : length;
    int order = memcmp(user->name, name, shorter);
    if (order) return order;
    return user->name_length < length ? -1 : user->name_length > length;
}

/* Index of the user, or of where it would go (*found = 0). */
static size_t position_of(const char *name, size_t length, int *found) {
    size_t low = 0, high = user_count;
    while (low < high) {
        size_t middle = (low + high) / 2;
        int order = compare_name(users[middle], name, length);
        if (order == 0) {
            *found = 1;
            return middle;
        }
        if (order < 0) low = middle + 1;
        else high = middle;
    }
    *found = 0;
    return low;
}

acl_user *acl_find_user(const char *name, size_t length) {
    int found;
    size_t index = position_of(name, length, &found);
    return found ? users[index] : NULL;
}

acl_user *acl_default_user(void) { return default_user; }

acl_user *acl_client_user(const client *c) { return c->user ? c->user : default_user; }

int acl_valid_user_name(const char *name, size_t length) {
    for (size_t i = 0; i < length; i++)
        if (name[i] == ' ' || name[i] == '\0') return 0;
    return 1;
}

acl_user *acl_add_user(const char *name, size_t length) {
    int found;
    size_t index = position_of(name, length, &found);
    zkv_assert(!found);
    users = zmalloc_realloc(users, (user_count + 1) * sizeof(acl_user *));
    memmove(&users[index + 1], &users[index], (user_count - index) * sizeof(acl_user *));
    users[index] = acl_user_create(name, length);
    user_count++;
    return users[index];
}

acl_user *const *acl_users(size_t *count) {
    *count = user_count;
    return users;
}

/* The client goes back to default, unauthenticated, and is closed: its
 * reply to the running command (ACL DELUSER of itself) still goes out. */
static void close_client(client *c) {
    c->user = NULL;
    client_set_authenticated(c, 0);
    if (c == net.current_client) client_close_after_reply(c);
    else client_close_async(c);
}

void acl_close_clients_of(const acl_user *user) {
    for (client *c = net.clients; c; c = c->next)
        if (c->user == user) close_client(c);
}

/* Is every channel pattern of `before` among those of `after` (the same
 * text in any selector)?  Then no subscription can have lost its grant. */
static int channels_kept(const acl_user *after, const acl_user *before) {
    for (int i = 0; i < before->selector_count; i++) {
        const acl_selector *old = &before->selectors[i];
        if (old->flags & ACL_SELECTOR_ALL_CHANNELS) return 0;
        for (int j = 0; j < old->channel_count; j++) {
            int found = 0;
            for (int k = 0; k < after->selector_count && !found; k++)
                found = acl_selector_channel_listed(&after->selectors[k], old->channels[j].text,
                                                    old->channels[j].length, 1);
            if (!found) return 0;
        }
    }
    return 1;
}

/* Subscription visitor: nonzero when no selector of the user grants it. */
static int subscription_refused(const char *name, size_t length, int is_pattern, void *context) {
    const acl_user *user = context;
    for (int i = 0; i < user->selector_count; i++)
        if (acl_selector_channel_listed(&user->selectors[i], name, length, is_pattern)) return 0;
    return 1;
}

void acl_close_revoked_subscribers(const acl_user *user, const acl_user *before) {
    for (int i = 0; i < user->selector_count; i++)
        if (user->selectors[i].flags & ACL_SELECTOR_ALL_CHANNELS) return;
    if (channels_kept(user, before)) return;
    for (client *c = net.clients; c; c = c->next) {
        if (!(c->flags & CLIENT_PUBSUB) || acl_client_user(c) != user || (c->flags & CLIENT_CLOSE_ASAP)) continue;
        if (permission_walk_subscriptions(c, subscription_refused, (void *)user)) close_client(c);
    }
}

void acl_delete_user(acl_user *user) {
    zkv_assert(user != default_user);
    int found;
    size_t index = position_of(user->name, user->name_length, &found);
    zkv_assert(found && users[index] == user);
    acl_close_clients_of(user);
    memmove(&users[index], &users[index + 1], (user_count - index - 1) * sizeof(acl_user *));
    user_count--;
    /* Shrink with the set, so deleting users gives their slots back. */
    users = zmalloc_realloc(users, (user_count ? user_count : 1) * sizeof(acl_user *));
    acl_user_free(user);
}

void acl_replace_users(acl_user **replacement, size_t count) {
    acl_user *new_default = NULL;
    for (size_t i = 0; i < count; i++)
        if (replacement[i]->name_length == 7 && !memcmp(replacement[i]->name, "default", 7)) new_default = replacement[i];
    zkv_assert(new_default != NULL);
    /* Clients of default keep their (NULL) pointer; the others are closed. */
    for (client *c = net.clients; c; c = c->next)
        if (c->user) close_client(c);
    for (size_t i = 0; i < user_count; i++) acl_user_free(users[i]);
    zmalloc_free(users);
    users = replacement;
    user_count = count;
    default_user = new_default;
    acl_default_user_changed();
}

void acl_registry_free(void) {
    for (size_t i = 0; i < user_count; i++) acl_user_free(users[i]);
    zmalloc_free(users);
    users = NULL;
    user_count = 0;
    default_user = NULL;
}

void acl_default_user_changed(void) {
    /* Clients that never authenticated are limited again, or freed from the
     * limits, as the default user's password comes and goes. */
    int required = client_auth_required();
    for (client *c = net.clients; c; c = c->next)
        resp_parser_set_unauthenticated(c->parser, required && !(c->flags & CLIENT_AUTHENTICATED));
}

void acl_authenticate_client(client *c, acl_user *user) {
    c->user = user == default_user ? NULL : user;
    client_set_authenticated(c, 1);
}
