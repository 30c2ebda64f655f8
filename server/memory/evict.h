/* evict: the maxmemory ceiling.
 *
 * Before a command that may grow memory (denyoom) runs while maxmemory is
 * set (except while a busy script lets the loop answer SCRIPT KILL), and
 * on every cron tick, used memory not counting client output buffers and
 * scripts' Lua memory is brought back under maxmemory by evicting keys
 * chosen by maxmemory-policy.  The work per call is bounded in time (by
 * maxmemory-eviction-tenacity); what is left continues from a timer on the
 * next loop iteration, so evicting millions of keys never stalls the loop.
 */
#ifndef ZKV_EVICT_H
#define ZKV_EVICT_H

enum evict_result {
    EVICT_OK,      /* under the limit (or no limit) */
    EVICT_RUNNING, /* over, keys are still being evicted in the background */
    EVICT_FAIL     /* over, and nothing can be evicted (-OOM) */
};

/* Installs the dispatch guard and the cron job. */
void evict_init(void);
/* The memory module's cron and CONFIG RESETSTAT work. */
void evict_cron(void);
void evict_reset_stats(void);
/* Evicts within the time budget until memory is under the limit. */
enum evict_result evict_perform(void);
/* INFO stats: milliseconds spent over maxmemory in all (since start or
 * CONFIG RESETSTAT) and in the current excess (0 when under). */
void evict_exceeded_time_ms(long long *total, long long *current);

#endif
