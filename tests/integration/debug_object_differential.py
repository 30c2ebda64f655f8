#!/usr/bin/env python3
"""debug_object_differential: DEBUG OBJECT against redis-server 7.0.15.

The same seeded commands build values of every type and encoding in both
servers (strings: shared and unshared integers, embstr, raw, LZF-sized;
hashes, sets and sorted sets small and big; lists built at one end under
several list-max-listpack-size and list-compress-depth values; streams;
HyperLogLogs), under rdbcompression yes and no, then DEBUG OBJECT of every
key is compared.  The lines must be equal once the parts that name this
process's memory and clock are masked: the value's address, `lru:` and
`lru_seconds_idle:` (Redis's shared integers keep a clock from start-up).
Everything else (refcount, encoding, serializedlength and the ql_* fields
of lists) must match exactly, as must the errors (missing key, wrong
number of arguments).

Both servers are started on free ports of 127.0.0.1 with
--enable-debug-command yes and killed by PID.  Exit 0 when every line
matches, 1 otherwise, 77 without redis-server.

Usage: debug_object_differential.py [--zkv PATH] [--redis PATH] [--seeds N]
"""
import argparse
import os
import random
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from keyspace_differential import Connection, free_port, start  # noqa: E402

MASK = re.compile(rb"Value at:0x[0-9a-f]+|lru:\d+|lru_seconds_idle:\d+")
FAILURES = []
COMPARED = [0]


def masked(reply):
    return MASK.sub(lambda m: m.group(0).split(b":")[0] + b":*", reply)


def element(rng):
    kind = rng.random()
    if kind < 0.3:
        return str(rng.randint(-1000, 100000))
    if kind < 0.5:
        return rng.choice("abcdef") * rng.randint(1, 80)  # compressible past 20 bytes
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(rng.randint(1, 30)))


def scenario_commands(rng):
    """(settings, commands) lists; keys are named after what they hold."""
    commands = [["SET", "int:shared", "42"], ["SET", "int:big", "123456789012"], ["SET", "int:neg", "-5"],
                ["SET", "str:embstr", "hello"], ["SET", "str:raw", "x" * 60], ["SET", "str:lzf", "ab" * 500],
                ["SET", "str:empty", ""], ["APPEND", "str:appended", "abc"],
                ["SET", "str:random", "".join(rng.choice("xyz") for _ in range(rng.randint(1, 5000)))]]
    for name, count in (("small", rng.randint(1, 20)), ("big", rng.randint(200, 600))):
        for _ in range(count):
            commands.append(["HSET", "hash:" + name, element(rng), element(rng)])
            commands.append(["SADD", "set:" + name, element(rng)])
            commands.append(["SADD", "intset:" + name, str(rng.randint(-10 ** 6, 10 ** 6))])
            commands.append(["ZADD", "zset:" + name, str(rng.choice([rng.randint(-50, 50), rng.random() * 100])),
                             element(rng)])
            # explicit IDs: the same entries (and listpack deltas) in both
            commands.append(["XADD", "stream:" + name, "%d-%d" % (1000 + len(commands), rng.randint(0, 3)),
                             element(rng), element(rng)])
            commands.append(["PFADD", "hll:" + name, element(rng)])
    for name, count in (("tiny", 3), ("some", rng.randint(10, 200)), ("many", rng.randint(1000, 4000))):
        push = rng.choice(["RPUSH", "LPUSH"])
        for _ in range(count):
            commands.append([push, "list:" + name, element(rng)])
    return commands


def run(zkv, redis, seed):
    rng = random.Random(seed)
    for compression in ("yes", "no"):
        fill = rng.choice(["-2", "-1", "-3", "5", "128"])
        depth = rng.choice(["0", "1", "2"])
        commands = scenario_commands(rng)
        servers, processes = [], []
        try:
            for argv in ([zkv], [redis]):
                process, sock = start(argv + ["--enable-debug-command", "yes", "--rdbcompression", compression,
                                              "--list-max-listpack-size", fill, "--list-compress-depth", depth],
                                      free_port())
                processes.append(process)
                servers.append(Connection(sock))
            for command in commands:
                replies = [server.call(command) for server in servers]
                if replies[0] != replies[1]:
                    FAILURES.append("seed %d %s: %r vs %r" % (seed, command[:2], replies[0], replies[1]))
            keys = sorted({command[1] for command in commands})
            probes = [["DEBUG", "OBJECT", key] for key in keys]
            probes += [["DEBUG", "OBJECT", "missing"], ["DEBUG", "OBJECT"], ["DEBUG", "OBJECT", "a", "b"]]
            for probe in probes:
                replies = [masked(server.call(probe)) for server in servers]
                COMPARED[0] += 1
                if replies[0] != replies[1]:
                    FAILURES.append("seed %d rdbcompression %s fill %s depth %s %s:\n  zkv   %r\n  redis %r" %
                                    (seed, compression, fill, depth, probe[2:], replies[0], replies[1]))
        finally:
            for process in processes:
                process.kill()
                process.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zkv", default=os.environ.get("ZKV_SERVER", "build/zkv-server"))
    parser.add_argument("--redis", default=shutil.which("redis-server"))
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    if not args.redis:
        print("redis-server not found: skipped")
        return 77
    for seed in range(args.seeds):
        run(args.zkv, args.redis, seed)
    for failure in FAILURES[:30]:
        print("FAIL:", failure)
    print("%d DEBUG OBJECT replies compared, %d differences" % (COMPARED[0], len(FAILURES)))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
