#!/usr/bin/env python3
"""pubsub_bench: Pub/Sub fan-out, zkv next to redis-server in one run.

The issue's two shapes, driven by bench/pubsub_fanout (one publisher keeping
32 PUBLISHes of 16 bytes in flight):
  - channel:  100 subscribers of one channel (each PUBLISH reaches 100);
  - patterns: 1,000 channels with one subscriber each, plus one pattern
              subscriber (PSUBSCRIBE b*) that matches them all; the
              publisher cycles over the channels (each PUBLISH reaches 2).
Each round starts a fresh server of each kind, zkv and redis alternating,
and runs both shapes on it.  To measure the server rather than the client,
the server is pinned to one CPU and the client to the other (taskset, when
there are two CPUs): the figures are messages delivered per second and the
server's CPU time per delivered message (/proc/<pid>/stat over the timed
part; steadier than rates on a shared machine), and the server's CPU share
(near 1.0: the server was the limit).  Medians of the rounds and zkv/redis
ratios are printed.

Usage: bench/pubsub_bench.py [--zkv build/zkv-server] [--redis redis-server]
                             [--client build/bench/pubsub_fanout]
                             [--rounds 3] [--seconds 5] [--no-pin]
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
import time

SHAPES = [("channel", "100 subscribers of one channel", 100, 0),
          ("patterns", "1,000 channels + a pattern subscriber", 1000, 1)]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pinned(cpu, argv, pin):
    return (["taskset", "-c", str(cpu)] + argv) if pin else argv


def start(binary, port, pin):
    argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(pinned(0, argv, pin), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            if time.time() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("could not start " + binary)
            time.sleep(0.05)


def run_shape(client, port, pid, subscribers, shape, seconds, pin):
    argv = [client, str(port), str(subscribers), str(seconds), str(shape), str(pid)]
    output = subprocess.run(pinned(1, argv, pin), capture_output=True, text=True, timeout=seconds * 10 + 120)
    if output.returncode != 0:
        raise RuntimeError("pubsub_fanout failed: " + output.stderr + output.stdout)
    return {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", output.stdout)}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    parser = argparse.ArgumentParser()
    parser.add_argument("--zkv", default=os.path.join(root, "build", "zkv-server"))
    parser.add_argument("--redis", default=shutil.which("redis-server"))
    parser.add_argument("--client", default=os.path.join(root, "build", "bench", "pubsub_fanout"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--no-pin", action="store_true")
    options = parser.parse_args()
    pin = not options.no_pin and shutil.which("taskset") and os.cpu_count() >= 2
    results = {(server, name): [] for server in ("zkv", "redis") for name, _, _, _ in SHAPES}
    for round_number in range(options.rounds):
        for server, binary in (("zkv", options.zkv), ("redis", options.redis)):
            port = free_port()
            process = start(binary, port, pin)
            try:
                for name, _, subscribers, shape in SHAPES:
                    figures = run_shape(options.client, port, process.pid, subscribers, shape, options.seconds, pin)
                    results[(server, name)].append(figures)
                    print("round %d %-5s %-8s %9.0f msg/s  %6.1f ns/msg  cpu share server %.2f client %.2f" % (
                        round_number + 1, server, name, figures["delivered_per_sec"],
                        figures["server_ns_per_delivered"], figures["server_cpu_share"],
                        figures["client_cpu_share"]), flush=True)
            finally:
                process.terminate()
                process.wait(10)
    print("\npinned: %s; %d rounds of %.0f s; medians (min..max)" % ("server CPU 0, client CPU 1" if pin else "no",
                                                                   options.rounds, options.seconds))
    print("| shape | redis msg/s | zkv msg/s | zkv/redis | redis ns/msg | zkv ns/msg | zkv/redis | "
          "cpu share redis / zkv |")
    print("|---|---|---|---|---|---|---|---|")
    for name, label, _, _ in SHAPES:
        row = {}
        for server in ("zkv", "redis"):
            runs = results[(server, name)]
            row[server] = {key: statistics.median(r[key] for r in runs)
                           for key in ("delivered_per_sec", "server_ns_per_delivered", "server_cpu_share")}
            row[server]["range"] = "%.0f..%.0f" % (min(r["delivered_per_sec"] for r in runs),
                                                   max(r["delivered_per_sec"] for r in runs))
        z, r = row["zkv"], row["redis"]
        print("| %s | %.0f (%s) | %.0f (%s) | %.2f | %.1f | %.1f | %.2f | %.2f / %.2f |" % (
            label, r["delivered_per_sec"], r["range"], z["delivered_per_sec"], z["range"],
            z["delivered_per_sec"] / r["delivered_per_sec"], r["server_ns_per_delivered"],
            z["server_ns_per_delivered"], z["server_ns_per_delivered"] / r["server_ns_per_delivered"],
            r["server_cpu_share"], z["server_cpu_share"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
