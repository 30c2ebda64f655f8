/* function_registry: libraries and functions (see function_registry.h). */
#include "function_registry.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "table.h"
#include "zkv_assert.h"
#include "zmalloc.h"

struct function_registry {
    table *libraries; /* name -> function_library */
    table *functions; /* lower-case name -> function_info */
    function_library *first, *last;
    long long function_count;
    size_t bytes;
};

static void (*release_handle)(int handle);
static function_registry *current;

static void library_key(const void *entry, const char **key, size_t *length) {
    const function_library *library = entry;
    *key = library->name;
    *length = strlen(library->name);
}

static void function_key(const void *entry, const char **key, size_t *length) {
    const function_info *function = entry;
    *key = function->key;
    *length = strlen(function->key);
}

static const table_type library_table = {.entry_key = library_key};
static const table_type function_table = {.entry_key = function_key};

void function_registry_init(void (*release)(int handle)) { release_handle = release; }

function_registry *function_registry_create(void) {
    function_registry *registry = zmalloc_calloc(sizeof(*registry));
    registry->libraries = table_create(&library_table);
    registry->functions = table_create(&function_table);
    return registry;
}

void function_registry_free(function_registry *registry) {
    if (!registry) return;
    while (registry->first) {
        function_library *library = registry->first;
        function_registry_unlink(registry, library);
        function_library_free(library);
    }
    table_release(registry->libraries);
    table_release(registry->functions);
    zmalloc_free(registry);
}

function_registry *function_registry_current(void) { return current; }

function_registry *function_registry_swap(function_registry *replacement) {
    function_registry *previous = current;
    current = replacement;
    return previous;
}

/* The lower-case key of a lookup goes to a stack buffer; longer names
 * (rare) take a heap copy. */
#define KEY_ROOM 256

function_library *function_registry_library(function_registry *registry, const char *name, size_t length) {
    return table_find(registry->libraries, name, length, table_hash_key(name, length));
}

function_info *function_registry_function(function_registry *registry, const char *name, size_t length) {
    char key[KEY_ROOM];
    if (length >= KEY_ROOM) {
        char *lower = zmalloc_alloc(length);
        for (size_t i = 0; i < length; i++) lower[i] = (char)tolower((unsigned char)name[i]);
        function_info *found = table_find(registry->functions, lower, length, table_hash_key(lower, length));
        zmalloc_free(lower);
        return found;
    }
    for (size_t i = 0; i < length; i++) key[i] = (char)tolower((unsigned char)name[i]);
    return table_find(registry->functions, key, length, table_hash_key(key, length));
}

function_library *function_registry_first(const function_registry *registry) { return registry->first; }
long long function_registry_library_count(const function_registry *registry) {
    return (long long)table_size(registry->libraries);
}
long long function_registry_function_count(const function_registry *registry) { return registry->function_count; }
size_t function_registry_bytes(const function_registry *registry) {
    return registry->bytes + table_memory(registry->libraries) + table_memory(registry->functions);
}

static char *copy(const char *text, size_t length) {
    char *out = zmalloc_alloc(length + 1);
    memcpy(out, text, length);
    out[length] = '\0';
    return out;
}

function_library *function_library_create(const char *name, size_t name_length, const char *code, size_t length) {
    function_library *library = zmalloc_calloc(sizeof(*library));
    library->name = copy(name, name_length);
    library->code = copy(code, length);
    library->code_length = length;
    return library;
}

/* Letters, digits and underscores, at least one (Redis's rule for library
 * and function names). */
static int valid_name(const char *name, size_t length) {
    if (length == 0) return 0;
    for (size_t i = 0; i < length; i++)
        if (!isalnum((unsigned char)name[i]) && name[i] != '_') return 0;
    return 1;
}

int function_library_add(function_library *library, const char *name, size_t name_length, const char *description,
                         size_t description_length, unsigned flags, int handle, const char **error) {
    zkv_assert(library->previous == NULL && library->next == NULL);
    /* Redis 7.0.15 words this refusal as it words the library name rule. */
    if (!valid_name(name, name_length)) {
        *error = "Library names can only contain letters, numbers, or underscores(_) and must be at least one "
                 "character long";
        release_handle(handle);
        return -1;
    }
    for (int i = 0; i < library->function_count; i++) {
        if (strlen(library->functions[i]->key) == name_length &&
            !strncasecmp(library->functions[i]->key, name, name_length)) {
            *error = "Function already exists in the library";
            release_handle(handle);
            return -1;
        }
    }
    function_info *function = zmalloc_calloc(sizeof(*function));
    function->name = copy(name, name_length);
    function->key = copy(name, name_length);
    for (size_t i = 0; i < name_length; i++) function->key[i] = (char)tolower((unsigned char)name[i]);
    function->description = description ? copy(description, description_length) : NULL;
    function->flags = flags;
    function->handle = handle;
    function->library = library;
    library->functions =
        zmalloc_realloc(library->functions, sizeof(*library->functions) * (size_t)(library->function_count + 1));
    library->functions[library->function_count++] = function;
    return 0;
}

void function_library_free(function_library *library) {
    if (!library) return;
    for (int i = 0; i < library->function_count; i++) {
        function_info *function = library->functions[i];
        release_handle(function->handle);
        zmalloc_free(function->name);
        zmalloc_free(function->key);
        zmalloc_free(function->description);
        zmalloc_free(function);
    }
    zmalloc_free(library->functions);
    zmalloc_free(library->name);
    zmalloc_free(library->code);
    zmalloc_free(library);
}

/* Bytes a library adds to used_memory_functions. */
static size_t library_bytes(const function_library *library) {
    size_t bytes = zmalloc_usable_size(library) + zmalloc_usable_size(library->name) + zmalloc_usable_size(library->code);
    if (library->functions) bytes += zmalloc_usable_size(library->functions);
    for (int i = 0; i < library->function_count; i++) {
        const function_info *function = library->functions[i];
        bytes += zmalloc_usable_size(function) + zmalloc_usable_size(function->name) + zmalloc_usable_size(function->key);
        if (function->description) bytes += zmalloc_usable_size(function->description);
    }
    return bytes;
}

void function_registry_link(function_registry *registry, function_library *library) {
    size_t name_length = strlen(library->name);
    zkv_assert(!function_registry_library(registry, library->name, name_length));
    zkv_assert(!function_registry_collision(registry, library));
    table_insert(registry->libraries, library, table_hash_key(library->name, name_length), false);
    for (int i = 0; i < library->function_count; i++) {
        function_info *function = library->functions[i];
        table_insert(registry->functions, function, table_hash_key(function->key, strlen(function->key)), false);
    }
    library->previous = registry->last;
    library->next = NULL;
    if (registry->last) registry->last->next = library;
    else registry->first = library;
    registry->last = library;
    registry->function_count += library->function_count;
    registry->bytes += library_bytes(library);
}

void function_registry_unlink(function_registry *registry, function_library *library) {
    size_t name_length = strlen(library->name);
    void *removed = table_delete(registry->libraries, library->name, name_length, table_hash_key(library->name, name_length));
    zkv_assert(removed == library);
    for (int i = 0; i < library->function_count; i++) {
        function_info *function = library->functions[i];
        size_t length = strlen(function->key);
        removed = table_delete(registry->functions, function->key, length, table_hash_key(function->key, length));
        zkv_assert(removed == function);
    }
    if (library->previous) library->previous->next = library->next;
    else registry->first = library->next;
    if (library->next) library->next->previous = library->previous;
    else registry->last = library->previous;
    library->previous = library->next = NULL;
    registry->function_count -= library->function_count;
    registry->bytes -= library_bytes(library);
}

function_info *function_registry_collision(function_registry *registry, const function_library *library) {
    for (int i = 0; i < library->function_count; i++) {
        function_info *function = library->functions[i];
        size_t length = strlen(function->key);
        if (table_find(registry->functions, function->key, length, table_hash_key(function->key, length)))
            return function;
    }
    return NULL;
}

static char *format_error(const char *format, const char *name) {
    size_t length = strlen(format) + strlen(name);
    char *text = zmalloc_alloc(length);
    snprintf(text, length, format, name);
    return text;
}

int function_registry_join(function_registry *target, function_registry *source, int replace, char **error) {
    /* Libraries replaced wait in `displaced` (linked through their list
     * pointers) until the join succeeds; on failure they return. */
    function_library *displaced = NULL;
    int failed = 0;
    for (function_library *library = source->first; library && !failed; library = library->next) {
        function_library *old = function_registry_library(target, library->name, strlen(library->name));
        if (!old) continue;
        if (!replace) {
            *error = format_error("Library %s already exists", library->name);
            failed = 1;
            break;
        }
        function_registry_unlink(target, old);
        old->next = displaced;
        displaced = old;
    }
    for (function_library *library = source->first; library && !failed; library = library->next) {
        function_info *clash = function_registry_collision(target, library);
        if (clash) {
            *error = format_error("Function %s already exists", clash->name);
            failed = 1;
        }
    }
    while (displaced) {
        function_library *old = displaced;
        displaced = old->next;
        old->next = NULL;
        if (failed) function_registry_link(target, old);
        else function_library_free(old);
    }
    if (failed) return -1;
    while (source->first) {
        function_library *library = source->first;
        function_registry_unlink(source, library);
        function_registry_link(target, library);
    }
    return 0;
}
