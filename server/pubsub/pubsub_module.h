/* pubsub_module.h: what the files of server/pubsub tell each other (not a
 * public interface: other folders use pubsub.h and tracking.h). */
#ifndef ZKV_PUBSUB_MODULE_H
#define ZKV_PUBSUB_MODULE_H

#include "command.h"
#include "config_table.h"

/* pubsub_commands.c */
extern const command_spec pubsub_commands[];
/* Refuses commands a RESP2 subscribed client may not run (dispatch hook). */
const char *pubsub_context_check(client *c, command *cmd);

/* keyspace_events.c */
/* notify-keyspace-events: parses the letters into notify_event_mask, and
 * prints them back in Redis's order. */
int keyspace_events_parse(const config_parameter *parameter, const char *text, const char **error);
void keyspace_events_format(const config_parameter *parameter, strbuf *out);
void keyspace_events_init(void);

/* tracking_commands.c */
extern const command_spec tracking_commands[];

#endif
