#!/usr/bin/env python3
"""tracking_prefixes_differential: CLIENT TRACKING ... BCAST PREFIX with
overlapping prefixes, zkv-server against redis-server 7.0.15, raw bytes.

Redis 7.0.15 refuses an overlap with an existing prefix, or one involving
the first prefix given, with an error only; when the first prefix of an
overlapping pair is not the first given (PREFIX x PREFIX a PREFIX ab) it
replies the error, enables tracking with every prefix and replies +OK too.
Each case runs on a fresh connection of each server, in RESP2 and RESP3,
followed by CLIENT TRACKINGINFO and writes whose invalidations show which
prefixes are in force (and the order of BCAST messages: prefixes in byte
order, keys sorted within each); every byte received is compared.

Usage: tracking_prefixes_differential.py ZKV_SERVER [REDIS_SERVER]
Exit 0 when every byte matched; 77 (skip) when redis-server is missing.
"""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pubsub_differential import Connection, free_port, start  # noqa: E402

PREFIX_LISTS = [["a", "ab"], ["ab", "a"], ["a", "a"], ["x", "a", "ab"], ["a", "b", "bc"], ["a", "b", "b"],
                ["a", "b", "c", "cd"], ["x", "y"], ["ab", "a", "c"], ["x", "a", "ab", "abc"], ["", "a"],
                ["a", ""], ["x", "", "a"]]

# Each case: the commands of one connection, in order.
CASES = []
for prefixes in PREFIX_LISTS:
    tracking = ["CLIENT", "TRACKING", "on", "BCAST"] + [w for p in prefixes for w in ("PREFIX", p)]
    CASES.append([tracking, ["CLIENT", "TRACKINGINFO"], ["CLIENT", "GETREDIR"]])
# A second TRACKING ON adding prefixes to the ones in force.
CASES += [
    [["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a"], ["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "x",
                                                             "PREFIX", "ab"], ["CLIENT", "TRACKINGINFO"]],
    [["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a"], ["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "x",
                                                             "PREFIX", "y", "PREFIX", "yz"], ["CLIENT", "TRACKINGINFO"]],
    [["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "x", "PREFIX", "a", "PREFIX", "ab"],
     ["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "z", "PREFIX", "x", "PREFIX", "xy"], ["CLIENT", "TRACKINGINFO"]],
]
# Keys written after each case by another connection, in one command so both
# servers batch them alike: their invalidations (one message per matching
# prefix, prefixes in byte order, keys sorted within a message) show the
# prefixes in force.
WRITES = [["MSET", "xz", "1", "abc", "1", "bcd", "1", "cde", "1", "ab2", "1", "xyz", "1", "q", "1", "ab1", "1",
           "a", "1", "bb", "1", "cd", "1"]]


def run_case(port, resp3, commands, step):
    tracker, writer = Connection(port), Connection(port)
    try:
        if resp3:
            tracker.send(["HELLO", "3"])
            tracker.sync("hello-%d" % step)
        for words in commands:
            tracker.send(words)
        received = tracker.sync("case-%d" % step)
        for words in WRITES:
            writer.send(words)
        writer.sync("writes-%d" % step)
        # BCAST invalidations go out after the event loop iteration of the
        # write; the writer's sync answer came later, so they are sent by now.
        received += b"|" + tracker.sync("after-%d" % step)
        return received
    finally:
        tracker.sock.close()
        writer.sock.close()


def main():
    zkv = sys.argv[1]
    redis = sys.argv[2] if len(sys.argv) > 2 else shutil.which("redis-server")
    if not redis or not os.path.exists(redis):
        print("redis-server not found: skipped")
        return 77
    ports = [free_port(), free_port()]
    servers = [start(zkv, ports[0]), start(redis, ports[1])]
    failures = 0
    try:
        step = 0
        for resp3 in (False, True):
            for commands in CASES:
                step += 1
                got, expected = (run_case(port, resp3, commands, step) for port in ports)
                if got != expected:
                    failures += 1
                    print("RESP%d %r\n  redis: %r\n  zkv:   %r" % (3 if resp3 else 2, commands, expected, got))
    finally:
        for server in servers:
            server.terminate()
            server.wait(10)
    print("%d cases, %d differences" % (2 * len(CASES), failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
