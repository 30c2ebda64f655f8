/* script_dispatch: a script's declared flags as its command's (see
 * script_dispatch.h). */
#include "script_dispatch.h"

#include <string.h>

#include "function_registry.h"
#include "script_eval.h"
#include "script_run.h"

enum script_command { NOT_SCRIPT, BY_BODY, BY_SHA, BY_FUNCTION };

static enum script_command classify(const command *cmd) {
    if (cmd->parent) return NOT_SCRIPT;
    const char *name = cmd->spec->name;
    if (!strcmp(name, "eval") || !strcmp(name, "eval_ro")) return BY_BODY;
    if (!strcmp(name, "evalsha") || !strcmp(name, "evalsha_ro")) return BY_SHA;
    if (!strcmp(name, "fcall") || !strcmp(name, "fcall_ro")) return BY_FUNCTION;
    return NOT_SCRIPT;
}

/* The script's flags; 0 when it cannot be found or declares none (then
 * the command keeps its own). */
static int declared_flags(const client *c, enum script_command kind, unsigned *flags) {
    const resp_argument *target = &c->argv[1];
    if (kind == BY_BODY) {
        size_t skip;
        char error[128];
        if (script_eval_shebang(target->data, target->length, flags, &skip, error, sizeof(error)) != 0) return 0;
    } else if (kind == BY_SHA) {
        if (script_eval_flags(target->data, target->length, flags) != 0) return 0;
    } else {
        const function_info *function =
            function_registry_function(function_registry_current(), target->data, target->length);
        if (!function) return 0;
        *flags = function->flags;
    }
    return !(*flags & SCRIPT_FLAG_EVAL_COMPAT);
}

uint32_t script_dispatch_flags(const client *c, const command *cmd) {
    uint32_t flags = cmd->spec->flags;
    enum script_command kind = classify(cmd);
    unsigned declared;
    if (kind == NOT_SCRIPT || c->argc < 2 || !declared_flags(c, kind, &declared)) return flags;
    flags &= ~(uint32_t)(COMMAND_STALE | COMMAND_DENYOOM | COMMAND_WRITE | COMMAND_MAY_REPLICATE);
    if (!(declared & (SCRIPT_FLAG_ALLOW_OOM | SCRIPT_FLAG_NO_WRITES))) flags |= COMMAND_DENYOOM;
    if (!(declared & SCRIPT_FLAG_NO_WRITES)) flags |= COMMAND_WRITE;
    if (declared & SCRIPT_FLAG_ALLOW_STALE) flags |= COMMAND_STALE;
    return flags;
}
