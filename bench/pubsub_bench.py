#!/usr/bin/env python3
"""pubsub_bench: Pub/Sub fan-out, zkv next to redis-server in one run.

The issue's shapes, driven by bench/pubsub_fanout (one publisher keeping
--in-flight PUBLISHes of 16 bytes in flight):
  - channel:   100 subscribers of one channel (each PUBLISH reaches 100);
  - patterns:  1,000 channels, subscribed on one connection, plus a pattern
               subscriber (PSUBSCRIBE b*) matching them all; the publisher
               cycles over the channels (each PUBLISH reaches 2);
  - patterns/1000 conns: the same with one connection per channel, so each
               channel message costs the server a write system call: the
               kernel's TCP path (3/4 of the server's CPU time for both
               servers) sets the pace there.
Each round starts a fresh server of each kind, zkv and redis alternating,
and runs every shape on it.  To measure the server rather than the client,
the server is pinned to CPU 0 and the client to CPU 1 (taskset), and the
publish window is deep (256): with a shallow one, a loaded machine's
scheduling latency sets the rate.  Figures: messages delivered per second,
the server's CPU time per delivered message (/proc/<pid>/stat over the timed
part: steadier than rates on a shared machine), its CPU share (near 1.0:
the server was the limit; on a machine loaded by others it is what the
scheduler gave it) and read+write system calls per delivered message.
Medians of the rounds and zkv/redis ratios are printed.

--callgrind instead runs each server once per shape under valgrind's
callgrind, zeroing its counters once the subscribers are in place, and
prints the server's user-space instructions per delivered message (kernel
work not included): nearly deterministic, unlike the timings.  The servers
run with hz 1 there: under valgrind's slowdown their timer work (client
cron: buffer shrinking over every connection) would otherwise weigh ~50x
more per message than in a real run.

Usage: bench/pubsub_bench.py [--zkv build/zkv-server] [--redis redis-server]
                             [--client build/bench/pubsub_fanout]
                             [--rounds 3] [--seconds 5] [--in-flight 256]
                             [--no-pin] [--callgrind]
Servers are stopped by PID.
"""
import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

# name, label, subscribers, fanout shape
SHAPES = [("channel", "100 subscribers of one channel", 100, 0),
          ("patterns", "1,000 channels + a pattern subscriber", 1000, 2),
          ("patterns-conns", "the same, 1,000 subscriber connections", 1000, 1)]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pinned(cpu, argv, pin):
    return (["taskset", "-c", str(cpu)] + argv) if pin else argv


def start(argv, port, timeout=10):
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            if time.time() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("could not start " + " ".join(argv))
            time.sleep(0.1)


def server_argv(binary, port):
    return [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]


def parse(output):
    return {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", output)}


def run_shape(options, port, pid, subscribers, shape, pin):
    argv = [options.client, str(port), str(subscribers), str(options.seconds), str(shape), str(pid),
            str(options.in_flight)]
    output = subprocess.run(pinned(1, argv, pin), capture_output=True, text=True,
                            timeout=options.seconds * 10 + 120)
    if output.returncode != 0:
        raise RuntimeError("pubsub_fanout failed: " + output.stderr + output.stdout)
    return parse(output.stdout)


def timings(options):
    pin = not options.no_pin and shutil.which("taskset") and os.cpu_count() >= 2
    results = {(server, name): [] for server in ("zkv", "redis") for name, _, _, _ in SHAPES}
    for round_number in range(options.rounds):
        for server, binary in (("zkv", options.zkv), ("redis", options.redis)):
            port = free_port()
            process = start(pinned(0, server_argv(binary, port), pin), port)
            try:
                for name, _, subscribers, shape in SHAPES:
                    figures = run_shape(options, port, process.pid, subscribers, shape, pin)
                    results[(server, name)].append(figures)
                    print("round %d %-5s %-14s %9.0f msg/s %7.1f ns/msg  cpu share server %.2f client %.2f" % (
                        round_number + 1, server, name, figures["delivered_per_sec"],
                        figures["server_ns_per_delivered"], figures["server_cpu_share"],
                        figures["client_cpu_share"]), flush=True)
            finally:
                process.terminate()
                process.wait(10)
    print("\npinned: %s; in flight %d; %d rounds of %.0f s; medians (min..max of msg/s)" % (
        "server CPU 0, client CPU 1" if pin else "no", options.in_flight, options.rounds, options.seconds))
    print("| shape | redis msg/s | zkv msg/s | zkv/redis | redis ns/msg | zkv ns/msg | zkv/redis | "
          "CPU share redis / zkv | syscalls/msg redis / zkv |")
    print("|---|---|---|---|---|---|---|---|---|")
    keys = ("delivered_per_sec", "server_ns_per_delivered", "server_cpu_share", "server_syscalls_per_delivered")
    for name, label, _, _ in SHAPES:
        row = {}
        for server in ("zkv", "redis"):
            runs = results[(server, name)]
            row[server] = {key: statistics.median(r[key] for r in runs) for key in keys}
            row[server]["range"] = "%.0f..%.0f" % (min(r["delivered_per_sec"] for r in runs),
                                                   max(r["delivered_per_sec"] for r in runs))
        z, r = row["zkv"], row["redis"]
        print("| %s | %.0f (%s) | %.0f (%s) | %.2f | %.1f | %.1f | %.2f | %.2f / %.2f | %.3f / %.3f |" % (
            label, r["delivered_per_sec"], r["range"], z["delivered_per_sec"], z["range"],
            z["delivered_per_sec"] / r["delivered_per_sec"], r["server_ns_per_delivered"],
            z["server_ns_per_delivered"], z["server_ns_per_delivered"] / r["server_ns_per_delivered"],
            r["server_cpu_share"], z["server_cpu_share"], r["server_syscalls_per_delivered"],
            z["server_syscalls_per_delivered"]))


def callgrind_instructions(options, binary, subscribers, shape, work):
    port = free_port()
    out = os.path.join(work, "callgrind.%d.out" % port)
    process = start(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out] + server_argv(binary, port) +
                    ["--hz", "1"], port, timeout=60)
    try:
        argv = [options.client, str(port), str(subscribers), str(options.seconds), str(shape), "0",
                str(options.in_flight), "1"]
        client = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        if client.stdout.readline().strip() != "ready":
            raise RuntimeError("pubsub_fanout did not get ready")
        subprocess.run(["callgrind_control", "--zero", str(process.pid)], check=True, capture_output=True)
        client.stdin.write("go\n")
        client.stdin.flush()
        figures = parse(client.stdout.read())
        client.wait(options.seconds * 10 + 120)
        subprocess.run(["callgrind_control", "--dump", str(process.pid)], check=True, capture_output=True)
    finally:
        process.terminate()
        process.wait(60)
    dumps = [os.path.join(work, f) for f in os.listdir(work) if f.startswith("callgrind.%d.out." % port)]
    with open(min(dumps, key=lambda f: int(f.rsplit(".", 1)[1]))) as dump:
        total = int(re.search(r"^(?:summary|totals): (\d+)", dump.read(), re.M).group(1))
    return total / figures["delivered"], figures["delivered"]


def callgrind(options):
    work = tempfile.mkdtemp(prefix="zkv-pubsub-callgrind-")
    try:
        print("| shape | redis instructions/msg | zkv instructions/msg | zkv/redis |")
        print("|---|---|---|---|")
        for name, label, subscribers, shape in SHAPES:
            redis, _ = callgrind_instructions(options, options.redis, subscribers, shape, work)
            zkv, _ = callgrind_instructions(options, options.zkv, subscribers, shape, work)
            print("| %s | %.0f | %.0f | %.2f |" % (label, redis, zkv, zkv / redis), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    parser = argparse.ArgumentParser()
    parser.add_argument("--zkv", default=os.path.join(root, "build", "zkv-server"))
    parser.add_argument("--redis", default=shutil.which("redis-server"))
    parser.add_argument("--client", default=os.path.join(root, "build", "bench", "pubsub_fanout"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--in-flight", type=int, default=256)
    parser.add_argument("--no-pin", action="store_true")
    parser.add_argument("--callgrind", action="store_true")
    options = parser.parse_args()
    if options.callgrind:
        callgrind(options)
    else:
        timings(options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
