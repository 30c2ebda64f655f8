/* command_info: the COMMAND INFO and COMMAND DOCS descriptions of one
 * command, produced from its command_spec.
 *
 * COMMAND INFO (10 fields): name, arity, flags, first key, last key, key
 * step, ACL categories, tips, key specs, subcommands.  zkv derives one key
 * spec from first/last/step (an "index" begin-search and a "range" find-keys,
 * as Redis 7.0 shows for such commands) and its flags from key_flags.  Tips
 * are not described by zkv's specs and reply as an empty set.
 *
 * COMMAND DOCS: a map of summary, since, group, complexity, the arguments
 * when the spec describes them (redis-cli's hints come from them) and, for
 * containers, subcommands.  zkv keeps no per-command "history".
 */
#ifndef ZKV_COMMAND_INFO_H
#define ZKV_COMMAND_INFO_H

#include "command.h"

void command_info_reply(client *c, const command *cmd);
/* The name then the docs map (one map entry of COMMAND DOCS). */
void command_info_reply_docs(client *c, const command *cmd);
/* key_flags, or the default derived from the command flags. */
uint32_t command_info_key_flags(const command *cmd);
/* Replies the key flags as a set of simple strings ("RO", "access"). */
void command_info_reply_key_flags(client *c, uint32_t key_flags);
/* Looks a command up by "name" or "container|sub"; NULL if unknown. */
command *command_info_lookup(const char *name, size_t length);

#endif
