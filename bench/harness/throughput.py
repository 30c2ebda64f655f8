"""Scenario 1, throughput: redis-benchmark against both servers, alternating.

Both servers stay up for the whole scenario; for every round, pipeline
depth and test, each server gets one redis-benchmark run, and the order
flips every round so neither always goes first on a warmer machine.  From
the --csv output we keep requests per second and p50/p99 latency.  At
pipeline 1 the client and the loopback round trip dominate, so the figure
that shows the server's own cost is CPU time per request: utime+stime of
the server process over the run divided by the requests it served; next
to it, read+write syscalls per request (from /proc/<pid>/io), which tell
a server that does more kernel round trips from one that computes more.  After
the SET run a sample of keys is read back: every hit must be the same
3-byte filler redis-benchmark wrote to all keys, and there must be hits.
"""
import csv
import io
import subprocess

from harness.servers import Server
from harness.tools import run_loadgen

SCENARIO = "throughput"
# redis-benchmark test -> the names of the rows it prints in --csv.
TESTS = {"set": ["SET"], "get": ["GET"], "incr": ["INCR"], "mset": ["MSET (10 keys)"],
         "ping": ["PING_INLINE", "PING_MBULK"]}


def _requests(ctx, depth, test):
    n = ctx.sizes["bench_requests"][depth]
    return max(1000, n // 4) if test == "mset" else n


def _bench_once(ctx, server, depth, test):
    """One redis-benchmark run: (csv rows, CPU seconds per request, syscalls per request),
    or None."""
    n = _requests(ctx, depth, test)
    argv = [ctx.redis_benchmark, "-h", "127.0.0.1", "-p", str(server.port), "-c", "50",
            "-n", str(n), "-d", "3", "-r", "1000000", "-P", str(depth), "-t", test, "--csv"]
    cpu_before, syscalls_before = server.cpu_seconds(), server.syscalls()
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=ctx.bench_timeout)
    except subprocess.TimeoutExpired:
        ctx.log.write("$ %s\ntimed out\n" % " ".join(argv))
        return None
    try:
        cpu = server.cpu_seconds() - cpu_before
        syscalls = server.syscalls() - syscalls_before
    except OSError:
        return None
    ctx.log.write("$ %s\n%s%s" % (" ".join(argv), proc.stdout, proc.stderr))
    rows = [r for r in csv.DictReader(io.StringIO(proc.stdout)) if r.get("rps")]
    if proc.returncode != 0 or not rows or "rror" in proc.stderr:
        return None
    return rows, cpu / (n * len(rows)), syscalls / (n * len(rows))


def _record(ctx, server, depth, test, rnd, outcome):
    """outcome: what _bench_once returns, or the word "n/a" or "invalid"."""
    if isinstance(outcome, str):
        rows = [{"test": name, "rps": outcome, "p50_latency_ms": outcome,
                 "p99_latency_ms": outcome} for name in TESTS[test]]
        cpu = syscalls = outcome
    else:
        rows, cpu, syscalls = outcome[0], outcome[1] * 1e6, outcome[2]
        for row in rows:
            for field in ("rps", "p50_latency_ms", "p99_latency_ms"):
                row[field] = float(row[field])
    record = ctx.results.record
    for row in rows:
        name = "P%d %s" % (depth, row["test"])
        record(SCENARIO, name + " rps", "req/s", "higher", server.name, rnd, row["rps"])
        record(SCENARIO, name + " p50", "ms", "lower", server.name, rnd, row["p50_latency_ms"])
        record(SCENARIO, name + " p99", "ms", "lower", server.name, rnd, row["p99_latency_ms"])
    record(SCENARIO, "P%d %s cpu" % (depth, test.upper()), "us/req", "lower", server.name, rnd,
           cpu)
    record(SCENARIO, "P%d %s syscalls" % (depth, test.upper()), "rw/req", "lower", server.name,
           rnd, syscalls)


def _verify_set_keys(ctx, server):
    """Keys redis-benchmark SET must read back as its one 3-byte filler (or be absent)."""
    result = run_loadgen(ctx.loadgen, "verify", server.port, ctx.log, count=1000000, step=97,
                         size=3, uniform=True, allow_nil=True)
    if not result.ok:
        ctx.results.problem(server.name, SCENARIO, "SET values wrong: " + result.line)
        return False
    if result.field("sent") == result.field("nil"):
        ctx.results.problem(server.name, SCENARIO, "no key written by SET could be read back")
        return False
    return True


def run(ctx, specs):
    servers = []
    try:
        for spec in specs:
            servers.append(Server(spec, ctx.logdir))
        for rnd in range(ctx.rounds):
            order = list(servers) if rnd % 2 == 0 else servers[::-1]
            for depth in ctx.sizes["pipelines"]:
                for test in TESTS:
                    for i, server in enumerate(order):
                        outcome = _bench_once(ctx, server, depth, test) or "n/a"
                        if not server.alive():
                            ctx.results.problem(server.name, SCENARIO, "died during P%d %s, "
                                                "restarted" % (depth, test))
                            order[i] = servers[servers.index(server)] = Server(server.spec,
                                                                               ctx.logdir)
                            outcome = "invalid"
                        if test == "set" and outcome != "n/a" and not _verify_set_keys(ctx, server):
                            outcome = "invalid"
                        _record(ctx, server, depth, test, rnd, outcome)
                        ctx.progress("%s r%d P%d %s %s" % (SCENARIO, rnd, depth, test, server.name))
    finally:
        for server in servers:
            server.stop()
