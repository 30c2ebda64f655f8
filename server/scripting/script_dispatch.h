/* script_dispatch: what scripting tells dispatch about EVAL and FCALL
 * before they run.
 *
 * A script that declares flags (a shebang, or register_function's flags)
 * replaces its command's write/deny-oom/stale flags with its own, as Redis
 * 7.0's evalGetCommandFlags and fcallGetCommandFlags do: a writing script
 * without allow-oom is refused by dispatch's out-of-memory check with the
 * ordinary -OOM text, before any of it runs, while no-writes or allow-oom
 * scripts go on.  Scripts without a shebang keep EVAL's flags (they check
 * memory per command inside).  Dispatch only asks while memory is over the
 * limit, so the lookup costs nothing on the usual path.
 */
#ifndef ZKV_SCRIPT_DISPATCH_H
#define ZKV_SCRIPT_DISPATCH_H

#include <stdint.h>

#include "command.h"

/* dispatch's flags hook (dispatch_set_flags_hook). */
uint32_t script_dispatch_flags(const client *c, const command *cmd);

#endif
