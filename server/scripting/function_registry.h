/* function_registry: the libraries FUNCTION LOAD created and the functions
 * they registered, as Redis 7.0 keeps them (its "library context").
 *
 * A registry holds libraries by name (case-sensitive, as Redis) and every
 * library's functions by name in one table (case-insensitive: FCALL foo
 * finds Foo, and two libraries cannot both register foo).  Both lookups are
 * one hash probe in lib/table.  Libraries also form a list in load order, so
 * FUNCTION LIST and DUMP walk them without a table iterator.
 *
 * The registry knows nothing of Lua: a function carries the engine's handle
 * (a reference in the functions interpreter), released through the hook
 * function_registry_init installs when its library is freed.  RESTORE
 * builds a second registry and joins it into the current one, so a payload
 * that fails half-way changes nothing.
 */
#ifndef ZKV_FUNCTION_REGISTRY_H
#define ZKV_FUNCTION_REGISTRY_H

#include <stddef.h>

struct function_library;

typedef struct function_info {
    char *name;        /* as registered */
    char *key;         /* lower case: the lookup key */
    char *description; /* NULL when none was given */
    unsigned flags;    /* SCRIPT_FLAG_* */
    int handle;        /* the engine's reference to the callback */
    struct function_library *library;
} function_info;

typedef struct function_library {
    char *name;
    char *code; /* the whole payload, shebang included (LIST WITHCODE, DUMP) */
    size_t code_length;
    function_info **functions; /* in registration order */
    int function_count;
    struct function_library *previous, *next; /* the registry's load order */
} function_library;

typedef struct function_registry function_registry;

/* `release` frees an engine handle (called for each function of a library
 * being freed). */
void function_registry_init(void (*release)(int handle));

function_registry *function_registry_create(void);
/* Frees the registry and every library in it. */
void function_registry_free(function_registry *registry);

/* The registry FCALL and FUNCTION use; swapping returns the previous one,
 * which the caller then owns. */
function_registry *function_registry_current(void);
function_registry *function_registry_swap(function_registry *replacement);

function_library *function_registry_library(function_registry *registry, const char *name, size_t length);
/* Case-insensitive. */
function_info *function_registry_function(function_registry *registry, const char *name, size_t length);
function_library *function_registry_first(const function_registry *registry);
long long function_registry_library_count(const function_registry *registry);
long long function_registry_function_count(const function_registry *registry);
/* Bookkeeping bytes (names, code, descriptions, tables): used_memory_functions. */
size_t function_registry_bytes(const function_registry *registry);

/* A library not yet in any registry; name and code are copied. */
function_library *function_library_create(const char *name, size_t name_length, const char *code, size_t length);
/* Adds a function to an unlinked library; the library owns `handle` from
 * now on, also on failure (it is released then).  0, or -1 with Redis's
 * message in *error (static). */
int function_library_add(function_library *library, const char *name, size_t name_length, const char *description,
                         size_t description_length, unsigned flags, int handle, const char **error);
/* Frees an unlinked library and releases its handles. */
void function_library_free(function_library *library);

/* Links an unlinked library whose name and functions are absent from the
 * registry (the caller checked: asserted). */
void function_registry_link(function_registry *registry, function_library *library);
/* Unlinks a library; the caller owns it again. */
void function_registry_unlink(function_registry *registry, function_library *library);
/* The first function of `library` whose name is in the registry, or NULL. */
function_info *function_registry_collision(function_registry *registry, const function_library *library);

/* Moves every library of `source` into `target` (RESTORE APPEND/REPLACE).
 * With `replace`, libraries of the same name are dropped from `target`.
 * 0 (source is left empty), or -1 with Redis's message in *error (a new
 * zmalloc'd string the caller frees) and both registries as they were. */
int function_registry_join(function_registry *target, function_registry *source, int replace, char **error);

#endif
