/* key_specs: the keys of a call found by explicit key specs (command.h's
 * key_spec), the way Redis 7.0 finds them for ACL checks and COMMAND
 * GETKEYS.
 *
 * Every spec is resolved to a (first, last, step) range before anything is
 * visited: a call one spec cannot describe (an unknown or incomplete spec,
 * a key count that is not a number, a range past the arguments) makes the
 * whole answer -1, so the caller's fallback (get_keys, the derived range)
 * decides instead, and a visitor never sees half an answer.  A keyword
 * spec that finds no keyword names no keys.  Redis's quirks are kept on
 * purpose, since ACL decisions depend on them: a keyword search stops one
 * argument short of the end it walks to (the last argument when searching
 * forwards, argv[1] backwards), and a range with `limit` takes
 * (arguments left) / limit keys.
 */
#include <string.h>

#include "args.h"
#include "command.h"
#include "zkv_assert.h"

/* More than any command declares (SORT has three). */
#define KEY_SPECS_MAX 8

typedef struct key_range {
    int first, last, step;
    uint32_t flags;
} key_range;

int command_key_spec_count(const key_spec *specs) {
    int count = 0;
    while (specs && specs[count].search) count++;
    return count;
}

/* Where a keyword spec's keys begin: just after the keyword, 0 if absent. */
static int keyword_search(const key_spec *spec, int argc, const resp_argument *argv) {
    int start = spec->position > 0 ? spec->position : argc + spec->position;
    int end = spec->position > 0 ? argc - 1 : 1;
    for (int i = start; i != end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (args_is(&argv[i], spec->keyword)) return i + 1;
    }
    return 0;
}

/* 1 with the range in *range, 0 when the spec names no key here (keyword
 * absent), -1 when it cannot describe the call. */
static int resolve(const key_spec *spec, int argc, const resp_argument *argv, key_range *range) {
    int first;
    if (spec->search == KEY_SEARCH_INDEX) first = spec->position;
    else if (spec->search == KEY_SEARCH_KEYWORD) first = keyword_search(spec, argc, argv);
    else return -1;
    if (first == 0) return 0;
    int last;
    range->step = 1;
    if (spec->find == KEY_FIND_RANGE) {
        range->step = spec->key_step;
        if (spec->last_key >= 0) last = first + spec->last_key;
        else if (!spec->limit) last = argc + spec->last_key;
        else last = first + ((argc - first) / spec->limit + spec->last_key);
    } else if (spec->find == KEY_FIND_KEYNUM) {
        range->step = spec->keynum_step;
        long long count;
        int at = first + spec->keynum_index;
        if (at >= argc || !args_integer(&argv[at], &count) || count < 0 || count > argc) return -1;
        first += spec->keynum_first;
        last = first + (int)count - 1;
    } else {
        return -1;
    }
    if (last >= argc || last < first || first >= argc || range->step <= 0) return -1;
    range->first = first;
    range->last = last;
    range->flags = spec->flags;
    /* An incomplete spec's keys are not all of them: the fallback decides. */
    return spec->flags & KEY_INCOMPLETE ? -1 : 1;
}

int command_keys_by_specs(const key_spec *specs, int argc, const resp_argument *argv, command_key_visit *visit,
                          void *context) {
    key_range ranges[KEY_SPECS_MAX];
    int count = 0;
    for (int j = 0; specs[j].search; j++) {
        zkv_assert(j < KEY_SPECS_MAX);
        if (specs[j].flags & KEY_NOT_KEY) continue;
        int found = resolve(&specs[j], argc, argv, &ranges[count]);
        if (found < 0) return -1;
        count += found;
    }
    int visited = 0;
    for (int r = 0; r < count; r++) {
        for (int i = ranges[r].first; i <= ranges[r].last; i += ranges[r].step) {
            visited++;
            if (visit(i, ranges[r].flags, context)) return visited;
        }
    }
    return visited;
}
