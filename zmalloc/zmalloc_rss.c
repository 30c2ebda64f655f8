/* zmalloc_rss: how much physical memory the process and the machine have.
 *
 * Linux: field 24 of /proc/self/stat is the resident page count.  The second
 * field is the command name in parentheses, and the name may itself hold
 * spaces and ')' (a program can call itself "a b) c"), so fields are counted
 * from the LAST ')' on the line, which is always the one closing the name.
 * The file is read with open/read into a stack buffer: no allocation, so this
 * can run while memory is short.
 *
 * macOS: task_info(MACH_TASK_BASIC_INFO).resident_size.
 * Elsewhere there is no portable query and used_memory stands in for RSS, so
 * ratios such as rss/used stay meaningful (1.0) instead of dividing by zero.
 */
#include "zmalloc.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__linux__)
#include <fcntl.h>
#elif defined(__APPLE__)
#include <mach/mach.h>
#include <sys/sysctl.h>
#endif

/* Fields after the closing parenthesis: 3 (state) is the first, so the
 * resident count (24) is the 22nd. */
#define ZMALLOC_STAT_FIELDS_BEFORE_RSS 21

/* Skips one space-separated field; returns NULL if the text ends first. */
static const char *zmalloc_skip_field(const char *cursor) {
    while (*cursor == ' ') cursor++;
    if (*cursor == '\0') return NULL;
    while (*cursor != ' ' && *cursor != '\0') cursor++;
    return cursor;
}

int zmalloc_parse_proc_stat_rss_pages(const char *stat_text, long long *pages) {
    const char *cursor = strrchr(stat_text, ')');
    if (!cursor) return -1;
    cursor++;
    for (int field = 0; field < ZMALLOC_STAT_FIELDS_BEFORE_RSS; field++) {
        cursor = zmalloc_skip_field(cursor);
        if (!cursor) return -1;
    }
    while (*cursor == ' ') cursor++;
    char *end;
    errno = 0;
    long long value = strtoll(cursor, &end, 10);
    if (end == cursor || errno != 0 || value < 0) return -1;
    if (*end != ' ' && *end != '\n' && *end != '\0') return -1;
    *pages = value;
    return 0;
}

#if defined(__linux__)
/* Returns the resident bytes, or 0 if /proc cannot be read or parsed. */
static size_t zmalloc_linux_rss(void) {
    char text[4096];
    int descriptor = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    if (descriptor < 0) return 0;
    ssize_t length;
    do {
        length = read(descriptor, text, sizeof(text) - 1);
    } while (length < 0 && errno == EINTR);
    close(descriptor);
    if (length <= 0) return 0;
    text[length] = '\0';
    long long pages;
    if (zmalloc_parse_proc_stat_rss_pages(text, &pages) != 0) return 0;
    return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}
#endif

#if defined(__APPLE__)
static size_t zmalloc_apple_rss(void) {
    mach_task_basic_info_data_t info;
    mach_msg_type_number_t count = MACH_TASK_BASIC_INFO_COUNT;
    if (task_info(mach_task_self(), MACH_TASK_BASIC_INFO, (task_info_t)&info, &count) != KERN_SUCCESS)
        return 0;
    return (size_t)info.resident_size;
}
#endif

size_t zmalloc_rss(void) {
    size_t rss = 0;
#if defined(__linux__)
    rss = zmalloc_linux_rss();
#elif defined(__APPLE__)
    rss = zmalloc_apple_rss();
#endif
    return rss ? rss : zmalloc_used_memory();
}

size_t zmalloc_total_system_memory(void) {
#if defined(__APPLE__)
    uint64_t bytes = 0;
    size_t length = sizeof(bytes);
    if (sysctlbyname("hw.memsize", &bytes, &length, NULL, 0) != 0) return 0;
    return (size_t)bytes;
#elif defined(_SC_PHYS_PAGES) && defined(_SC_PAGESIZE)
    long pages = sysconf(_SC_PHYS_PAGES);
    long page_size = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page_size <= 0) return 0;
    return (size_t)pages * (size_t)page_size;
#else
    return 0;
#endif
}
