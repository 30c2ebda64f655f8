"""Scenario 4, latency during growth: PING round trips while the table grows.

A fresh server, a pinger sending PING every millisecond on its own
connection, and loadgen writing N keys as fast as the server takes them.
Growing to millions of keys exposes every pause the server takes: table
resizes, large reallocations, page faults on fresh memory.  We report the
maximum and the 99.9th percentile of the PINGs sent while the writer ran
(the idle half second before and after is left out, so it cannot dilute
the tail), and keep the whole timeline, with the writer's start and end
marked, for the chart.
"""
import json
import subprocess
import time

from harness import servers
from harness.servers import Server
from harness.tools import run_loadgen

PREFIX = "grow:"
SEED = 41


def _window_stats(timeline, start_ms, end_ms):
    """Latency percentiles (us) of the PINGs sent between start_ms and end_ms."""
    latencies = []
    with open(timeline) as f:
        for line in f:
            sent_ms, latency_us = map(float, line.split())
            if start_ms <= sent_ms <= end_ms:
                latencies.append(latency_us)
    if not latencies:
        return {}
    latencies.sort()
    last = len(latencies) - 1
    return {"pings": len(latencies), "max_us": latencies[last],
            "p50_us": latencies[last // 2], "p99_us": latencies[int(last * 0.99)],
            "p999_us": latencies[int(last * 0.999)]}


def _one(ctx, spec, rnd):
    count = ctx.sizes["growth_keys"]
    timeline = ctx.results.series_path("ping-%s-r%d.txt" % (spec.name, rnd))
    with Server(spec, ctx.logdir) as server:
        pinger = subprocess.Popen([ctx.pinger, "--port", str(server.port), "--out", timeline,
                                   "--max-secs", str(int(ctx.load_timeout))],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  preexec_fn=servers.die_with_parent)
        servers.register(pinger)
        started = time.monotonic()
        try:
            time.sleep(0.5)
            load_start = time.monotonic() - started
            load = run_loadgen(ctx.loadgen, "set", server.port, ctx.log, count=count, size=3,
                               vseed=SEED, prefix=PREFIX, timeout=ctx.load_timeout)
            load_end = time.monotonic() - started
            time.sleep(0.5)
        finally:
            servers.stop_process(pinger, grace=10)
        out, err = pinger.communicate()
        ctx.log.write("pinger %s: %s %s\n" % (spec.name, out.strip(), err.strip()))
        check = run_loadgen(ctx.loadgen, "verify", server.port, ctx.log, count=count, size=3,
                            vseed=SEED, prefix=PREFIX, step=ctx.sizes["verify_step"] * 10 + 1) \
            if load.ok else load
    with open(timeline + ".json", "w") as f:
        json.dump({"load_start_ms": load_start * 1000, "load_end_ms": load_end * 1000}, f)
    stats = _window_stats(timeline, load_start * 1000, load_end * 1000) if pinger.returncode == 0 \
        else {}
    word = None
    if not check.ok:
        word = "invalid" if check.status == "invalid" else "n/a"
        if word == "invalid":
            ctx.results.problem(spec.name, "growth", check.line)
    elif not stats.get("pings"):
        word = "n/a"
    record = ctx.results.record
    for key, label in (("max_us", "PING max"), ("p999_us", "PING p99.9"), ("p99_us", "PING p99"),
                       ("p50_us", "PING p50")):
        record("growth", label, "ms", "lower", spec.name, rnd, word or stats[key] / 1000)
    record("growth", "load rate", "keys/s", "higher", spec.name, rnd,
           word or count / max(load_end - load_start, 1e-6))


def run(ctx, specs):
    for rnd in range(ctx.rounds):
        order = specs[rnd % len(specs):] + specs[:rnd % len(specs)]
        for spec in order:
            try:
                _one(ctx, spec, rnd)
            except (RuntimeError, OSError, subprocess.SubprocessError) as err:
                ctx.results.problem(spec.name, "growth", "failed: %s" % err)
            ctx.progress("growth r%d %s" % (rnd, spec.name))
