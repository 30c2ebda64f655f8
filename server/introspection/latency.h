/* latency: the latency monitor (LATENCY LATEST/HISTORY/RESET/DOCTOR) and
 * LATENCY HISTOGRAM over the per-command histograms.
 *
 * With latency-monitor-threshold > 0 (milliseconds), any event at or above
 * the threshold is recorded under its event name: "command" for slow
 * commands, "fast-command" for commands flagged fast, and whatever other
 * modules report (expire-cycle, eviction-cycle, ...).  Each event keeps its
 * last LATENCY_HISTORY_LENGTH samples, one per second at most (two spikes in
 * the same second keep the larger), plus its all-time maximum.
 */
#ifndef ZKV_LATENCY_H
#define ZKV_LATENCY_H

#include "command.h"

#define LATENCY_HISTORY_LENGTH 160
#define LATENCY_MAX_EVENTS 32
#define LATENCY_EVENT_NAME_LENGTH 64

/* Records `latency_ms` under `event` when the monitor is on and the value
 * reaches the threshold. */
void latency_add_sample_if_needed(const char *event, long long latency_ms);
/* The observer's part: a "command" or "fast-command" sample. */
void latency_consider_command(const command *cmd, long long duration_us);
/* Forgets every event (LATENCY RESET without arguments); returns how many. */
int latency_reset_all(void);

extern const command_spec latency_commands[];

#endif
