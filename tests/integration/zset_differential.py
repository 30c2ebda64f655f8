#!/usr/bin/env python3
"""zset_differential: random sorted-set commands sent to zkv and to
redis-server 7.0 side by side, in RESP2 and RESP3; every reply must be
byte-identical.

Both servers are started here on free ports of 127.0.0.1 and killed by PID at
the end.  A few keys and a small member pool make commands collide; scores
come from the values whose parsing and printing differ most between
implementations (-0, 0x10, " 1", 1e308, 4.9e-324, inf, nan, 1e400...).
Every other seed lowers zset-max-listpack-entries on both servers so the
big encoding and its conversions are exercised as much as the packed one.
Replies that Redis itself randomises (ZRANDMEMBER with a count below the
size, ZSCAN of a big set) are not generated.
Then scripted two- and three-connection scenarios for BZPOPMIN, BZPOPMAX and
BZMPOP (list_differential's runner): serving order, timeouts, RESP3 shapes,
MULTI, a key retyped while clients wait, argument errors.
Exit 0 when identical, 1 on differences, 77 (skipped) without redis-server.

Usage: zset_differential.py [--zkv PATH] [--redis PATH] [--seeds N] [--commands N]
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
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
            return process
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("could not start " + argv[0])


def read_reply(stream):
    """The raw bytes of one RESP2/RESP3 reply (aggregates nested as tuples)."""
    line = stream.readline()
    if not line:
        raise RuntimeError("connection closed")
    kind = line[:1]
    if kind in (b"$", b"=", b"!"):
        length = int(line[1:-2])
        return line if length < 0 else line + stream.read(length + 2)
    if kind in (b"*", b"~", b">"):
        count = int(line[1:-2])
        return (line, [read_reply(stream) for _ in range(max(count, 0))])
    if kind == b"%":
        count = int(line[1:-2])
        return (line, [read_reply(stream) for _ in range(2 * count)])
    return line


class Connection:
    def __init__(self, port, protocol):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.stream = self.sock.makefile("rb")
        if protocol == 3:
            self.call(["HELLO", "3"])

    def call(self, arguments):
        self.sock.sendall(encode(arguments))
        return read_reply(self.stream)


SCORES = ["0", "1", "-1", "2", "2.5", "-2.5", "0.1", "1e308", "-1e308", "4.9e-324", "-0", "0x10", " 1", "inf",
          "-inf", "+inf", "3.0000000000000004", "123456789012345678", "1e17", "nan", "abc", "1e400", "", "5",
          "7", "1.5e-7", "-3"]


def generators(rng, keys, lex_keys, small):
    members = ["a", "b", "c", "d", "e", "f", "g", "aa", "ab", "", "0", "10", "-5", "x" * 70, "m:%d" % 1]
    members += ["m%02d" % i for i in range(40)]
    key = lambda: rng.choice(keys)
    # Lex ranges are defined only on members of equal scores (Redis's result
    # on mixed scores depends on its skiplist's random levels): own keys.
    lex_key = lambda: rng.choice(lex_keys)
    member = lambda: rng.choice(members)
    score = lambda: rng.choice(SCORES) if rng.random() < 0.3 else str(rng.randint(-5, 5))

    def bound():
        r = rng.random()
        if r < 0.15:
            return rng.choice(["-inf", "+inf", "inf", "(-inf", "(inf", "x", "(", "nan", "", " 2"])
        value = rng.choice(["1", "2", "-1", "0", "2.5", "3", "-3", "5", "0x2"])
        return ("(" if rng.random() < 0.3 else "") + value

    def lex():
        r = rng.random()
        if r < 0.2:
            return rng.choice(["-", "+", "a", "", "(", "["])
        return rng.choice(["(", "["]) + member()

    def index():
        return str(rng.randint(-8, 8)) if rng.random() < 0.95 else rng.choice(["x", "1.5", "99999999999999999999"])

    def limit():
        if rng.random() < 0.6:
            return []
        return ["LIMIT", str(rng.randint(-1, 4)), str(rng.randint(-2, 5))]

    def zadd():
        options = [o for o in ["NX", "XX", "GT", "LT", "CH", "INCR"] if rng.random() < 0.15]
        rng.shuffle(options)
        pairs = []
        for _ in range(1 if "INCR" in options and rng.random() < 0.9 else rng.randint(1, 6)):
            pairs += [score(), member()]
        if rng.random() < 0.03:
            pairs = pairs[:-1]
        return ["ZADD", key()] + options + pairs

    def zrange():
        by = rng.choice([[], [], ["BYSCORE"], ["BYLEX"]])
        k = lex_key() if by == ["BYLEX"] else key()
        if by == ["BYSCORE"]:
            low, high = bound(), bound()
        elif by == ["BYLEX"]:
            low, high = lex(), lex()
        else:
            low, high = index(), index()
        extra = by + (["REV"] if rng.random() < 0.4 else []) + limit()
        if rng.random() < 0.5:
            extra.append("WITHSCORES")
        rng.shuffle(extra)
        return ["ZRANGE", k, low, high] + extra

    def withscores():
        return ["WITHSCORES"] if rng.random() < 0.5 else []

    return [
        (20, zadd),
        (4, lambda: ["ZINCRBY", key(), score(), member()]),
        (6, lambda: ["ZREM", key()] + [member() for _ in range(rng.randint(1, 4))]),
        (3, lambda: ["ZCARD", key()]),
        (5, lambda: ["ZSCORE", key(), member()]),
        (3, lambda: ["ZMSCORE", key()] + [member() for _ in range(rng.randint(1, 4))]),
        (4, lambda: [rng.choice(["ZRANK", "ZREVRANK"]), key(), member()]),
        (4, lambda: ["ZCOUNT", key(), bound(), bound()]),
        (3, lambda: ["ZLEXCOUNT", lex_key(), lex(), lex()]),
        (6, lambda: ["ZADD", lex_key()] + sum([["0", member()] for _ in range(rng.randint(1, 5))], [])),
        (2, lambda: ["ZREM", lex_key(), member()]),
        (4, lambda: ["ZRANGE", lex_key(), lex(), lex(), "BYLEX"] + (["REV"] if rng.random() < 0.4 else [])
         + limit()),
        (12, zrange),
        (3, lambda: ["ZRANGESTORE", key(), key(), index(), index()] + rng.choice(
            [[], ["REV"], ["BYSCORE"], ["BYLEX"]]) + limit()),
        (4, lambda: [rng.choice(["ZRANGEBYSCORE", "ZREVRANGEBYSCORE"]), key(), bound(), bound()] + withscores()
         + limit()),
        (3, lambda: [rng.choice(["ZRANGEBYLEX", "ZREVRANGEBYLEX"]), lex_key(), lex(), lex()] + limit()),
        (3, lambda: ["ZREVRANGE", key(), index(), index()] + withscores()),
        (2, lambda: ["ZREMRANGEBYRANK", key(), index(), index()]),
        (2, lambda: ["ZREMRANGEBYSCORE", key(), bound(), bound()]),
        (2, lambda: ["ZREMRANGEBYLEX", lex_key(), lex(), lex()]),
        (3, lambda: [rng.choice(["ZPOPMIN", "ZPOPMAX"]), key()] + rng.choice(
            [[], [str(rng.randint(0, 4))], ["-1"], ["x"], ["1", "2"]])),
        (2, lambda: ["ZMPOP", str(rng.randint(0, 3)), key(), key(), rng.choice(["MIN", "MAX", "MID"])]
         + rng.choice([[], ["COUNT", str(rng.randint(0, 3))], ["COUNT"], ["COUNT", "x"]])),
        (1, lambda: ["ZRANDMEMBER", key(), rng.choice(["1000", "0", "x", "-9223372036854775808"])] + withscores()),
        (1, lambda: ["ZSCAN", key(), "0", "COUNT", "1000"] + rng.choice([[], ["MATCH", "m1*"], ["MATCH", "*"]])),
        (1, lambda: ["SET", "str", "x"]),
        (1, lambda: [rng.choice(["ZADD", "ZRANGE", "ZSCORE", "ZCARD"]), "str", "1", "2"]),
        (1, lambda: ["DEL", key()]),
        (1, lambda: ["OBJECT", "ENCODING", key()]),
        (2, lambda: [rng.choice(["ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"]), key(), "2", key(), key()]
         + rng.choice([[], ["WEIGHTS", "2", "-1"], ["AGGREGATE", rng.choice(["MIN", "MAX", "SUM"])]])),
        (2, lambda: [rng.choice(["ZUNION", "ZINTER", "ZDIFF"]), "2", key(), key()] + withscores()),
        (1, lambda: ["ZINTERCARD", "2", key(), key()] + rng.choice([[], ["LIMIT", str(rng.randint(0, 3))]])),
    ]


def normalised_scan(reply):
    if not isinstance(reply, tuple):
        return reply
    header, (cursor, (elements_header, elements)) = reply
    pairs = sorted(zip(elements[0::2], elements[1::2]))
    return header, cursor, elements_header, pairs


def run(zkv_port, redis_port, seed, count, small):
    rng = random.Random(seed)
    differences = 0
    connections = [(Connection(zkv_port, p), Connection(redis_port, p)) for p in (2, 3)]
    zkv2, redis2 = connections[0]
    for connection in connections[0]:
        connection.call(["FLUSHALL"])
        connection.call(["CONFIG", "SET", "zset-max-listpack-entries", "4" if small else "128"])
    keys = ["z%d" % i for i in range(4)]
    lex_keys = ["l0", "l1"]
    table = generators(rng, keys, lex_keys, small)
    weights = [w for w, _ in table]
    for step in range(count):
        arguments = rng.choices(table, weights)[0][1]()
        zkv, redis = rng.choice(connections)
        expected = redis.call(arguments)
        actual = zkv.call(arguments)
        if arguments[0] == "ZSCAN":  # a big set's order is its hash table's
            expected, actual = normalised_scan(expected), normalised_scan(actual)
        if expected != actual:
            differences += 1
            if differences <= 10:
                print("seed %d step %d: %r\n  redis: %r\n  zkv:   %r" % (seed, step, arguments, expected, actual))
        if step % int(os.environ.get("ZSET_DIFF_DUMP_EVERY", "50")) == 0:
            for k in keys + lex_keys:
                dump = ["ZRANGE", k, "0", "-1", "WITHSCORES"]
                expected, actual = redis2.call(dump), zkv2.call(dump)
                if expected != actual:
                    differences += 1
                    if differences <= 10:
                        print("seed %d step %d: contents of %s differ after %r\n  redis: %r\n  zkv:   %r"
                              % (seed, step, k, arguments, expected, actual))
    return differences


BLOCKING_SCENARIOS = {
    "bzpop-immediate-shapes": [
        (1, ["ZADD", "z", "1", "a", "2", "b", "3", "c"]), (0, ["BZPOPMIN", "none", "z", "0"]),
        (0, ["BZPOPMAX", "z", "0"]), (0, ["BZMPOP", "0", "2", "none", "z", "MIN", "COUNT", "5"])],
    "bzpop-immediate-shapes-resp3": [
        (0, ["HELLO", "3"]), (1, ["ZADD", "z", "1.5", "a", "2", "b", "3", "c", "inf", "d"]),
        (0, ["BZPOPMIN", "z", "0"]), (0, ["BZPOPMAX", "z", "0"]), (0, ["BZMPOP", "0", "1", "z", "MAX", "COUNT", "1"]),
        (0, ["BZMPOP", "0", "1", "z", "MIN"])],
    "bzpop-served-fifo": [
        (0, ["BZPOPMIN", "q", "0"]), (1, ["BZPOPMAX", "q", "0"]), (2, ["ZADD", "q", "1", "a", "2", "b", "3", "c"]),
        (2, ["ZRANGE", "q", "0", "-1", "WITHSCORES"])],
    "bzpop-served-resp3": [
        (0, ["HELLO", "3"]), (0, ["BZPOPMAX", "q", "0"]), (1, ["HELLO", "3"]),
        (1, ["BZMPOP", "0", "1", "q", "MIN", "COUNT", "10"]), (2, ["ZADD", "q", "1", "a", "2", "b", "-0.5", "c"]),
        (2, ["EXISTS", "q"])],
    "bzmpop-count-empties-key": [
        (0, ["BZMPOP", "0", "2", "a", "b", "MAX", "COUNT", "2"]), (1, ["BZPOPMIN", "b", "2"]),
        (2, ["ZADD", "b", "1", "x", "2", "y"]), (2, ["EXISTS", "b"]), ("sleep", 2.2)],
    "first-key-with-data-wins": [
        (0, ["BZPOPMIN", "k1", "k2", "k3", "0"]), (1, ["ZADD", "k3", "1", "c"]), (1, ["ZADD", "k2", "1", "b"]),
        (1, ["ZCARD", "k2"])],
    "existing-data-in-key-order": [
        (1, ["ZADD", "k2", "1", "x"]), (1, ["ZADD", "k3", "1", "y"]), (0, ["BZPOPMAX", "k1", "k3", "k2", "1"])],
    "wrongtype-reached-first": [
        (1, ["SET", "s", "v"]), (0, ["BZPOPMIN", "s", "z", "1"]), (1, ["ZADD", "z", "1", "a"]),
        (0, ["BZPOPMIN", "z", "s", "1"]), (0, ["BZMPOP", "1", "2", "s", "z", "MIN"]),
        (1, ["RPUSH", "l", "a"]), (0, ["BZMPOP", "1", "2", "none", "l", "MIN"])],
    "type-change-while-waiting": [
        (0, ["BZPOPMIN", "k", "0"]), (1, ["RPUSH", "k", "v"]), (1, ["DEL", "k"]), (1, ["SET", "k", "s"]),
        (1, ["DEL", "k"]), (1, ["ZADD", "k", "1", "m"])],
    "list-and-zset-waiters-on-one-key": [
        (0, ["BLPOP", "k", "0"]), (1, ["BZPOPMIN", "k", "0"]), (2, ["ZADD", "k", "1", "m"]),
        (2, ["RPUSH", "other", "x"]), (2, ["RENAME", "other", "k"])],
    "timeout-null": [
        (0, ["BZPOPMIN", "none", "0.05"]), ("sleep", 0.2), (0, ["BZMPOP", "0.05", "1", "none", "MAX"]),
        ("sleep", 0.2)],
    "timeout-null-resp3": [
        (0, ["HELLO", "3"]), (0, ["BZPOPMAX", "none", "0.05"]), ("sleep", 0.2),
        (0, ["BZMPOP", "0.05", "1", "none", "MIN", "COUNT", "2"]), ("sleep", 0.2)],
    "multi-does-not-block": [
        (0, ["MULTI"]), (0, ["BZPOPMIN", "none", "0"]), (0, ["BZPOPMAX", "none", "0"]),
        (0, ["BZMPOP", "0", "1", "none", "MIN"]), (0, ["EXEC"]), (0, ["HELLO", "3"]), (0, ["MULTI"]),
        (0, ["BZPOPMIN", "none", "0"]), (0, ["BZMPOP", "0", "1", "none", "MIN"]), (0, ["EXEC"])],
    "served-after-exec": [
        (0, ["BZPOPMIN", "m1", "0"]), (1, ["MULTI"]), (1, ["ZADD", "m1", "1", "x"]), (1, ["ZPOPMIN", "m1"]),
        (1, ["ZADD", "m1", "2", "z"]), (1, ["EXEC"]), (1, ["EXISTS", "m1"])],
    "argument-errors": [
        (0, ["BZPOPMIN", "z", "abc"]), (0, ["BZPOPMIN", "z", "-1"]), (0, ["BZPOPMAX", "z", "inf"]),
        (0, ["BZPOPMIN", "z", "1e400"]), (0, ["BZMPOP", "abc", "0", "z", "MIN"]), (0, ["BZMPOP", "-1", "1", "z", "MIN"]),
        (0, ["BZMPOP", "0", "1", "z", "foo"]), (0, ["BZMPOP", "0", "2", "z", "MIN"]),
        (0, ["BZMPOP", "0", "1", "z", "MIN", "COUNT", "0"]), (0, ["BZMPOP", "0", "1", "z", "MIN", "COUNT", "1", "COUNT", "2"]),
        (0, ["BZMPOP", "0", "1", "z", "MIN", "COUNT"]), (0, ["BZPOPMIN", "z"]), (0, ["BZMPOP", "0", "1", "z"])],
    "zunionstore-serves": [
        (0, ["BZPOPMAX", "dst", "0"]), (1, ["ZADD", "src", "1", "a", "2", "b"]),
        (1, ["ZUNIONSTORE", "dst", "1", "src"]), (1, ["ZRANGE", "dst", "0", "-1"])],
    "client-unblock": [
        (0, ["CLIENT", "ID"]), (0, ["BZPOPMIN", "u", "0"]), (1, ["CLIENT", "UNBLOCK", "$ID0", "ERROR"]),
        (0, ["BZMPOP", "0", "1", "u", "MIN"]), (1, ["CLIENT", "UNBLOCK", "$ID0"])],
    "duplicate-keys": [(0, ["BZPOPMIN", "d", "d", "0"]), (1, ["ZADD", "d", "1", "a", "2", "b"]), (1, ["ZCARD", "d"])],
}


def run_blocking(zkv_port, redis_port):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from list_differential import run_scenario
    differences = 0
    for name, steps in BLOCKING_SCENARIOS.items():
        expected, actual = run_scenario(redis_port, steps), run_scenario(zkv_port, steps)
        if expected != actual:
            differences += 1
            print("SCENARIO %s differs\n  redis: %r\n  zkv:   %r" % (name, expected, actual))
    print("%d blocking scenarios: %d differ" % (len(BLOCKING_SCENARIOS), differences))
    return differences


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zkv", default=os.environ.get("ZKV_SERVER", "build/zkv-server"))
    parser.add_argument("--redis", default=shutil.which("redis-server"))
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--commands", type=int, default=6000)
    arguments = parser.parse_args()
    if not arguments.redis:
        print("redis-server not found: skipped")
        return 77
    zkv_port, redis_port = free_port(), free_port()
    zkv = start([arguments.zkv], zkv_port)
    redis = start([arguments.redis, "--appendonly", "no"], redis_port)
    try:
        differences = 0
        for seed in range(arguments.seeds):
            differences += run(zkv_port, redis_port, seed, arguments.commands, seed % 2 == 1)
        differences += run_blocking(zkv_port, redis_port)
    finally:
        zkv.kill()
        redis.kill()
        zkv.wait()
        redis.wait()
    print("%d differences" % differences)
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
