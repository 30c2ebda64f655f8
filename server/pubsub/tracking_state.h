/* tracking_state: one tracking client's state, shared by tracking.c and
 * tracking_commands.c (client.h keeps only an opaque pointer to it). */
#ifndef ZKV_TRACKING_STATE_H
#define ZKV_TRACKING_STATE_H

#include <stdint.h>

#include "client.h"
#include "strbuf.h"

struct command;

enum tracking_option {
    TRACKING_OPTIN = 1 << 0,
    TRACKING_OPTOUT = 1 << 1,
    TRACKING_NOLOOP = 1 << 2,
    TRACKING_CACHING = 1 << 3 /* CLIENT CACHING yes/no given for the next command */
};

/* Exists while the client tracks (CLIENT_TRACKING set); indexed by id. */
typedef struct tracking_state {
    uint64_t id;
    client *c;
    unsigned options;  /* enum tracking_option */
    void **prefixes;   /* BCAST prefix records this client listens to */
    size_t prefix_count;
    strbuf pending;    /* invalidations waiting for the running command to reply */
} tracking_state;

/* Creates the state (tracking on, no options) or returns the existing one. */
tracking_state *tracking_enable(client *c);
/* Turns tracking off: leaves its prefixes, frees the state. */
void tracking_disable(client *c);
/* Adds a BCAST prefix to a tracking client; 0 if it already had it. */
int tracking_add_prefix(client *c, const char *prefix, size_t length);
/* The text of a prefix record of state->prefixes. */
const char *tracking_prefix_name(const void *record, size_t *length);
tracking_state *tracking_state_of_id(uint64_t id);
void tracking_remember_command_keys(client *c, const struct command *cmd);

#endif
