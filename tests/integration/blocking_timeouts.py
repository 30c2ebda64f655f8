#!/usr/bin/env python3
"""blocking_timeouts: 10,000 clients blocked in BLPOP with timeouts.

Each of CLIENTS connections sends one BLPOP on its own key with a timeout
spread over [8 s, 8 s + SPREAD]; meanwhile one more connection sends PING
every 5 ms and a third pushes to a few of the keys.  Checked:
  - every timed-out client receives exactly "*-1\r\n", never before its
    timeout (within EARLY_BOUND) and at most LATE_BOUND after it (issue 15 asks for 10 ms; the
    bound here is wide because a loaded 2-core machine delays this script's
    own reads too: the measured lateness is printed);
  - the clients whose key was pushed get the element, not a timeout;
  - the loop stays responsive: no PING waits longer than PING_BOUND;
  - INFO clients' blocked_clients counts them all while they wait, and 0 after.
With --redis the same run is made against redis-server first and its figures
printed next to zkv's (for the note; nothing of Redis is asserted).

Usage: blocking_timeouts.py [--zkv PATH] [--redis PATH] [--clients N]
Exit 0 on success, 1 on failure.
"""
import argparse
import os
import selectors
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from keyspace_differential import encode, free_port, start  # noqa: E402

SPREAD = 2.0
FIRST_TIMEOUT = 8.0  # connecting every client comes first (slow under sanitizers)
LATE_BOUND = 0.5
PING_BOUND = 0.5
# The server times with its own monotonic clock (calibrated at start), which
# may run a few hundred ppm off this script's over seconds.
EARLY_BOUND = 0.005
PUSHED = 50  # clients served by a push instead of timing out


def info_field(sock, field):
    sock.sendall(encode(["INFO", "clients"]))
    data = b""
    while b"\r\n" not in data:
        data += sock.recv(65536)
    length = int(data[1:data.index(b"\r\n")])
    while len(data) < data.index(b"\r\n") + 2 + length + 2:
        data += sock.recv(65536)
    for line in data.decode().split("\r\n"):
        if line.startswith(field + ":"):
            return int(line.split(":")[1])
    raise RuntimeError("no %s in INFO" % field)


def run(binary, clients):
    port = free_port()
    process, control = start([binary, "--maxclients", str(clients + 100)], port)
    failures = []
    try:
        selector = selectors.DefaultSelector()
        states = []
        for i in range(clients):
            timeout = round(FIRST_TIMEOUT + SPREAD * ((i * 7919) % clients) / clients, 3)
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.setblocking(False)
            sent = time.monotonic()
            sock.sendall(encode(["BLPOP", "bt:%d" % i, "%.3f" % timeout]))
            element = b"*2\r\n$%d\r\nbt:%d\r\n$%d\r\nv%d\r\n" % (len(b"bt:%d" % i), i, len(b"v%d" % i), i)
            state = {"i": i, "timeout": timeout, "sent": sent, "data": b"", "at": None, "element": element}
            states.append(state)
            selector.register(sock, selectors.EVENT_READ, state)
        pinger = socket.create_connection(("127.0.0.1", port), timeout=10)
        # Every client must be blocked before the first deadline.
        deadline = states[0]["sent"] + FIRST_TIMEOUT - 0.5
        while info_field(control, "blocked_clients") < clients:
            if time.monotonic() > deadline:
                failures.append("blocked_clients never reached %d (%d)" % (clients, info_field(control, "blocked_clients")))
                return failures, {}
            time.sleep(0.01)
        pushed = set(range(0, clients, clients // PUSHED))
        for i in pushed:
            control.sendall(encode(["RPUSH", "bt:%d" % i, "v%d" % i]))
            control.recv(100)
        ping_worst = 0.0
        next_ping = time.monotonic()
        answered = 0
        end = time.monotonic() + FIRST_TIMEOUT + SPREAD + LATE_BOUND + 5
        while answered < clients and time.monotonic() < end:
            for key, _ in selector.select(timeout=0.002):
                state = key.data
                chunk = key.fileobj.recv(4096)
                state["data"] += chunk
                if state["at"] is None:
                    state["at"] = time.monotonic()
                if not chunk or state["data"] in (b"*-1\r\n", state["element"]):
                    selector.unregister(key.fileobj)
                    key.fileobj.close()
                    answered += 1
            now = time.monotonic()
            if now >= next_ping:
                started = time.monotonic()
                pinger.sendall(b"PING\r\n")
                reply = b""
                while not reply.endswith(b"\r\n"):
                    reply += pinger.recv(100)
                ping_worst = max(ping_worst, time.monotonic() - started)
                next_ping = started + 0.005
        lateness = []
        for state in states:
            i = state["i"]
            if state["at"] is None:
                failures.append("client %d: no reply" % i)
                continue
            if i in pushed:
                if state["data"] != state["element"]:
                    failures.append("client %d: %r instead of its element" % (i, state["data"]))
                continue
            if state["data"] != b"*-1\r\n":
                failures.append("client %d: %r instead of a null array" % (i, state["data"]))
                continue
            late = state["at"] - state["sent"] - state["timeout"]
            if late < -EARLY_BOUND:
                failures.append("client %d: answered %.1f ms before its timeout" % (i, -late * 1000))
            if late > LATE_BOUND:
                failures.append("client %d: answered %.1f ms after its timeout" % (i, late * 1000))
            lateness.append(late)
        if ping_worst > PING_BOUND:
            failures.append("a PING took %.1f ms" % (ping_worst * 1000))
        left = info_field(control, "blocked_clients")
        if left != 0:
            failures.append("blocked_clients is %d after every timeout" % left)
        lateness.sort()
        figures = {}
        if lateness:
            figures = {"median_ms": lateness[len(lateness) // 2] * 1000,
                       "p99_ms": lateness[int(len(lateness) * 0.99)] * 1000,
                       "max_ms": lateness[-1] * 1000, "ping_max_ms": ping_worst * 1000}
        return failures, figures
    finally:
        process.kill()
        process.wait(timeout=10)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zkv", default="build/zkv-server")
    parser.add_argument("--redis", default=None)
    parser.add_argument("--clients", type=int, default=10000)
    options = parser.parse_args()
    servers = ([("redis-server", options.redis)] if options.redis else []) + [("zkv", options.zkv)]
    failed = False
    for name, binary in servers:
        failures, figures = run(binary, options.clients)
        print("%s: %d clients, timeout lateness median %.1f ms, p99 %.1f ms, max %.1f ms; slowest PING %.1f ms" % (
            name, options.clients, figures.get("median_ms", -1), figures.get("p99_ms", -1),
            figures.get("max_ms", -1), figures.get("ping_max_ms", -1)))
        if name == "zkv" and failures:
            failed = True
            for failure in failures[:20]:
                print("  " + failure)
            if len(failures) > 20:
                print("  ... and %d more" % (len(failures) - 20))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
