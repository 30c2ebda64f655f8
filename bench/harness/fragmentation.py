"""Scenario 3, fragmentation: memory after churn, and after MEMORY PURGE.

A fresh server gets N keys of 20-400 B; then a random 50% are deleted and
another 25% overwritten with values of other sizes; then active defrag is
turned on where the server accepts it (zkv on jemalloc; redis-server on
stock jemalloc refuses, so its "defragged" stage is its churned state) and
given a bounded time to finish; then MEMORY PURGE.  At
each stage we take used_memory, RSS, mem_fragmentation_ratio and
allocator_frag_ratio, plus RSS/used_memory computed from /proc (the
server's own ratio comes from a cached RSS, and some servers may not
report it at all).  A sampler thread records RSS and used_memory every
interval for the over-time chart.  The data are verified at the end (the
deleted half missing, the overwritten quarter new, the rest original)
before any figure is recorded.
"""
import subprocess
import threading
import time

from harness.resp import Client, RespError, parse_info
from harness.servers import Server
from harness.tools import run_loadgen

SIZE = "20:400"
LOAD_SEED, OVERWRITE_SEED, SELECT_SEED = 21, 22, 31
PREFIX = "frag:"


class Sampler(threading.Thread):
    """Writes "t_s rss_bytes used_memory phase" lines until stopped."""

    def __init__(self, server, path, interval):
        super().__init__(daemon=True)
        self.server, self.path, self.interval = server, path, interval
        self.phase = "start"
        self.done = threading.Event()

    def run(self):
        start = time.monotonic()
        with open(self.path, "w") as out, Client(self.server.port) as client:
            while not self.done.is_set():
                try:
                    used = parse_info(client.call("INFO", "memory")).get("used_memory", "nan")
                    rss = self.server.rss_bytes()
                except OSError:
                    return  # the server is gone; the scenario reports that itself
                out.write("%.2f %d %s %s\n" % (time.monotonic() - start, rss, used, self.phase))
                self.done.wait(self.interval)

    def stop(self):
        self.done.set()
        self.join(timeout=10)


def _stage(server):
    info = server.info("memory")
    rss = server.rss_bytes()
    used = info.get("used_memory", "n/a")
    return {
        "used_memory": used if isinstance(used, str) else used / 1e6,
        "RSS": rss / 1e6,
        "mem_fragmentation_ratio": info.get("mem_fragmentation_ratio", "n/a"),
        "allocator_frag_ratio": info.get("allocator_frag_ratio", "n/a"),
        "RSS/used_memory": "n/a" if isinstance(used, str) or not used else rss / used,
    }


UNITS = {"used_memory": "MB", "RSS": "MB", "mem_fragmentation_ratio": "x",
         "allocator_frag_ratio": "x", "RSS/used_memory": "x"}


def _defragment(server, limit_secs):
    """Turns active defrag on where the server accepts it (redis-server on
    stock jemalloc refuses) and waits, bounded, until a pass is over with
    allocator fragmentation under 1.1."""
    settings = [("active-defrag-ignore-bytes", "1mb"), ("active-defrag-threshold-lower", "5"),
                ("activedefrag", "yes")]
    for name, value in settings:
        if isinstance(server.call("CONFIG", "SET", name, value), RespError):
            return
    deadline = time.monotonic() + limit_secs
    while time.monotonic() < deadline:
        info = server.info("memory")
        if float(info.get("allocator_frag_ratio", 9)) < 1.1 and int(info.get("active_defrag_running", 1)) == 0:
            return
        time.sleep(0.1)


def _verify(ctx, server, count):
    step = ctx.sizes["verify_step"]
    checks = [
        dict(select="%d:0:50" % SELECT_SEED, expect_nil=True),
        dict(select="%d:50:75" % SELECT_SEED, vseed=OVERWRITE_SEED, size=SIZE),
        dict(select="%d:75:100" % SELECT_SEED, vseed=LOAD_SEED, size=SIZE),
    ]
    for check in checks:
        result = run_loadgen(ctx.loadgen, "verify", server.port, ctx.log, count=count, step=step,
                             prefix=PREFIX, **check)
        if not result.ok:
            return result
    return result


def _one(ctx, spec, scenario, rnd):
    count = ctx.sizes["frag_keys"]
    settle = ctx.sizes["settle_secs"]
    stages = {}
    with Server(spec, ctx.logdir) as server:
        series = "frag" if scenario == "fragmentation" else "alloc-frag"
        sampler = Sampler(server, ctx.results.series_path("%s-%s-r%d.txt" % (series, spec.name, rnd)),
                          ctx.sizes["sample_secs"])
        sampler.start()
        try:
            sampler.phase = "load"
            steps = [run_loadgen(ctx.loadgen, "set", server.port, ctx.log, count=count, size=SIZE,
                                 vseed=LOAD_SEED, prefix=PREFIX)]
            time.sleep(settle)
            stages["loaded"] = _stage(server)
            sampler.phase = "churn"
            steps.append(run_loadgen(ctx.loadgen, "del", server.port, ctx.log, count=count,
                                     prefix=PREFIX, select="%d:0:50" % SELECT_SEED))
            steps.append(run_loadgen(ctx.loadgen, "set", server.port, ctx.log, count=count,
                                     size=SIZE, vseed=OVERWRITE_SEED, prefix=PREFIX,
                                     select="%d:50:75" % SELECT_SEED))
            time.sleep(settle)
            stages["churned"] = _stage(server)
            sampler.phase = "defrag"
            _defragment(server, ctx.sizes["defrag_secs"])
            time.sleep(settle)
            stages["defragged"] = _stage(server)
            sampler.phase = "purge"
            purged = server.call("MEMORY", "PURGE", timeout=120)
            time.sleep(settle)
            stages["purged"] = _stage(server)
            if isinstance(purged, RespError):
                stages["purged"] = {name: "n/a" for name in stages["purged"]}
            sampler.phase = "end"
            time.sleep(ctx.sizes["sample_secs"] * 2)
        finally:
            sampler.stop()
        failed = next((s for s in steps if not s.ok), None) or _verify(ctx, server, count)
    status = {"ok": None, "unsupported": "n/a", "invalid": "invalid"}[failed.status]
    if status == "invalid":
        ctx.results.problem(spec.name, scenario, failed.line)
    for stage, figures in stages.items():
        for name, value in figures.items():
            ctx.results.record(scenario, "%s %s" % (stage, name), UNITS[name], "lower", spec.name,
                               rnd, status or value)


def run(ctx, specs, scenario="fragmentation"):
    for rnd in range(ctx.rounds):
        order = specs[rnd % len(specs):] + specs[:rnd % len(specs)]
        for spec in order:
            try:
                _one(ctx, spec, scenario, rnd)
            except (RuntimeError, OSError, subprocess.SubprocessError) as err:
                ctx.results.problem(spec.name, scenario, "failed: %s" % err)
            ctx.progress("%s r%d %s" % (scenario, rnd, spec.name))
