"""Scenario 2, memory per key: what one more key costs each server.

Each case starts a fresh server, takes a baseline, loads N keys with
loadgen, reads a sample back, and divides the growth of used_memory (the
server's own count, from INFO) and of RSS (from /proc, so it is measured
the same way for both) by N.  The TTL case reuses the 16 B + 3 B load and
then sets an EXPIRE on every key, so it costs one load instead of two.
A case the server cannot do (no INFO field, no EXPIRE) reports n/a; a case
whose sample reads back wrong reports invalid.
"""
import subprocess
import time

from harness.servers import Server
from harness.tools import run_loadgen

CASES = [  # (label, value size for loadgen, value seed, also measure with TTL)
    ("16B key + 3B value", "3", 11, True),
    ("100B value", "100", 12, False),
    ("1-512B value", "1:512", 13, False),
]
TTL_SECONDS = 1000000


def _sample(server):
    return server.info("memory").get("used_memory", "n/a"), server.rss_bytes()


def _per_key(after, before, count):
    if isinstance(after, str) or isinstance(before, str):
        return "n/a"
    return (after - before) / count


def _record(ctx, scenario, label, server, rnd, used, rss):
    ctx.results.record(scenario, label + " used_memory", "B/key", "lower", server, rnd, used)
    ctx.results.record(scenario, label + " RSS", "B/key", "lower", server, rnd, rss)


def _case(ctx, spec, scenario, rnd, label, size, seed, with_ttl):
    count = ctx.sizes["keys"]
    labels = [label] + ([label + " +TTL"] if with_ttl else [])
    with Server(spec, ctx.logdir) as server:
        time.sleep(0.2)
        base = _sample(server)
        load = run_loadgen(ctx.loadgen, "set", server.port, ctx.log, count=count, size=size,
                           vseed=seed)
        check = run_loadgen(ctx.loadgen, "verify", server.port, ctx.log, count=count, size=size,
                            vseed=seed, step=ctx.sizes["verify_step"]) if load.ok else load
        if not check.ok:
            word = "invalid" if check.status == "invalid" else "n/a"
            if word == "invalid":
                ctx.results.problem(spec.name, scenario, label + ": " + check.line)
            for name in labels:
                _record(ctx, scenario, name, spec.name, rnd, word, word)
            return
        time.sleep(0.2)
        loaded = _sample(server)
        _record(ctx, scenario, label, spec.name, rnd, _per_key(loaded[0], base[0], count),
                _per_key(loaded[1], base[1], count))
        if not with_ttl:
            return
        expire = run_loadgen(ctx.loadgen, "expire", server.port, ctx.log, count=count,
                             ttl=TTL_SECONDS)
        ttl = server.call("TTL", "key:%012d" % (count - 1))
        if not expire.ok or not isinstance(ttl, int) or ttl <= 0:
            _record(ctx, scenario, labels[1], spec.name, rnd, "n/a", "n/a")
            return
        time.sleep(0.2)
        expiring = _sample(server)
        _record(ctx, scenario, labels[1], spec.name, rnd, _per_key(expiring[0], base[0], count),
                _per_key(expiring[1], base[1], count))


def run(ctx, specs, scenario="memory"):
    for rnd in range(ctx.rounds):
        order = specs[rnd % len(specs):] + specs[:rnd % len(specs)]
        for label, size, seed, with_ttl in CASES:
            for spec in order:
                try:
                    _case(ctx, spec, scenario, rnd, label, size, seed, with_ttl)
                except (RuntimeError, OSError, subprocess.SubprocessError) as err:
                    ctx.results.problem(spec.name, scenario, "%s: failed: %s" % (label, err))
                ctx.progress("%s r%d %s %s" % (scenario, rnd, label, spec.name))
