/* zmalloc_control: reading and writing the allocator's named controls
 * (jemalloc's mallctl), for DEBUG MALLCTL / MALLCTL-STR.
 *
 * jemalloc insists that the caller's buffer has exactly the size of the
 * control's type, and its integer controls are bool, unsigned, size_t or
 * uint64_t.  Rather than keep a table of types, an integer read tries the
 * widths 8, 4, 2 and 1 until jemalloc accepts one, then widens the value.
 * Writing uses the width the read found.  Backends without named controls
 * answer ENOTSUP, so the caller can say why.
 *
 * jemalloc checks only a value's size, not its type, and a pointer has the
 * size of a size_t: reading `arenas.bin.0.size` as a string would hand out
 * an integer as a char *, and writing an integer to `prof.dump` or
 * `arena.0.extent_hooks` would make jemalloc dereference it.  So strings are
 * read and written only for the controls whose type is a string, and
 * integers are never written to controls that take a pointer.  Both refusals
 * answer EINVAL, jemalloc's own answer to a value of the wrong size.
 */
#include "zmalloc.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "zmalloc_backend.h"

#if defined(ZMALLOC_BACKEND_JEMALLOC)
static long long zmalloc_widen(const void *buffer, size_t width) {
    switch (width) {
    case 8: return (long long)*(const uint64_t *)buffer;
    case 4: return (long long)*(const uint32_t *)buffer;
    case 2: return (long long)*(const uint16_t *)buffer;
    default: return (long long)*(const uint8_t *)buffer;
    }
}

static void zmalloc_narrow(long long value, void *buffer, size_t width) {
    switch (width) {
    case 8: *(uint64_t *)buffer = (uint64_t)value; break;
    case 4: *(uint32_t *)buffer = (uint32_t)value; break;
    case 2: *(uint16_t *)buffer = (uint16_t)value; break;
    default: *(uint8_t *)buffer = (uint8_t)value; break;
    }
}

static int has_prefix(const char *name, const char *prefix) { return strncmp(name, prefix, strlen(prefix)) == 0; }

/* jemalloc 5's controls whose value is a `const char *`. */
static int is_string_control(const char *name) {
    static const char *const names[] = {"version", "config.malloc_conf", "opt.metadata_thp", "opt.dss",
                                        "opt.percpu_arena", "opt.thp", "opt.junk", "opt.prof_prefix",
                                        "opt.stats_print_opts", "opt.zero_realloc", "thread.prof.name",
                                        "prof.dump", "prof.prefix", "prof.log_start", NULL};
    for (int i = 0; names[i]; i++)
        if (strcmp(name, names[i]) == 0) return 1;
    size_t length = strlen(name);
    return has_prefix(name, "arena.") && length > 4 && strcmp(name + length - 4, ".dss") == 0;
}

/* Controls that follow a pointer given as their new value (hooks, the block
 * to look up) even when none is given: never reached from here. */
static int follows_pointer(const char *name) {
    return has_prefix(name, "experimental.") || strcmp(name, "arenas.lookup") == 0;
}

/* Controls whose new value is a pointer or a string: an integer written
 * there would be dereferenced. */
static int takes_pointer(const char *name) {
    return is_string_control(name) || strstr(name, "extent_hooks") != NULL || strcmp(name, "arenas.create") == 0;
}

int zmalloc_control_integer(const char *name, const long long *new_value, long long *old_value) {
    static const size_t widths[] = {8, 4, 2, 1};
    int error = EINVAL;
    if (follows_pointer(name) || (new_value && takes_pointer(name))) return EINVAL;
    for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
        uint64_t old_buffer = 0, new_buffer = 0;
        size_t length = widths[i];
        if (new_value) zmalloc_narrow(*new_value, &new_buffer, widths[i]);
        error = mallctl(name, &old_buffer, &length, new_value ? &new_buffer : NULL,
                        new_value ? widths[i] : 0);
        if (error == EINVAL) continue; /* most likely the wrong width: try the next */
        if (error == 0) *old_value = zmalloc_widen(&old_buffer, widths[i]);
        return error;
    }
    return error;
}

int zmalloc_control_string(const char *name, const char *new_value, const char **old_value) {
    *old_value = NULL;
    if (follows_pointer(name)) return EINVAL;
    if (new_value && strcmp(new_value, "VOID") == 0) return mallctl(name, NULL, NULL, NULL, 0);
    if (!is_string_control(name)) return EINVAL;
    const char *old_buffer = NULL;
    size_t length = sizeof(old_buffer);
    int error = mallctl(name, &old_buffer, &length, new_value ? (void *)&new_value : NULL,
                        new_value ? sizeof(new_value) : 0);
    if (error == 0) *old_value = old_buffer;
    return error;
}

int zmalloc_set_background_thread(int enable) {
    bool value = enable != 0;
    return mallctl("background_thread", NULL, NULL, &value, sizeof(value));
}
#else
int zmalloc_set_background_thread(int enable) {
    (void)enable;
    return ENOTSUP;
}

int zmalloc_control_integer(const char *name, const long long *new_value, long long *old_value) {
    (void)name, (void)new_value, (void)old_value;
    return ENOTSUP;
}

int zmalloc_control_string(const char *name, const char *new_value, const char **old_value) {
    (void)name, (void)new_value;
    *old_value = NULL;
    return ENOTSUP;
}
#endif
