/* defrag: the pass over the keyspace, its timer and its counters.  See
 * defrag.h for when it runs and what it moves.
 *
 * A pass takes one allocator snapshot (zmalloc_defrag_begin) and walks the
 * databases in order with the table's defrag scan, resuming where the last
 * slice stopped.  Between slices commands run and may resize tables; the
 * scan cursor's guarantee (every entry present throughout is visited) holds
 * as for SCAN.  The snapshot grows stale during a long pass, which only
 * makes some decisions less accurate: the next pass takes a fresh one.
 */
#include "defrag.h"

#include <event2/event.h>

#include "config.h"
#include "keyspace.h"
#include "memory.h"
#include "server.h"
#include "zmalloc.h"

/* Keys visited between two looks at the clock. */
#define DEFRAG_CLOCK_STRIDE 16
/* Shortest rest between slices: lets libevent serve clients in between. */
#define DEFRAG_MIN_REST_US 100

defrag_config defrag_settings = {.ignore_bytes = 100ULL << 20, .threshold_lower = 10,
                                 .threshold_upper = 100, .cycle_min = 1, .cycle_max = 25,
                                 .max_scan_fields = 1000};

static struct {
    bool running;
    int percent;               /* CPU share of the running pass */
    int db;                    /* database being walked */
    unsigned long cursor;      /* table cursor in it */
    uint64_t pass_start_us;
    long long finished_us;     /* time of the passes already over */
    struct event *slice_event;
    defrag_stats counters;     /* hits..key_misses */
} defrag;

/* ---------------------------------------------------------------- moves */

/* Moves one block if its slab is sparse; returns where it is now. */
static void *defrag_block(void *block, bool *moved) {
    if (zmalloc_defrag_should_move(block)) {
        void *copy = zmalloc_defrag_move(block);
        if (copy != NULL) {
            defrag.counters.hits++;
            *moved = true;
            return copy;
        }
    }
    defrag.counters.misses++;
    return block;
}

/* A key: its long string's buffer or its collection's blocks first (the object stores its address),
 * then the object itself. */
static object *defrag_object(object *o) {
    bool moved = false;
    void *buffer = object_string_external_block(o);
    if (buffer != NULL) {
        void *now = defrag_block(buffer, &moved);
        if (now != buffer) object_set_pointer(o, now);
    }
    /* Collections behind the pointer move their own blocks, bounded per visit. */
    const object_type_functions *type = object_type_table(object_type(o));
    if (object_type(o) != OBJECT_STRING && !object_is_packed(o) && type->defrag_value != NULL)
        object_set_pointer(o, type->defrag_value(object_pointer(o)));
    o = defrag_block(o, &moved);
    if (moved)
        defrag.counters.key_hits++;
    else
        defrag.counters.key_misses++;
    return o;
}

static void *defrag_visit(void *privdata, void *pointer, bool child) {
    (void)privdata;
    bool moved = false;
    return child ? defrag_block(pointer, &moved) : defrag_object(pointer);
}

/* ---------------------------------------------------------------- walk */

/* Walks from the saved position until the deadline; true when the pass
 * has visited every database. */
static bool defrag_walk(uint64_t deadline_us) {
    int steps = 0;
    for (; defrag.db < keyspace_database_count(); defrag.db++, defrag.cursor = 0) {
        db *d = keyspace_db(defrag.db);
        /* Moving a child bucket or an object stales the lookup cache. */
        d->cached_slot = NULL;
        d->cached_object = NULL;
        do {
            defrag.cursor = table_defrag_scan(d->keys, defrag.cursor, defrag_visit, NULL);
            if (defrag.cursor != 0 && ++steps % DEFRAG_CLOCK_STRIDE == 0 &&
                server_monotonic_us() >= deadline_us)
                return false;
        } while (defrag.cursor != 0);
    }
    return true;
}

/* ---------------------------------------------------------------- pacing */

/* The CPU percent fragmentation calls for, 0 when below the thresholds.
 * Reads the cron's 100 ms allocator sample, as INFO does, rather than
 * refreshing jemalloc's statistics once more per tick. */
static int defrag_wanted_percent(void) {
    const memory_sample *stats = memory_last_sample();
    if (!stats->allocator_has_stats || stats->allocated == 0 || stats->active <= stats->allocated) return 0;
    double fragmentation = ((double)stats->active / (double)stats->allocated - 1.0) * 100.0;
    const defrag_config *c = &defrag_settings;
    if (fragmentation < c->threshold_lower || stats->active - stats->allocated < c->ignore_bytes) return 0;
    if (fragmentation >= c->threshold_upper || c->threshold_upper <= c->threshold_lower) return c->cycle_max;
    double share = (fragmentation - c->threshold_lower) / (c->threshold_upper - c->threshold_lower);
    int percent = c->cycle_min + (int)(share * (c->cycle_max - c->cycle_min));
    return percent < c->cycle_min ? c->cycle_min : percent;
}

static void defrag_end_pass(void) {
    defrag.running = false;
    defrag.percent = 0;
    defrag.finished_us += (long long)(server_monotonic_us() - defrag.pass_start_us);
    if (defrag.slice_event) event_del(defrag.slice_event);
}

static void defrag_arm(long long rest_us) {
    struct timeval delay = {.tv_sec = rest_us / 1000000, .tv_usec = rest_us % 1000000};
    event_add(defrag.slice_event, &delay);
}

/* One slice, then a rest sized so that slices take `percent` of the time.
 * Each slice is a latency monitor sample, "active-defrag-cycle" as Redis
 * names it (there the whole cron step). */
static void defrag_slice(evutil_socket_t fd, short events, void *argument) {
    (void)fd;
    (void)events;
    (void)argument;
    if (!defrag.running) return;
    uint64_t start = server_monotonic_us();
    bool finished = defrag_walk(start + DEFRAG_SLICE_US);
    long long spent = (long long)(server_monotonic_us() - start);
    server_latency_event("active-defrag-cycle", spent / 1000);
    if (finished) {
        defrag_end_pass();
        return;
    }
    long long rest = spent * (100 - defrag.percent) / (defrag.percent > 0 ? defrag.percent : 1);
    defrag_arm(rest < DEFRAG_MIN_REST_US ? DEFRAG_MIN_REST_US : rest);
}

static bool defrag_start_pass(int percent) {
    if (zmalloc_defrag_begin() != 0) return false;
    defrag.running = true;
    defrag.percent = percent;
    defrag.db = 0;
    defrag.cursor = 0;
    defrag.pass_start_us = server_monotonic_us();
    return true;
}

/* Every tick: start a pass when fragmentation calls for one, or retune the
 * running pass (which always finishes, at cycle_min at least). */
void defrag_cron(void) {
    if (!defrag_settings.enabled) {
        if (defrag.running) defrag_end_pass();
        return;
    }
    int wanted = defrag_wanted_percent();
    /* No pass starts while a forked save runs: moving objects copies pages. */
    if (!defrag.running && server.child_pid > 0) return;
    if (!defrag.running) {
        if (wanted == 0 || !defrag_start_pass(wanted)) return;
    } else {
        defrag.percent = wanted > defrag_settings.cycle_min ? wanted : defrag_settings.cycle_min;
    }
    if (!event_pending(defrag.slice_event, EV_TIMEOUT, NULL)) defrag_arm(0);
}

/* ---------------------------------------------------------------- public */

void defrag_reset_stats(void) {
    defrag.counters = (defrag_stats){0};
    defrag.finished_us = 0;
    if (defrag.running) defrag.pass_start_us = server_monotonic_us();
}

int defrag_init(void) {
    if (server.base) {
        defrag.slice_event = event_new(server.base, -1, 0, defrag_slice, NULL);
        if (!defrag.slice_event) return -1;
    }
    return 0;
}

int defrag_running_percent(void) {
    return defrag.running ? defrag.percent : 0;
}

void defrag_get_stats(defrag_stats *stats) {
    *stats = defrag.counters;
    long long current = defrag.running ? (long long)(server_monotonic_us() - defrag.pass_start_us) : 0;
    stats->total_ms = (defrag.finished_us + current) / 1000;
    stats->current_ms = current / 1000;
}

long long defrag_run_pass(void) {
    if (defrag.running) defrag_end_pass();
    long long before = defrag.counters.hits;
    if (!defrag_start_pass(defrag_settings.cycle_max)) return -1;
    defrag_walk(UINT64_MAX);
    defrag_end_pass();
    return defrag.counters.hits - before;
}
