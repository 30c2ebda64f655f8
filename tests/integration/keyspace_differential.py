#!/usr/bin/env python3
"""keyspace_differential: random string/keyspace/expiry commands sent to zkv
and to redis-server 7.0 side by side; every reply must be byte-identical.

Both servers are started here on free ports of 127.0.0.1 and killed by PID at
the end.  Keys come from a small set so commands collide (overwrites, type
rules, TTL conditions, RENAME/COPY/MOVE/SWAPDB between two databases).
Replies that depend on hash order (KEYS) are compared as sorted sets, and
absolute expire times may differ by the millisecond between two servers.
Exit 0 when identical, 1 on differences, 77 (skipped) without redis-server.

Usage: keyspace_differential.py [--zkv PATH] [--redis PATH] [--seeds N] [--commands N]
"""
import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import time


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(argv, port, deadline_seconds=10):
    process = subprocess.Popen(argv + ["--port", str(port), "--bind", "127.0.0.1", "--save", ""],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + deadline_seconds
    while time.time() < deadline:
        try:
            return process, socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("could not start " + argv[0])


def encode(arguments):
    out = b"*%d\r\n" % len(arguments)
    for argument in arguments:
        data = argument.encode() if isinstance(argument, str) else argument
        out += b"$%d\r\n%s\r\n" % (len(data), data)
    return out


def read_reply(stream):
    line = stream.readline()
    if not line:
        raise RuntimeError("connection closed")
    kind = line[:1]
    if kind == b"$":
        length = int(line[1:-2])
        return line if length < 0 else line + stream.read(length + 2)
    if kind == b"*":
        count = int(line[1:-2])
        return (line, [read_reply(stream) for _ in range(max(count, 0))])
    return line


class Connection:
    def __init__(self, sock):
        self.sock = sock
        self.stream = sock.makefile("rb")

    def call(self, arguments):
        self.sock.sendall(encode(arguments))
        return read_reply(self.stream)


def command_generators(rng):
    keys = ["k%d" % i for i in range(8)]
    key = lambda: rng.choice(keys)
    value = lambda: rng.choice(["", "0", "1", "-1", "12", "007", "3.5", "-0", "abc", "9223372036854775807",
                                "-9223372036854775808", "1e5", "x" * 50, "inf", " 1", str(rng.randint(-1000, 1000))])
    number = lambda: rng.choice(["0", "1", "-1", "5", "100", "-100", "abc", "9223372036854775807",
                                 "-9223372036854775808", "1000000", ""])
    # Valid TTLs are spread out so that two servers whose clocks differ by a
    # millisecond never disagree on GT/LT between two relative times.
    ttl = lambda: rng.choice(["-5", "0", "abc"]) if rng.random() < 0.2 else str(rng.randint(100000, 10 ** 9))
    some_keys = lambda: [key() for _ in range(rng.randint(1, 3))]
    pairs = lambda: sum([[key(), value()] for _ in range(rng.randint(1, 3))], [])
    return [
        lambda: ["SET", key(), value()] + rng.choice([[], ["NX"], ["XX"], ["GET"], ["KEEPTTL"], ["EX", ttl()],
                                                      ["PX", ttl()], ["NX", "GET"], ["XX", "KEEPTTL"],
                                                      ["EXAT", "99999999999"], ["KEEPTTL", "EX", "5"]]),
        lambda: ["GET", key()], lambda: ["GETDEL", key()], lambda: ["GETSET", key(), value()],
        lambda: ["GETEX", key()] + rng.choice([[], ["PERSIST"], ["EX", ttl()], ["PX", ttl()],
                                               ["EXAT", "99999999999"], ["PXAT", "1"], ["EX"], ["FOO"]]),
        lambda: ["APPEND", key(), value()], lambda: ["STRLEN", key()],
        lambda: ["INCR", key()], lambda: ["DECR", key()],
        lambda: ["INCRBY", key(), number()], lambda: ["DECRBY", key(), number()],
        lambda: ["INCRBYFLOAT", key(), rng.choice(["1", "0.1", "-2.5", "abc", "1e3", "inf", "-0"])],
        lambda: ["GETRANGE", key(), number(), number()],
        lambda: ["SETRANGE", key(), rng.choice(["0", "1", "5", "-1", "abc"]), value()],
        lambda: ["MGET"] + some_keys(), lambda: ["MSET"] + pairs(), lambda: ["MSETNX"] + pairs(),
        lambda: ["SETNX", key(), value()], lambda: ["SETEX", key(), ttl(), value()],
        lambda: ["PSETEX", key(), ttl(), value()],
        lambda: ["DEL"] + some_keys(), lambda: ["UNLINK", key()], lambda: ["EXISTS"] + some_keys(),
        lambda: ["TYPE", key()], lambda: ["RENAME", key(), key()], lambda: ["RENAMENX", key(), key()],
        lambda: ["COPY", key(), key()] + rng.choice([[], ["REPLACE"], ["DB", "1"], ["DB", "1", "REPLACE"]]),
        lambda: ["MOVE", key(), rng.choice(["0", "1", "2"])], lambda: ["SELECT", rng.choice(["0", "1"])],
        lambda: ["EXPIRE", key(), ttl()] + rng.choice([[], ["NX"], ["XX"], ["GT"], ["LT"], ["NX", "GT"]]),
        lambda: ["PEXPIRE", key(), ttl()] + rng.choice([[], ["NX"], ["XX"], ["GT"], ["LT"]]),
        lambda: ["EXPIREAT", key(), rng.choice(["99999999999", "1", "abc"])],
        lambda: ["PEXPIREAT", key(), rng.choice(["99999999999999", "1"])],
        lambda: ["TTL", key()], lambda: ["PERSIST", key()], lambda: ["EXPIRETIME", key()],
        lambda: ["PEXPIRETIME", key()],
        lambda: ["OBJECT", "ENCODING", key()], lambda: ["OBJECT", "REFCOUNT", key()],
        lambda: ["KEYS", rng.choice(["*", "k?", "k[1-3]", "*1*"])], lambda: ["DBSIZE"],
        lambda: ["TOUCH", key()], lambda: ["SWAPDB", "0", "1"],
    ]


def normalised(reply, sort):
    if isinstance(reply, tuple):
        items = [normalised(item, sort) for item in reply[1]]
        return (reply[0], sorted(items, key=repr) if sort else items)
    return reply


def close_enough(arguments, expected, actual):
    """Times computed from each server's own clock differ by the time between
    the two servers receiving the command that set them: milliseconds on a
    loaded machine, so up to 100 ms (or 1 s once rounded to seconds)."""
    tolerance = {"PTTL": 100, "PEXPIRETIME": 100, "TTL": 1, "EXPIRETIME": 1}.get(arguments[0])
    if tolerance is None:
        return False
    try:
        return abs(int(expected[1:]) - int(actual[1:])) <= tolerance
    except (TypeError, ValueError):
        return False


def run(zkv, redis, seed, count):
    rng = random.Random(seed)
    generators = command_generators(rng)
    differences = 0
    for connection in (zkv, redis):
        connection.call(["FLUSHALL"])
        connection.call(["SELECT", "0"])
    for _ in range(count):
        arguments = rng.choice(generators)()
        expected, actual = redis.call(arguments), zkv.call(arguments)
        sort = arguments[0] == "KEYS"
        if normalised(expected, sort) == normalised(actual, sort) or close_enough(arguments, expected, actual):
            continue
        differences += 1
        if differences <= 10:
            print("DIFF %r\n  redis: %r\n  zkv:   %r" % (arguments, expected, actual))
    return differences


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zkv", default=os.environ.get("ZKV_SERVER", "build/zkv-server"))
    parser.add_argument("--redis", default=shutil.which("redis-server"))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--commands", type=int, default=5000)
    options = parser.parse_args()
    if not options.redis:
        print("redis-server not found: skipped")
        return 77
    processes = []
    try:
        zkv_process, zkv_socket = start([options.zkv], free_port())
        processes.append(zkv_process)
        redis_process, redis_socket = start([options.redis, "--daemonize", "no"], free_port())
        processes.append(redis_process)
        zkv, redis = Connection(zkv_socket), Connection(redis_socket)
        total = sum(run(zkv, redis, seed, options.commands) for seed in range(1, options.seeds + 1))
        print("%d seeds x %d commands: %d differences" % (options.seeds, options.commands, total))
        return 0 if total == 0 else 1
    finally:
        for process in processes:
            process.kill()
            process.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
