#!/usr/bin/env python3
"""dump_differential: the same random commands build values in zkv and in
redis-server 7.0.15, then every key's DUMP payload is compared.

For each type, scenarios (seeded) cover its encodings and the settings that
change its bytes: strings (integers, LZF or not), hashes and sorted sets as
listpacks, intsets, sorted sets as skiplists (Redis writes them highest
score first), and lists (built at one end or both) under several
list-max-listpack-size values, list-compress-depth and rdbcompression
yes/no.  Payloads must be byte-identical (and Redis's, restored in zkv,
must dump to the same bytes again), except where Redis's bytes follow its
hash tables' order (hashtable hashes and sets): there the payloads must
have the same length and each server must RESTORE the other's to the
same contents.

Mixed list histories (random pushes at both ends, pops, LTRIM, LINSERT,
LSET with larger values, LREM, per scenario) must be byte-identical too:
zkv keeps the nodes Redis's quicklist would hold (lib/qshape.h).

Both servers are started on free ports of 127.0.0.1 and killed by PID.
Exit 0 when every comparison holds, 1 otherwise, 77 without redis-server.

Usage: dump_differential.py [--zkv PATH] [--redis PATH] [--seeds N]
"""
import argparse
import os
import random
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from keyspace_differential import Connection, free_port, start  # noqa: E402

FAILURES = []
COUNTS = {"identical": 0, "by contents": 0}


def bulk(reply):
    """The bytes of a bulk reply (None for a nil)."""
    head, _, rest = reply.partition(b"\r\n")
    if head == b"$-1":
        return None
    return rest[:-2]


def call_both(servers, *arguments):
    return [server.call([a if isinstance(a, bytes) else str(a) for a in arguments]) for server in servers]


def contents(connection, key, kind):
    if kind == "hash":
        reply = connection.call(["HGETALL", key])
        items = [bulk(r) for r in reply[1]]
        return sorted(zip(items[::2], items[1::2]))
    if kind == "set":
        return sorted(bulk(r) for r in connection.call(["SMEMBERS", key])[1])
    if kind == "list":
        return [bulk(r) for r in connection.call(["LRANGE", key, "0", "-1"])[1]]
    return connection.call(["DUMP", key])


def element(rng):
    return rng.choice([
        str(rng.randint(-200, 200)), str(rng.randint(-2 ** 40, 2 ** 40)), str(rng.randint(0, 10 ** 6)),
        "x" * rng.randint(0, 90), "item:%d" % rng.randint(0, 10 ** 4), "007", "",
        "ab" * rng.randint(10, 400), os.urandom(rng.randint(1, 40)).hex(),
        str(rng.randint(-2 ** 63, 2 ** 63 - 1)), "%d.%d" % (rng.randint(0, 99), rng.randint(0, 99)),
    ])


def build_strings(rng, servers, keys):
    for i in range(40):
        key = "s%d" % i
        value = rng.choice([element(rng), "y" * rng.randint(15, 3000), os.urandom(rng.randint(0, 300)),
                            str(rng.randint(-2 ** 31, 2 ** 31)), "2147483648", "-0", " 1"])
        call_both(servers, "SET", key, value)
        if rng.random() < 0.3:
            call_both(servers, "APPEND", key, element(rng))
        if rng.random() < 0.2:
            call_both(servers, "SET", key, str(rng.randint(-100, 100)))
            call_both(servers, "INCRBY", key, rng.randint(-10 ** 6, 10 ** 6))
        keys.append((key, "string", True))


def build_hashes(rng, servers, keys):
    for i in range(25):
        key = "h%d" % i
        big = rng.random() < 0.3
        fields = rng.randint(1, 300 if big else 100)
        for _ in range(fields):
            call_both(servers, "HSET", key, "f%d" % rng.randint(0, fields), element(rng) if big or rng.random() < .8
                      else "v" * rng.randint(0, 64))
            if rng.random() < 0.15:
                call_both(servers, "HDEL", key, "f%d" % rng.randint(0, fields))
        encoding = servers[1].call(["OBJECT", "ENCODING", key])
        keys.append((key, "hash", encoding == b"$8\r\nlistpack\r\n"))


def build_sets(rng, servers, keys):
    for i in range(20):
        key = "t%d" % i
        numeric = rng.random() < 0.7
        count = rng.randint(1, 700)
        for _ in range(count):
            member = str(rng.randint(-2 ** rng.choice([7, 15, 31, 63]), 2 ** 15)) if numeric else element(rng)
            call_both(servers, "SADD", key, member)
            if rng.random() < 0.1:
                call_both(servers, "SREM", key, member)
        encoding = servers[1].call(["OBJECT", "ENCODING", key])
        keys.append((key, "set", encoding == b"$6\r\nintset\r\n"))


def build_zsets(rng, servers, keys):
    for i in range(25):
        key = "z%d" % i
        count = rng.randint(1, 300)
        for _ in range(count):
            score = rng.choice([str(rng.randint(-1000, 1000)), repr(rng.uniform(-1e6, 1e6)), "inf", "-inf", "0.5",
                                str(rng.randint(-2 ** 53, 2 ** 53))])
            call_both(servers, "ZADD", key, score, "m%d" % rng.randint(0, count) if rng.random() < 0.8
                      else "long" * rng.randint(1, 20))
            if rng.random() < 0.1:
                call_both(servers, "ZINCRBY", key, rng.randint(-5, 5), "m%d" % rng.randint(0, count))
            if rng.random() < 0.1:
                call_both(servers, "ZREM", key, "m%d" % rng.randint(0, count))
        keys.append((key, "zset", True))


def build_lists(rng, servers, keys, tag):
    for i in range(12):
        key = "l%s:%d" % (tag, i)
        head = rng.random() < 0.5
        both = rng.random() < 0.15
        push, pop = ("LPUSH", "LPOP") if head else ("RPUSH", "RPOP")
        for _ in range(rng.randint(1, 60)):
            batch = [element(rng) for _ in range(rng.randint(1, 80))]
            side = (push if rng.random() < 0.5 else ("RPUSH" if head else "LPUSH")) if both else push
            call_both(servers, side, key, *batch)
            if rng.random() < 0.2:
                call_both(servers, pop, key, rng.randint(1, 30))
        keys.append((key, "list", True))


# Mixed list histories: each scenario's commands, chosen at random; every
# payload must be Redis's bytes (zkv keeps Redis's nodes, lib/qshape.h).
MIXED = {
    # pushes at the tail, pops (and LTRIM) at either end: a queue
    "queue": (["RPUSH"], ["LPOP", "RPOP", "LTRIM"], True),
    # the mirror: pushes at the head
    "stack": (["LPUSH"], ["RPOP", "LPOP", "LTRIM"], True),
    # pushes at both ends
    "both ends": (["RPUSH", "LPUSH"], ["LPOP", "RPOP", "LTRIM"], True),
    # edits in the middle
    "middle": (["RPUSH", "LPUSH"], ["LINSERT", "LSET", "LREM", "LTRIM", "LPOP", "RPOP"], True),
}
MIXED_COUNTS = {name: [0, 0] for name in MIXED}  # identical, not


def mixed_edit(rng, servers, key, command):
    length = int(servers[1].call(["LLEN", key])[1:-2])
    if command in ("LPOP", "RPOP"):
        call_both(servers, command, key, rng.randint(1, 40))
    elif command == "LTRIM":
        start = rng.randint(0, max(0, min(length // 4, 60)))
        end = -1 - rng.randint(0, max(0, min(length // 4, 60)))
        call_both(servers, "LTRIM", key, start, end)
    elif command == "LINSERT" and length:
        pivot = bulk(servers[1].call(["LINDEX", key, str(rng.randint(0, length - 1))]))
        call_both(servers, "LINSERT", key, rng.choice(["BEFORE", "AFTER"]), pivot, element(rng))
    elif command == "LSET" and length:
        value = element(rng) if rng.random() < 0.7 else "v" * rng.randint(100, 3000)
        call_both(servers, "LSET", key, rng.randint(-length, length - 1), value)
    elif command == "LREM" and length:
        victim = bulk(servers[1].call(["LINDEX", key, str(rng.randint(0, length - 1))]))
        call_both(servers, "LREM", key, rng.randint(-2, 2), victim)


def build_mixed_lists(rng, servers, keys, tag):
    for name, (pushes, edits, exact) in MIXED.items():
        for i in range(4):
            key = "m%s:%s:%d" % (tag, name, i)
            for _ in range(rng.randint(1, 50)):
                call_both(servers, rng.choice(pushes), key, *[element(rng) for _ in range(rng.randint(1, 60))])
                for _ in range(rng.randint(0, 3)):
                    mixed_edit(rng, servers, key, rng.choice(edits))
            keys.append((key, "list", exact, name))


def compare(servers, keys, label):
    zkv, redis = servers
    for key, kind, exact, *scenario in keys:
        exists = [server.call(["EXISTS", key]) for server in servers]
        if exists[0] != exists[1]:
            FAILURES.append("%s %s: EXISTS zkv %r, redis %r" % (label, key, exists[0], exists[1]))
        if exists != [b":1\r\n"] * 2:
            continue  # emptied by the random removals
        payloads = [bulk(server.call(["DUMP", key])) for server in servers]
        if scenario:
            MIXED_COUNTS[scenario[0]][payloads[0] != payloads[1]] += 1
        if payloads[0] == payloads[1]:
            COUNTS["identical"] += 1
            # Redis's payload restored in zkv dumps to the same bytes again
            # (a list keeps the history its nodes show).
            zkv.call(["RESTORE", key + ":back", "0", payloads[1]])
            again = bulk(zkv.call(["DUMP", key + ":back"]))
            zkv.call(["DEL", key + ":back"])
            if again != payloads[1]:
                FAILURES.append("%s %s (%s): Redis's payload restored in zkv dumps differently" % (label, key, kind))
            continue
        if exact:
            FAILURES.append("%s %s (%s): DUMP differs: zkv %d bytes, redis %d bytes" %
                            (label, key, kind, len(payloads[0]), len(payloads[1])))
            continue
        COUNTS["by contents"] += 1
        if len(payloads[0]) != len(payloads[1]):
            FAILURES.append("%s %s (%s): payload sizes %d vs %d" % (label, key, kind, len(payloads[0]),
                                                                    len(payloads[1])))
        for server, payload in zip(servers, reversed(payloads)):
            server.call(["RESTORE", key + ":other", "0", payload])
        for server in servers:
            if contents(server, key + ":other", kind) != contents(server, key, kind):
                FAILURES.append("%s %s (%s): the other server's payload restores differently" % (label, key, kind))
            server.call(["DEL", key + ":other"])


SETTINGS = [
    # (list-max-listpack-size, list-compress-depth, rdbcompression)
    ("-2", "0", "yes"), ("-2", "0", "no"), ("-1", "0", "yes"), ("-3", "1", "no"), ("-5", "0", "no"),
    ("5", "0", "yes"), ("128", "2", "no"), ("-2", "1", "no"), ("-2", "2", "yes"), ("1", "0", "no"),
]


def run(zkv_path, redis_path, seed):
    ports = free_port(), free_port()
    processes = []
    try:
        zp, zs = start([zkv_path], ports[0])
        processes.append(zp)
        rp, rs = start([redis_path], ports[1])
        processes.append(rp)
        servers = [Connection(zs), Connection(rs)]
        rng = random.Random(seed)
        for fill, depth, compression in SETTINGS:
            label = "seed %d fill %s depth %s rdbcompression %s" % (seed, fill, depth, compression)
            call_both(servers, "FLUSHALL")
            for name, value in (("list-max-listpack-size", fill), ("list-compress-depth", depth),
                                ("rdbcompression", compression)):
                call_both(servers, "CONFIG", "SET", name, value)
            keys = []
            build_lists(rng, servers, keys, fill + depth)
            build_mixed_lists(rng, servers, keys, fill + depth)
            if fill == "-2" and depth == "0":
                build_strings(rng, servers, keys)
                build_hashes(rng, servers, keys)
                build_sets(rng, servers, keys)
                build_zsets(rng, servers, keys)
            compare(servers, keys, label)
    finally:
        for process in processes:
            process.kill()
            process.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zkv", default=os.environ.get("ZKV_SERVER", "build/zkv-server"))
    parser.add_argument("--redis", default=shutil.which("redis-server"))
    parser.add_argument("--seeds", type=int, default=2)
    args = parser.parse_args()
    if not args.redis:
        print("redis-server not found: skipped")
        return 77
    for seed in range(args.seeds):
        run(args.zkv, args.redis, seed)
    for failure in FAILURES[:50]:
        print("FAIL:", failure)
    print("payloads identical: %(identical)d, compared by contents and size: %(by contents)d" % COUNTS)
    for name, (same, other) in MIXED_COUNTS.items():
        print("mixed list histories, %s: %d of %d payloads byte-identical" % (name, same, same + other))
    print("%d differences" % len(FAILURES))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
