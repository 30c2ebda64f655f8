/* zmalloc_malloc_stats: the allocator's own statistics report as text
 * (MEMORY MALLOC-STATS).
 *
 * The report is handed to the caller piece by piece through a callback
 * rather than collected into a buffer here: jemalloc produces it through a
 * write callback already, and the caller (a reply builder) decides where
 * the bytes go.  Only jemalloc has such a report; the other backends say
 * so in one line, which is also what Redis answers without jemalloc.
 */
#include "zmalloc.h"

#include <string.h>

#include "zmalloc_backend.h"

#if defined(ZMALLOC_BACKEND_JEMALLOC)
typedef struct zmalloc_stats_writer {
    zmalloc_text_callback *callback;
    void *context;
} zmalloc_stats_writer;

/* jemalloc's write callback: forwards each chunk of the report. */
static void zmalloc_stats_forward(void *opaque, const char *text) {
    zmalloc_stats_writer *writer = opaque;
    writer->callback(writer->context, text, strlen(text));
}

int zmalloc_malloc_stats(zmalloc_text_callback *callback, void *context) {
    zmalloc_stats_writer writer = {callback, context};
    malloc_stats_print(zmalloc_stats_forward, &writer, NULL);
    return 0;
}
#else
int zmalloc_malloc_stats(zmalloc_text_callback *callback, void *context) {
    static const char message[] = "Stats not supported for the current allocator";
    callback(context, message, sizeof(message) - 1);
    return -1;
}
#endif
