/* script_module: Lua scripting (EVAL family, SCRIPT, FUNCTION, FCALL) as one module: its
 * commands, the busy-reply-threshold parameter (alias lua-time-limit), the
 * interpreters' creation at init and release at shutdown, and the memory
 * figures INFO reads through core/script_memory.h, the libraries RDB files
 * carry through core/function_libraries.h. */
#include <limits.h>

#include "function_engine.h"
#include "function_persistence.h"
#include "function_registry.h"
#include "module.h"
#include "script_dispatch.h"
#include "script_eval.h"
#include "script_memory.h"
#include "script_module.h"
#include "script_run.h"
#include "script_sha1.h"

/* The eviction rule of core/script_memory.h: growth beyond the set-up
 * interpreters, less the cached bodies Redis counts, plus flushed
 * interpreters still being closed. */
static size_t lua_not_counted_for_evict(void) {
    size_t eval_growth = script_eval_vm_growth(), bodies = script_eval_body_bytes();
    return (eval_growth > bodies ? eval_growth - bodies : 0) + script_eval_closing_bytes() +
           function_engine_vm_growth();
}

/* The function libraries' bookkeeping once the engine was set up (part of
 * used_memory_startup, like the interpreters' settled size). */
static size_t functions_at_startup;

/* What scripts added since start, for the overhead/dataset split: not
 * dataset, and in Redis not even in used_memory. */
static size_t since_startup(size_t functions) {
    return script_eval_vm_growth() + script_eval_closing_bytes() + function_engine_vm_growth() +
           (functions > functions_at_startup ? functions - functions_at_startup : 0);
}

static void read_memory(script_memory *out) {
    out->vm_eval = script_eval_vm_bytes();
    out->scripts_eval = script_eval_body_bytes();
    out->cached_scripts = script_eval_count();
    out->vm_functions = function_engine_vm_bytes();
    out->not_counted_for_evict = lua_not_counted_for_evict();
    function_registry *functions = function_registry_current();
    if (functions) out->functions = function_registry_bytes(functions);
    out->since_startup = since_startup(out->functions);
    if (!functions) return;
    out->function_count = function_registry_function_count(functions);
    out->library_count = function_registry_library_count(functions);
}

static int scripting_init(const char **error) {
    if (script_run_init() != 0 || script_eval_init() != 0 || function_engine_init() != 0) {
        *error = "Could not create the Lua interpreter.";
        return -1;
    }
    functions_at_startup = function_registry_bytes(function_registry_current());
    script_memory_set_reader(read_memory);
    function_persistence_install();
    dispatch_set_flags_hook(script_dispatch_flags);
    return 0;
}

static void scripting_shutdown(void) {
    function_engine_shutdown();
    script_eval_shutdown();
    script_run_shutdown();
    script_sha1_release();
}

static const config_parameter scripting_parameters[] = {
    {.name = "busy-reply-threshold", .alias = "lua-time-limit", .type = CONFIG_INTEGER,
     .value = &script_busy_reply_threshold_ms, .target = TARGET_LONG_LONG, .minimum = 0, .maximum = LLONG_MAX,
     .default_text = "5000"},
    {0}};

const zkv_module scripting_module = {
    .name = "scripting",
    .commands = (const command_spec *const[]){script_commands, function_commands, NULL},
    .parameters = scripting_parameters,
    .init = scripting_init,
    .shutdown = scripting_shutdown,
};
