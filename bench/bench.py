#!/usr/bin/env python3
"""zkv vs redis-server, side by side: the benchmark harness's entry point.

    bench/bench.py [--quick] [--rounds N] [--scenarios 1,2,3,4,5]
                   [--zkv PATH] [--redis PATH] [--out DIR]

Scenarios: 1 throughput, 2 memory per key, 3 fragmentation, 4 PING latency
during growth, 5 allocator backends (builds zkv per backend).  Each runs on
both servers, alternating, for N rounds; at the end one line per figure
gives zkv's median, redis's median, their ratio, and the min..max of each.
Raw data go to bench/results/raw/<timestamp>/ (git-ignored); bench/report.sh
turns the latest run into bench/results/REPORT.md with charts.  Every
server and helper this starts is stopped by PID on exit, error or signal.
Exit status: 0, or 1 when a server's data failed verification or a
scenario crashed.
"""
import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import time
import traceback

from harness import allocators, fragmentation, growth, memory, servers, throughput
from harness.results import Results, print_summary
from harness.servers import ServerSpec, version_of
from harness.tools import BENCH_DIR, locate

REPO = os.path.dirname(BENCH_DIR)

FULL = {
    "keys": 1000000, "frag_keys": 1000000, "growth_keys": 10000000,
    "pipelines": [1, 16, 64], "bench_requests": {1: 200000, 16: 1000000, 64: 2000000},
    "verify_step": 997, "sample_secs": 0.1, "settle_secs": 1.0, "defrag_secs": 60,
}
QUICK = {
    "keys": 50000, "frag_keys": 50000, "growth_keys": 200000,
    "pipelines": [1, 16, 64], "bench_requests": {1: 5000, 16: 20000, 64: 40000},
    "verify_step": 13, "sample_secs": 0.05, "settle_secs": 0.3, "defrag_secs": 20,
}


class Context:
    """What every scenario needs: sizes, tools, where to log and record."""

    def __init__(self, args, run_dir):
        self.repo = REPO
        self.rounds = args.rounds
        self.sizes = dict(QUICK if args.quick else FULL)
        self.logdir = os.path.join(run_dir, "logs")
        os.makedirs(self.logdir, exist_ok=True)
        self.log = open(os.path.join(run_dir, "bench.log"), "a")
        self.results = Results(run_dir)
        self.loadgen = locate("loadgen", args.tools_dir, run_dir)
        self.pinger = locate("pinger", args.tools_dir, run_dir)
        self.redis_benchmark = args.redis_benchmark
        self.bench_timeout = 120 if args.quick else 600
        self.load_timeout = 300 if args.quick else 1800
        self.started = time.monotonic()

    def progress(self, what):
        print("[%6.1fs] %s" % (time.monotonic() - self.started, what), flush=True)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--zkv", default=os.path.join(REPO, "build", "zkv-server"))
    p.add_argument("--redis", default="/usr/bin/redis-server")
    p.add_argument("--redis-benchmark", default="redis-benchmark")
    p.add_argument("--rounds", type=int)
    p.add_argument("--quick", action="store_true", help="small sizes, 1 round: a smoke check")
    p.add_argument("--scenarios", default="1,2,3,4,5")
    p.add_argument("--maxmemory", default="8gb", help="the same for both servers")
    p.add_argument("--out", help="run directory (default bench/results/raw/<timestamp>)")
    p.add_argument("--tools-dir", help="where loadgen and pinger are built (else cc builds them)")
    args = p.parse_args()
    if args.rounds is None:
        args.rounds = 1 if args.quick else 3
    args.scenarios = {int(s) for s in args.scenarios.split(",") if s}
    return args


def write_meta(run_dir, args, ctx, specs):
    rev = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True).stdout.strip()
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "mode": "quick" if args.quick else "full", "rounds": args.rounds,
        "scenarios": sorted(args.scenarios), "git": rev, "cpus": os.cpu_count(),
        "kernel": platform.release(), "maxmemory": args.maxmemory,
        "servers": {s.name: {"binary": s.binary, "kind": s.kind, "version": version_of(s.binary)}
                    for s in specs},
        "sizes": {k: v for k, v in ctx.sizes.items() if k != "bench_requests"},
        "bench_requests": {str(k): v for k, v in ctx.sizes["bench_requests"].items()},
        "command": " ".join(sys.argv),
    }
    with open(os.path.join(run_dir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)


def on_signal(signum, _frame):
    raise SystemExit(128 + signum)


def main():
    args = parse_args()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + ("-quick" if args.quick else "")
    run_dir = os.path.abspath(args.out or os.path.join(BENCH_DIR, "results", "raw", stamp))
    os.makedirs(run_dir, exist_ok=True)
    for binary in (args.zkv, args.redis):
        if not os.access(binary, os.X_OK):
            sys.exit("bench: %s is not an executable (build zkv first, or pass --zkv)" % binary)
    ctx = Context(args, run_dir)
    zkv = ServerSpec("zkv", args.zkv, args.maxmemory)
    redis = ServerSpec("redis", args.redis, args.maxmemory)
    write_meta(run_dir, args, ctx, [zkv, redis])
    print("bench: run directory %s (zkv is %s, %s)" % (run_dir, zkv.kind, version_of(zkv.binary)),
          flush=True)
    scenarios = [
        (1, "throughput", lambda: throughput.run(ctx, [zkv, redis])),
        (2, "memory", lambda: memory.run(ctx, [zkv, redis])),
        (3, "fragmentation", lambda: fragmentation.run(ctx, [zkv, redis])),
        (4, "growth", lambda: growth.run(ctx, [zkv, redis])),
        (5, "allocators", lambda: allocators.run(ctx, redis)),
    ]
    crashed = []
    try:
        for number, name, scenario in scenarios:
            if number not in args.scenarios:
                continue
            ctx.progress("scenario %d: %s" % (number, name))
            try:
                scenario()
            except (RuntimeError, OSError, subprocess.SubprocessError) as err:
                crashed.append(name)
                ctx.log.write(traceback.format_exc())
                print("  !! scenario %s failed: %s" % (name, err), flush=True)
            finally:
                servers.stop_all()
    finally:
        servers.stop_all()
    print_summary(ctx.results.summarize(), sys.stdout)
    for server, scenario, detail in ctx.results.problems:
        print("VERIFICATION/BUILD PROBLEM: %s in %s: %s" % (server, scenario, detail))
    if crashed:
        print("CRASHED SCENARIOS: %s (see %s/bench.log)" % (", ".join(crashed), run_dir))
    print("\nraw data: %s\nreport:   bench/report.sh %s" % (run_dir, run_dir))
    invalid = [p for p in ctx.results.problems if "build failed" not in p[2]]
    return 1 if invalid or crashed else 0


if __name__ == "__main__":
    sys.exit(main())
