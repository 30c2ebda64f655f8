#!/usr/bin/env python3
"""hll_differential: random HyperLogLog command streams sent to zkv and to
redis-server 7.0 side by side, in RESP2 and RESP3; every reply, and the bytes
GET returns for each key, must be identical.

Both servers are started here on free ports of 127.0.0.1 and killed by PID at
the end.  The stream mixes PFADD (a few elements, or hundreds so values turn
dense), PFCOUNT of one or several keys (cached and stale cardinalities),
PFMERGE, PFDEBUG, GET/SET/DUMP/RESTORE moving values between keys, and
corrupted values: a byte of the value as Redis holds it flipped, the value
truncated or extended, a forged encoding byte or cache, run lengths that do
not add up.  Seeds alternate hll-sparse-max-bytes (3000, 200, 40, 0) so the
sparse to dense promotion happens at many sizes.
Exit 0 when identical, 1 on differences, 77 (skipped) without redis-server.

Usage: hll_differential.py [--zkv PATH] [--redis PATH] [--seeds N] [--commands N]
"""
import argparse
import os
import random
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from keyspace_differential import free_port  # noqa: E402
from zset_differential import Connection, start  # noqa: E402

SPARSE_LIMITS = ["3000", "200", "40", "0"]


def shown(expected, actual):
    """The two replies around their first differing byte."""
    if isinstance(expected, bytes) and isinstance(actual, bytes):
        at = next((i for i, (a, b) in enumerate(zip(expected, actual)) if a != b), min(len(expected), len(actual)))
        start = max(0, at - 40)
        return "(from byte %d of %d/%d) %r" % (start, len(expected), len(actual), expected[start:at + 40]), \
            repr(actual[start:at + 40])
    return repr(expected)[:300], repr(actual)[:300]


def bulk_value(reply):
    """The payload of a bulk-string reply, or None."""
    if isinstance(reply, bytes) and reply[:1] == b"$" and not reply.startswith(b"$-1"):
        header_end = reply.index(b"\r\n")
        return reply[header_end + 2:-2]
    return None


def ends_in_half_xzero(data):
    """True when the last sparse opcode is an XZERO missing its second byte:
    Redis then reads the byte past the string's end, which is whatever its
    allocation held there (zkv reads 0), so such values are not compared."""
    if len(data) < 16 or data[:4] != b"HYLL" or data[4] != 1:
        return False
    position = 16
    while position < len(data):
        if data[position] & 0xc0 == 0x40:
            if position + 1 == len(data):
                return True
            position += 2
        else:
            position += 1
    return False


def corrupted(rng, value):
    while True:
        data = corrupted_once(rng, value)
        if not ends_in_half_xzero(data):
            return data


def corrupted_once(rng, value):
    choice = rng.randrange(8)
    data = bytearray(value)
    if choice == 0 and data:
        position = rng.randrange(len(data))
        data[position] ^= 1 << rng.randrange(8)
    elif choice == 1 and len(data) > 16:
        data = data[:rng.randrange(16, len(data))]
    elif choice == 2:
        data += bytes(rng.randrange(256) for _ in range(rng.randint(1, 4)))
    elif choice == 3 and len(data) > 4:
        data[4] = rng.choice([0, 1, 2, 255])
    elif choice == 4 and len(data) >= 16:
        data[8:16] = bytes(rng.randrange(256) for _ in range(8))
    elif choice == 5 and len(data) > 16:
        position = rng.randrange(16, len(data))
        data[position] = rng.randrange(256)
    elif choice == 6:
        data = bytearray(b"HYLL\x01\x00\x00\x00" + bytes(8)) + bytes(rng.choice([0x40, 0x7f, 0x3f, 0x80, 0xff])
                                                                        for _ in range(rng.randint(0, 5)))
    else:
        data = bytearray(b"HYLL\x00" + bytes(11) + bytes(rng.randint(12280, 12300)))
    return bytes(data)


def run(zkv_port, redis_port, seed, count):
    rng = random.Random(seed)
    differences = 0
    connections = [(Connection(zkv_port, p), Connection(redis_port, p)) for p in (2, 3)]
    zkv2, redis2 = connections[0]
    limit = SPARSE_LIMITS[seed % len(SPARSE_LIMITS)]
    for connection in connections[0]:
        connection.call(["FLUSHALL"])
        connection.call(["CONFIG", "SET", "hll-sparse-max-bytes", limit])
    keys = ["h%d" % i for i in range(5)]
    pool = ["e%d" % i for i in range(300)] + ["", "a", "\x00\xff", "x" * 100]
    key = lambda: rng.choice(keys)

    def element():
        return rng.choice(pool) if rng.random() < 0.7 else str(rng.getrandbits(48))

    def pfadd():
        size = rng.choice([0, 1, 2, 5, 20, 300, 1500]) if rng.random() < 0.3 else rng.randint(1, 4)
        return ["PFADD", key()] + [element() for _ in range(size)]

    def corrupt():
        source = key()
        value = bulk_value(redis2.call(["GET", source]))
        if value is None:
            return ["PFADD", source, element()]
        return ["SET", key(), corrupted(rng, value)]

    def copy():
        value = bulk_value(redis2.call(["GET", key()]))
        return ["SET", key(), value] if value is not None else ["PFCOUNT", key()]

    table = [
        (25, pfadd),
        (12, lambda: ["PFCOUNT", key()]),
        (6, lambda: ["PFCOUNT"] + [key() for _ in range(rng.randint(2, 4))]),
        (6, lambda: ["PFMERGE", key()] + [key() for _ in range(rng.randint(0, 3))]),
        (4, corrupt),
        (3, copy),
        (2, lambda: ["PFDEBUG", rng.choice(["GETREG", "DECODE", "ENCODING", "TODENSE", "nope"]), key()]),
        (1, lambda: ["SET", key(), rng.choice(["abc", "12345", "HYLL", "x" * 40, "-9223372036854775808"])]),
        (1, lambda: ["RPUSH", "list", "a"]),
        (1, lambda: [rng.choice(["PFADD", "PFCOUNT", "PFMERGE"]), "list", "a"]),
        (1, lambda: ["PFCOUNT", key(), "list"]),
        (1, lambda: ["DEL", key()]),
        (2, lambda: ["OBJECT", "ENCODING", key()]),
        (2, lambda: ["STRLEN", key()]),
        (1, lambda: ["APPEND", key(), "z"]),
        (1, lambda: ["SETRANGE", key(), str(rng.randint(0, 20)), "\x80"]),
    ]
    weights = [w for w, _ in table]
    check_every = int(os.environ.get("HLL_DIFF_CHECK_EVERY", "10"))
    for step in range(count):
        arguments = rng.choices(table, weights)[0][1]()
        zkv, redis = rng.choice(connections)
        expected = redis.call(arguments)
        actual = zkv.call(arguments)
        if expected != actual:
            differences += 1
            if differences <= 10:
                print("seed %d step %d: %r\n  redis: %s\n  zkv:   %s"
                      % ((seed, step, [a[:60] for a in arguments[:8]]) + shown(expected, actual)))
        if arguments[0] in ("APPEND", "SETRANGE"):
            value = bulk_value(redis2.call(["GET", arguments[1]]))
            if value is not None and ends_in_half_xzero(value):
                for connection in (zkv2, redis2):
                    connection.call(["APPEND", arguments[1], "\x00"])
        if step % check_every == 0 or arguments[0] in ("PFMERGE", "PFDEBUG"):
            for k in keys:
                for probe in (["GET", k], ["DUMP", k]):
                    expected, actual = redis2.call(probe), zkv2.call(probe)
                    if expected != actual:
                        differences += 1
                        if differences <= 10:
                            print("seed %d step %d: %r differs after %r\n  redis: %s\n  zkv:   %s"
                                  % ((seed, step, probe, [a[:60] for a in arguments[:8]])
                                     + shown(expected, actual)))
    # A value moved by DUMP/RESTORE counts the same on both sides.
    for k in keys:
        payload = bulk_value(redis2.call(["DUMP", k]))
        if payload is None:
            continue
        for connection in (zkv2, redis2):
            connection.call(["RESTORE", k + ":restored", "0", payload, "REPLACE"])
        probe = ["PFCOUNT", k + ":restored"]
        expected, actual = redis2.call(probe), zkv2.call(probe)
        if expected != actual:
            differences += 1
            print("seed %d: RESTORE then %r\n  redis: %r\n  zkv:   %r" % (seed, probe, expected, actual))
    return differences


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zkv", default=os.environ.get("ZKV_SERVER", "build/zkv-server"))
    parser.add_argument("--redis", default=shutil.which("redis-server"))
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--commands", type=int, default=1500)
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
            differences += run(zkv_port, redis_port, seed, arguments.commands)
    finally:
        zkv.kill()
        redis.kill()
        zkv.wait()
        redis.wait()
    print("%d differences" % differences)
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
