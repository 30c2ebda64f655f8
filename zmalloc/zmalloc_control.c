/* zmalloc_control: reading and writing the allocator's named controls
 * (jemalloc's mallctl), for DEBUG MALLCTL / MALLCTL-STR.
 *
 * jemalloc insists that the caller's buffer has exactly the size of the
 * control's type, and its integer controls are bool, unsigned, size_t or
 * uint64_t.  Rather than keep a table of types, an integer read tries the
 * widths 8, 4, 2 and 1 until jemalloc accepts one, then widens the value.
 * Writing uses the width the read found.  Backends without named controls
 * answer ENOTSUP, so the caller can say why.
 */
#include "zmalloc.h"

#include <errno.h>
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

int zmalloc_control_integer(const char *name, const long long *new_value, long long *old_value) {
    static const size_t widths[] = {8, 4, 2, 1};
    int error = EINVAL;
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
    if (new_value && strcmp(new_value, "VOID") == 0) return mallctl(name, NULL, NULL, NULL, 0);
    const char *old_buffer = NULL;
    size_t length = sizeof(old_buffer);
    int error = mallctl(name, &old_buffer, &length, new_value ? (void *)&new_value : NULL,
                        new_value ? sizeof(new_value) : 0);
    if (error == 0) *old_value = old_buffer;
    return error;
}
#else
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
