#!/usr/bin/env python3
"""collections_differential: random hash and set commands sent to zkv and
to redis-server 7.0 side by side, in RESP2 and RESP3; replies must match.

Both servers are started on free ports of 127.0.0.1 and killed by PID at the
end.  Keys, fields and members come from small pools so commands collide;
half of the seeds lower the encoding thresholds (CONFIG SET) so collections
cross them often, and values longer than hash-max-listpack-value and
non-integer members force the conversions; deletions then shrink converted
collections (zkv, like Redis, never converts back).  Wrong types, wrong
arity, bad numbers and NaN/inf increments are in the stream.

Comparison: byte for byte, except
  - replies whose order is a table's order (SMEMBERS, SINTER, SUNION, SDIFF,
    HGETALL/HKEYS/HVALS of a hashtable-encoded hash) are compared sorted;
  - random replies (SPOP, SRANDMEMBER, HRANDFIELD) by shape: length,
    distinctness, and membership in the collection as redis-server holds
    it; after SPOP the members each server popped are swapped back in so
    both hold the same set again;
  - HSCAN/SSCAN are run to cursor 0 on each server and the elements
    gathered compared as sets (cursors are the implementation's own).
Exit 0 when identical, 1 on differences, 77 (skipped) without redis-server.

Usage: collections_differential.py [--zkv PATH] [--redis PATH] [--seeds N] [--commands N]
"""
import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from keyspace_differential import encode, free_port  # noqa: E402  (one copy of the shared helpers)


def start(argv, port, deadline_seconds=10):
    process = subprocess.Popen(argv + ["--port", str(port), "--bind", "127.0.0.1", "--save", ""],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + deadline_seconds
    while time.time() < deadline:
        try:
            return process, socket.create_connection(("127.0.0.1", port), timeout=10)
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("could not start " + argv[0])


AGGREGATES = {b"*": 1, b"~": 1, b">": 1, b"%": 2, b"|": 2}


def read_reply(stream):
    """A reply as the raw header line for scalars (bulk payload appended) or
    (header, [children]) for aggregates, so comparisons see the RESP type."""
    line = stream.readline()
    if not line:
        raise RuntimeError("connection closed")
    kind = line[:1]
    if kind in (b"$", b"="):
        length = int(line[1:-2])
        return line if length < 0 else line + stream.read(length + 2)
    if kind in AGGREGATES:
        count = int(line[1:-2])
        return (line, [read_reply(stream) for _ in range(max(count, 0) * AGGREGATES[kind])])
    return line


class Connection:
    def __init__(self, sock):
        self.sock = sock
        self.stream = sock.makefile("rb")

    def call(self, arguments):
        self.sock.sendall(encode(arguments))
        return read_reply(self.stream)


def bulk_text(reply):
    """The text of a bulk reply (None for a null)."""
    if not isinstance(reply, bytes) or reply[:1] != b"$" or reply.startswith(b"$-1"):
        return None
    return reply.split(b"\r\n", 1)[1][:-2]


def children(reply):
    return reply[1] if isinstance(reply, tuple) else []


def sorted_reply(reply, pairs=False):
    if not isinstance(reply, tuple):
        return reply
    items = reply[1]
    if pairs:
        grouped = sorted(zip(items[0::2], items[1::2]), key=repr)
        return (reply[0], [x for pair in grouped for x in pair])
    return (reply[0], sorted(items, key=repr))


class Stream:
    def __init__(self, rng, small_thresholds):
        self.rng = rng
        self.keys = ["h%d" % i for i in range(4)] + ["s%d" % i for i in range(5)] + ["str"]
        self.fields = ["f%d" % i for i in range(24 if small_thresholds else 40)] + ["", "1", "-2", "007"]
        self.members = [str(i) for i in range(-3, 30)] + ["a", "b", "c", "007", "-0", "1.5", "x" * 20,
                                                          "9223372036854775807", "9223372036854775808"]
        self.values = ["", "0", "1", "-1", "12", "007", "3.5", "-0", "abc", "1e3", "0x10", " 1",
                       "9223372036854775807", "-9223372036854775808", "inf", "nan", "v" * 15, "w" * 16,
                       "y" * 70]

    def key(self):
        return self.rng.choice(self.keys)

    def hkey(self):
        return self.rng.choice(self.keys[:4] + ["str", "s0"])

    def skey(self):
        return self.rng.choice(self.keys[4:9] + ["str", "h0"])

    def field(self):
        return self.rng.choice(self.fields)

    def value(self):
        return self.rng.choice(self.values)

    def member(self):
        return self.rng.choice(self.members)

    def count(self):
        return self.rng.choice(["0", "1", "2", "3", "5", "10", "40", "-1", "-3", "-40", "x", "1.5",
                                "-9223372036854775808", "9223372036854775807", "4611686018427387904"])

    def increment(self):
        return self.rng.choice(["1", "-1", "10", "0", "9223372036854775807", "-9223372036854775808", "x",
                                "1.5", "-0.25", "inf", "-inf", "nan", "1e308", "", "3.0e-2"])

    def generate(self):
        r = self.rng
        choices = [
            (8, lambda: ["HSET", self.hkey()] + [x for _ in range(r.randint(1, 3)) for x in (self.field(), self.value())]),
            (2, lambda: ["HMSET", self.hkey(), self.field(), self.value()]),
            (2, lambda: ["HSETNX", self.hkey(), self.field(), self.value()]),
            (3, lambda: ["HGET", self.hkey(), self.field()]),
            (2, lambda: ["HMGET", self.hkey()] + [self.field() for _ in range(r.randint(1, 3))]),
            (4, lambda: ["HDEL", self.hkey()] + [self.field() for _ in range(r.randint(1, 4))]),
            (2, lambda: ["HLEN", self.hkey()]),
            (2, lambda: ["HSTRLEN", self.hkey(), self.field()]),
            (2, lambda: ["HEXISTS", self.hkey(), self.field()]),
            (3, lambda: ["HINCRBY", self.hkey(), self.field(), self.increment()]),
            (3, lambda: ["HINCRBYFLOAT", self.hkey(), self.field(), self.increment()]),
            (2, lambda: ["HKEYS", self.hkey()]),
            (2, lambda: ["HVALS", self.hkey()]),
            (3, lambda: ["HGETALL", self.hkey()]),
            (3, lambda: ["HRANDFIELD", self.hkey()] + r.choice([[], [self.count()], [self.count(), "WITHVALUES"],
                                                                [self.count(), "x"], ["1", "withvalues", "x"]])),
            (2, lambda: ["HSCAN", self.hkey(), r.choice(["0", "0", "x"])] + self.scan_options()),
            (8, lambda: ["SADD", self.skey()] + [self.member() for _ in range(r.randint(1, 4))]),
            (4, lambda: ["SREM", self.skey()] + [self.member() for _ in range(r.randint(1, 4))]),
            (2, lambda: ["SISMEMBER", self.skey(), self.member()]),
            (2, lambda: ["SMISMEMBER", self.skey()] + [self.member() for _ in range(r.randint(1, 3))]),
            (2, lambda: ["SCARD", self.skey()]),
            (3, lambda: ["SMEMBERS", self.skey()]),
            (3, lambda: ["SPOP", self.skey()] + r.choice([[], [self.count()], ["1", "2"]])),
            (3, lambda: ["SRANDMEMBER", self.skey()] + r.choice([[], [self.count()], ["1", "2"]])),
            (2, lambda: ["SMOVE", self.skey(), self.skey(), self.member()]),
            (2, lambda: ["SINTER"] + [self.skey() for _ in range(r.randint(1, 3))]),
            (2, lambda: ["SINTERCARD", r.choice(["1", "2", "3", "0", "x", "-1"])] +
             [self.skey() for _ in range(r.randint(1, 3))] + r.choice([[], ["LIMIT", r.choice(["0", "1", "2", "-1", "x"])], ["LIMIT"], ["x"]])),
            (2, lambda: ["SUNION"] + [self.skey() for _ in range(r.randint(1, 3))]),
            (2, lambda: ["SDIFF"] + [self.skey() for _ in range(r.randint(1, 3))]),
            (1, lambda: ["SINTERSTORE", self.skey()] + [self.skey() for _ in range(r.randint(1, 3))]),
            (1, lambda: ["SUNIONSTORE", self.skey()] + [self.skey() for _ in range(r.randint(1, 3))]),
            (1, lambda: ["SDIFFSTORE", self.skey()] + [self.skey() for _ in range(r.randint(1, 3))]),
            (2, lambda: ["SSCAN", self.skey(), r.choice(["0", "0", "x"])] + self.scan_options()),
            (3, lambda: ["OBJECT", "ENCODING", self.key()]),
            (2, lambda: ["TYPE", self.key()]),
            (1, lambda: ["EXISTS", self.key()]),
            (1, lambda: ["DEL", self.key()]),
            (1, lambda: ["UNLINK", self.key()]),
            (1, lambda: ["RENAME", self.key(), self.key()]),
            (1, lambda: ["COPY", self.key(), self.key()] + r.choice([[], ["REPLACE"]])),
            (1, lambda: ["SET", "str", self.value()]),
            (1, lambda: ["GET", self.key()]),
            (1, lambda: r.choice([["HSET", self.hkey(), "f"], ["HGET", self.hkey()], ["SADD", self.skey()],
                                  ["HMSET", self.hkey(), "a", "b", "c"], ["SPOP"], ["HINCRBY", self.hkey(), "f"],
                                  ["SMOVE", "a", "b"], ["SINTERCARD"], ["HSCAN", self.hkey()]])),
        ]
        total = sum(weight for weight, _ in choices)
        pick = r.uniform(0, total)
        for weight, make in choices:
            pick -= weight
            if pick <= 0:
                return make()
        return choices[-1][1]()

    def scan_options(self):
        return self.rng.choice([[], ["COUNT", "2"], ["MATCH", "f1*"], ["MATCH", "*1*", "COUNT", "3"],
                                ["COUNT", "0"], ["COUNT", "x"], ["TYPE", "hash"], ["MATCH"]])


class Run:
    def __init__(self, zkv, redis, zkv_side, redis_side):
        self.zkv, self.redis = zkv, redis
        self.zkv_side, self.redis_side = zkv_side, redis_side
        self.differences = 0

    def report(self, arguments, expected, actual, why=""):
        self.differences += 1
        if self.differences <= 12:
            print("DIFF %s %r\n  redis: %r\n  zkv:   %r" % (why, arguments, expected, actual))

    def content(self, key):
        """The collection at key as redis-server holds it: a set of members,
        or a dict of fields, or None for another type."""
        kind = self.redis_side.call(["TYPE", key])
        if kind == b"+set\r\n":
            return set(bulk_text(x) for x in children(self.redis_side.call(["SMEMBERS", key])))
        if kind == b"+hash\r\n":
            items = [bulk_text(x) for x in children(self.redis_side.call(["HGETALL", key]))]
            return dict(zip(items[0::2], items[1::2]))
        return None

    def flat(self, reply):
        out = []
        for child in children(reply):
            if isinstance(child, tuple):
                out.extend(self.flat(child))
            else:
                out.append(bulk_text(child))
        return out

    def random_command(self, arguments, resp3):
        name = arguments[0]
        before = self.content(arguments[1])
        expected, actual = self.redis.call(arguments), self.zkv.call(arguments)
        if not isinstance(expected, tuple) or not isinstance(actual, tuple):
            if not isinstance(expected, tuple) and not isinstance(actual, tuple):
                single = bulk_text(expected) is not None and bulk_text(actual) is not None
                if single and name != "SPOP":
                    if bulk_text(actual) not in before:
                        self.report(arguments, expected, actual, "(not a member)")
                elif single and name == "SPOP":
                    if bulk_text(actual) not in before:
                        self.report(arguments, expected, actual, "(not a member)")
                    self.resync_pop(arguments[1], [bulk_text(expected)], [bulk_text(actual)])
                elif expected != actual:
                    self.report(arguments, expected, actual)
            else:
                self.report(arguments, expected, actual)
            return
        if expected[0] != actual[0] or len(expected[1]) != len(actual[1]):
            self.report(arguments, expected, actual, "(shape)")
            return
        with_values = name == "HRANDFIELD" and len(arguments) == 4
        picked = self.flat(actual)
        fields = picked[0::2] if with_values else picked
        for i, field in enumerate(fields):
            if before is None or field not in before or (with_values and before[field] != picked[2 * i + 1]):
                self.report(arguments, expected, actual, "(not a member)")
                return
        count = int(arguments[2]) if len(arguments) > 2 else 1
        if count > 0 and len(set(fields)) != len(fields):
            self.report(arguments, expected, actual, "(repeats)")
        if with_values and resp3 and any(not isinstance(x, tuple) for x in actual[1]):
            self.report(arguments, expected, actual, "(pairs)")
        if name == "SPOP":
            self.resync_pop(arguments[1], self.flat(expected), picked)

    def resync_pop(self, key, redis_popped, zkv_popped):
        """Gives zkv back what it popped and takes what redis-server popped,
        so both hold the same set again."""
        if sorted(redis_popped) == sorted(zkv_popped):
            return
        self.zkv_side.call(["SADD", key] + zkv_popped)
        self.zkv_side.call(["SREM", key] + redis_popped)

    def full_scan(self, connection, arguments):
        cursor, seen, pairs = b"0", set(), arguments[0] == "HSCAN"
        for _ in range(100000):
            reply = connection.call([arguments[0], arguments[1], cursor] + arguments[3:])
            if not isinstance(reply, tuple):
                return reply
            cursor = bulk_text(reply[1][0])
            items = [bulk_text(x) for x in children(reply[1][1])]
            seen.update(zip(items[0::2], items[1::2]) if pairs else items)
            if cursor == b"0":
                return sorted(seen)
        return "no end"

    def compare(self, arguments, resp3):
        name = arguments[0]
        random_reply = (name in ("SPOP", "SRANDMEMBER", "HRANDFIELD") and len(arguments) >= 2 and
                        len(arguments) <= 4)
        if random_reply:
            self.random_command(arguments, resp3)
            return
        if name in ("HSCAN", "SSCAN") and len(arguments) >= 3 and arguments[2] == "0":
            expected, actual = self.full_scan(self.redis, arguments), self.full_scan(self.zkv, arguments)
            if expected != actual:
                self.report(arguments, expected, actual)
            return
        encoding = None
        if name in ("HGETALL", "HKEYS", "HVALS") and len(arguments) == 2:
            encoding = self.redis_side.call(["OBJECT", "ENCODING", arguments[1]])
        expected, actual = self.redis.call(arguments), self.zkv.call(arguments)
        if name in ("SMEMBERS", "SINTER", "SUNION", "SDIFF") or (encoding and b"hashtable" in encoding):
            expected = sorted_reply(expected, pairs=name == "HGETALL" and not resp3)
            actual = sorted_reply(actual, pairs=name == "HGETALL" and not resp3)
            if resp3 and name == "HGETALL":
                expected = sorted_reply(expected, pairs=True)
                actual = sorted_reply(actual, pairs=True)
        if expected != actual:
            self.report(arguments, expected, actual)


def run(connections, seed, count):
    rng = random.Random(seed)
    small = seed % 2 == 0
    resp3 = seed % 4 >= 2
    zkv, redis, zkv_side, redis_side = connections
    for connection in connections:
        connection.call(["FLUSHALL"])
        connection.call(["HELLO", "2"])
        for name, default, lowered in (("hash-max-listpack-entries", "512", "8"),
                                       ("hash-max-listpack-value", "64", "16"),
                                       ("set-max-intset-entries", "512", "8")):
            connection.call(["CONFIG", "SET", name, lowered if small else default])
    if resp3:
        zkv.call(["HELLO", "3"])
        redis.call(["HELLO", "3"])
    stream = Stream(rng, small)
    checker = Run(zkv, redis, zkv_side, redis_side)
    for _ in range(count):
        checker.compare(stream.generate(), resp3)
    # Final state: every key's type, encoding and content.
    for key in stream.keys:
        for probe in (["TYPE", key], ["OBJECT", "ENCODING", key], ["SMEMBERS", key], ["HGETALL", key]):
            expected, actual = redis.call(probe), zkv.call(probe)
            if probe[0] in ("SMEMBERS", "HGETALL"):
                expected = sorted_reply(expected, pairs=probe[0] == "HGETALL")
                actual = sorted_reply(actual, pairs=probe[0] == "HGETALL")
            if expected != actual:
                checker.report(probe, expected, actual, "(final)")
    print("seed %d (%s thresholds, RESP%d): %d differences" % (seed, "small" if small else "default",
                                                               3 if resp3 else 2, checker.differences))
    return checker.differences


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zkv", default=os.environ.get("ZKV_SERVER", "build/zkv-server"))
    parser.add_argument("--redis", default=shutil.which("redis-server"))
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--commands", type=int, default=5000)
    options = parser.parse_args()
    if not options.redis:
        print("redis-server not found: skipped")
        return 77
    processes = []
    try:
        zkv_port, redis_port = free_port(), free_port()
        zkv_process, zkv_socket = start([options.zkv], zkv_port)
        processes.append(zkv_process)
        redis_process, redis_socket = start([options.redis, "--daemonize", "no"], redis_port)
        processes.append(redis_process)
        connections = (Connection(zkv_socket), Connection(redis_socket),
                       Connection(socket.create_connection(("127.0.0.1", zkv_port))),
                       Connection(socket.create_connection(("127.0.0.1", redis_port))))
        total = sum(run(connections, seed, options.commands) for seed in range(1, options.seeds + 1))
        print("%d seeds x %d commands: %d differences" % (options.seeds, options.commands, total))
        return 0 if total == 0 else 1
    finally:
        for process in processes:
            process.kill()
            process.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
