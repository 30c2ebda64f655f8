#!/usr/bin/env python3
"""stream_differential: random stream commands (entries, trimming, consumer
groups, XINFO) sent to zkv and to redis-server 7.0 side by side, in RESP2
and RESP3; every reply must be identical once the clock is taken out.

Both servers are started here on free ports of 127.0.0.1 and killed by PID
at the end.  IDs are explicit (or "ms-*"), never "*", whose value is each
server's clock.  Times that depend on the clock are normalised before the
comparison: integers that look like Unix times in ms (XINFO FULL's delivery
and seen times), the idle fields of XINFO CONSUMERS and XPENDING's extended
rows; idle filters use 0 or an hour so they select the same entries on
both.  XINFO's radix-tree-nodes counts Redis's radix tree nodes and is
normalised too; radix-tree-keys (the node count) is compared.  Every other
seed lowers stream-node-max-entries, and every third one
stream-node-max-bytes, so nodes are cut often (by count and by Redis's
listpack size) and approximate trimming removes whole nodes.  Then scripted blocking scenarios (XREAD and
XREADGROUP BLOCK: serving order, timeouts, deleted keys and groups, RESP3).
Exit 0 when identical, 1 on differences, 77 (skipped) without redis-server.

Usage: stream_differential.py [--zkv PATH] [--redis PATH] [--seeds N] [--commands N]
"""
import argparse
import os
import random
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from keyspace_differential import free_port  # noqa: E402
from zset_differential import Connection, start  # noqa: E402


def normalised(reply):
    """The reply with clock-dependent values replaced."""
    if isinstance(reply, tuple):
        head, items = reply
        items = [normalised(i) for i in items]
        for i, item in enumerate(items[:-1]):
            if item in (b"$4\r\nidle\r\n", b"$16\r\nradix-tree-nodes\r\n"):
                items[i + 1] = b":T\r\n"
        # XPENDING's extended rows: [id, consumer, idle, count].
        if head == b"*4\r\n" and len(items) == 4 and isinstance(items[2], bytes) and items[2][:1] == b":" \
                and isinstance(items[1], bytes) and items[1][:1] == b"$" and isinstance(items[0], bytes) \
                and b"-" in items[0]:
            items[2] = b":T\r\n"
        return (head, items)
    if reply[:1] == b":" and len(reply) >= 15:
        return b":T\r\n"
    return reply


def generators(rng, keys):
    key = lambda: rng.choice(keys)
    groups = ["g1", "g2", "g3"]
    consumers = ["alice", "bob", "carol", ""]
    fields = ["f", "field", "a", "b", "123", "-7", ""]

    def stream_id():
        r = rng.random()
        if r < 0.05:
            return rng.choice(["-", "+", "0", "0-0", "x", "1-x", "-1", "18446744073709551615-18446744073709551615",
                               "18446744073709551616", "01-1", ""])
        ms = rng.randint(0, 40)
        return str(ms) if rng.random() < 0.2 else "%d-%d" % (ms, rng.randint(0, 4))

    def bound():
        r = rng.random()
        if r < 0.2:
            return rng.choice(["-", "+", "(-", "(+", "(0-0", "(18446744073709551615-18446744073709551615"])
        return ("(" if rng.random() < 0.25 else "") + stream_id()

    def trim():
        if rng.random() < 0.6:
            return []
        strategy = rng.choice(["MAXLEN", "MINID"])
        out = [strategy]
        if rng.random() < 0.6:
            out.append(rng.choice(["~", "="]))
        out.append(str(rng.randint(-1, 12)) if strategy == "MAXLEN" else stream_id())
        if rng.random() < 0.2:
            out += ["LIMIT", str(rng.randint(-1, 20))]
        return out

    def pairs():
        out = []
        n = rng.choice([1, 1, 2, 2, 3])
        same = rng.random() < 0.6
        for i in range(n):
            out += [["f", "g", "h"][i] if same else rng.choice(fields), rng.choice(["v", "1", "-2", "x" * 70, "", "007"])]
        if rng.random() < 0.03:
            out = out[:-1]
        return out

    def xadd():
        options = []
        if rng.random() < 0.1:
            options.append("NOMKSTREAM")
        options += trim()
        if rng.random() < 0.2:
            idv = "%d-*" % rng.randint(0, 45)
        else:
            idv = stream_id()
        return ["XADD", key()] + options + [idv] + pairs()

    def xrange():
        cmd = rng.choice(["XRANGE", "XREVRANGE"])
        extra = ["COUNT", str(rng.randint(-1, 6))] if rng.random() < 0.4 else []
        if rng.random() < 0.03:
            extra = ["COUNT"]
        return [cmd, key(), bound(), bound()] + extra

    def xtrim():
        t = trim() or ["MAXLEN", str(rng.randint(0, 10))]
        return ["XTRIM", key()] + t

    def xdel():
        return ["XDEL", key()] + [stream_id() for _ in range(rng.randint(1, 3))]

    def xsetid():
        out = ["XSETID", key(), stream_id()]
        if rng.random() < 0.3:
            out += ["ENTRIESADDED", str(rng.randint(-1, 30))]
        if rng.random() < 0.3:
            out += ["MAXDELETEDID", stream_id()]
        return out

    def xgroup():
        sub = rng.choice(["CREATE", "CREATE", "SETID", "DESTROY", "CREATECONSUMER", "DELCONSUMER", "HELP", "NOPE"])
        if sub == "HELP":
            return ["XGROUP", "HELP"]
        out = ["XGROUP", sub, key(), rng.choice(groups)]
        if sub in ("CREATE", "SETID"):
            out.append(rng.choice(["$", "0", stream_id()]))
            if sub == "CREATE" and rng.random() < 0.4:
                out.append("MKSTREAM")
            if rng.random() < 0.2:
                out += ["ENTRIESREAD", str(rng.randint(-2, 10))]
        elif sub in ("CREATECONSUMER", "DELCONSUMER"):
            out.append(rng.choice(consumers))
        return out

    def xreadgroup():
        out = ["XREADGROUP", "GROUP", rng.choice(groups), rng.choice(consumers)]
        if rng.random() < 0.5:
            out += ["COUNT", str(rng.randint(0, 4))]
        if rng.random() < 0.2:
            out.append("NOACK")
        ks = rng.sample(keys, rng.choice([1, 1, 2]))
        ids = [">" if rng.random() < 0.7 else rng.choice(["0", "0-0", stream_id()]) for _ in ks]
        return out + ["STREAMS"] + ks + ids

    def xread():
        out = ["XREAD"]
        if rng.random() < 0.5:
            out += ["COUNT", str(rng.randint(0, 4))]
        ks = rng.sample(keys, rng.choice([1, 2]))
        ids = [rng.choice(["$", "0", stream_id()]) for _ in ks]
        if rng.random() < 0.03:
            ids = ids[:-1]
        return out + ["STREAMS"] + ks + ids

    def xack():
        return ["XACK", key(), rng.choice(groups)] + [stream_id() for _ in range(rng.randint(1, 3))]

    def xpending():
        out = ["XPENDING", key(), rng.choice(groups)]
        if rng.random() < 0.4:
            return out
        if rng.random() < 0.3:
            out += ["IDLE", rng.choice(["0", "3600000"])]
        out += [bound(), bound(), str(rng.randint(-1, 5))]
        if rng.random() < 0.4:
            out.append(rng.choice(consumers))
        return out

    def xclaim():
        out = ["XCLAIM", key(), rng.choice(groups), rng.choice(consumers), rng.choice(["0", "3600000", "-5"])]
        out += [stream_id() for _ in range(rng.randint(1, 3))]
        for opt in ["FORCE", "JUSTID"]:
            if rng.random() < 0.2:
                out.append(opt)
        if rng.random() < 0.2:
            out += ["RETRYCOUNT", str(rng.randint(0, 5))]
        if rng.random() < 0.15:
            out += ["LASTID", stream_id()]
        if rng.random() < 0.1:
            out += ["IDLE", "5"]
        return out

    def xautoclaim():
        out = ["XAUTOCLAIM", key(), rng.choice(groups), rng.choice(consumers), rng.choice(["0", "3600000"]), bound()]
        if rng.random() < 0.5:
            out += ["COUNT", str(rng.randint(0, 4))]
        if rng.random() < 0.3:
            out.append("JUSTID")
        return out

    def xinfo():
        r = rng.random()
        if r < 0.3:
            out = ["XINFO", "STREAM", key()]
            if rng.random() < 0.5:
                out.append("FULL")
                if rng.random() < 0.5:
                    out += ["COUNT", str(rng.randint(-1, 3))]
            return out
        if r < 0.6:
            return ["XINFO", "GROUPS", key()]
        if r < 0.9:
            return ["XINFO", "CONSUMERS", key(), rng.choice(groups)]
        return ["XINFO", rng.choice(["HELP", "NOPE"])]

    def other():
        return rng.choice([["TYPE", key()], ["OBJECT", "ENCODING", key()], ["DEL", key()], ["SET", key(), "x"],
                           ["XLEN", key()], ["EXISTS", key()]])

    return [(25, xadd), (10, xrange), (4, xtrim), (5, xdel), (3, xsetid), (8, xgroup), (10, xreadgroup),
            (5, xread), (5, xack), (6, xpending), (5, xclaim), (4, xautoclaim), (6, xinfo), (2, other)]


def run(zkv_port, redis_port, seed, count, small):
    rng = random.Random(seed)
    differences = 0
    connections = [(Connection(zkv_port, p), Connection(redis_port, p)) for p in (2, 3)]
    for connection in connections[0]:
        connection.call(["FLUSHALL"])
        connection.call(["CONFIG", "SET", "stream-node-max-entries", "3" if small else "100"])
        # Every third seed cuts nodes by Redis's listpack size instead.
        connection.call(["CONFIG", "SET", "stream-node-max-bytes", "150" if seed % 3 == 2 else "4096"])
    keys = ["s%d" % i for i in range(3)]
    table = generators(rng, keys)
    weights = [w for w, _ in table]
    for step in range(count):
        arguments = rng.choices(table, weights)[0][1]()
        zkv, redis = rng.choice(connections)
        expected = normalised(redis.call(arguments))
        actual = normalised(zkv.call(arguments))
        if expected != actual:
            differences += 1
            if differences <= 10:
                print("seed %d step %d: %r\n  redis: %r\n  zkv:   %r" % (seed, step, arguments, expected, actual))
    return differences


# Scripted scenarios: (connection index, command) or ("sleep", seconds).
# Blocking commands are sent without waiting; their replies are read at the
# end of the scenario, in order, from each connection.
BLOCKING_SCENARIOS = {
    "xread-order": [
        (1, ["XREAD", "BLOCK", "0", "STREAMS", "s", "$"]), ("sleep", 0.1),
        (2, ["XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "s", "0"]), ("sleep", 0.1),
        (0, ["XADD", "s", "1-1", "a", "1"]), (0, ["XADD", "s", "2-1", "b", "2"])],
    "xread-timeout-resp3": [
        (1, ["HELLO", "3"]), (1, ["XREAD", "BLOCK", "50", "STREAMS", "s", "$"]), ("sleep", 0.3),
        (0, ["XADD", "s", "1-1", "a", "1"]), (1, ["XREAD", "BLOCK", "0", "STREAMS", "s", "0"])],
    "xreadgroup-fifo": [
        (0, ["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]),
        (1, ["XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", "s", ">"]), ("sleep", 0.1),
        (2, ["XREADGROUP", "GROUP", "g", "c2", "BLOCK", "0", "STREAMS", "s", ">"]), ("sleep", 0.1),
        (0, ["XADD", "s", "1-1", "a", "1"]), ("sleep", 0.1), (0, ["XADD", "s", "2-1", "b", "2"]),
        (0, ["XPENDING", "s", "g"])],
    "xreadgroup-key-deleted": [
        (0, ["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]),
        (1, ["XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", "s", ">"]), ("sleep", 0.1),
        (2, ["XREAD", "BLOCK", "300", "STREAMS", "s", "$"]), ("sleep", 0.1), (0, ["DEL", "s"])],
    "xreadgroup-group-destroyed": [
        (0, ["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]),
        (1, ["XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", "s", ">"]), ("sleep", 0.1),
        (0, ["XGROUP", "DESTROY", "s", "g"])],
    "watch-and-group-commands": [
        (0, ["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]),
        (1, ["WATCH", "s"]), (0, ["XGROUP", "DESTROY", "s", "g"]), (1, ["MULTI"]), (1, ["PING"]), (1, ["EXEC"]),
        (1, ["WATCH", "s"]), (0, ["XGROUP", "CREATE", "s", "g", "$"]), (0, ["XSETID", "s", "5-5"]),
        (0, ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"]), (1, ["MULTI"]), (1, ["PING"]), (1, ["EXEC"]),
        (1, ["WATCH", "s"]), (0, ["XADD", "s", "6-0", "f", "v"]), (1, ["MULTI"]), (1, ["PING"]), (1, ["EXEC"])],
    "xread-multi": [
        (0, ["MULTI"]), (0, ["XREAD", "BLOCK", "0", "STREAMS", "s", "$"]), (0, ["EXEC"])],
}


def run_blocking(zkv_port, redis_port):
    differences = 0
    for name, steps in BLOCKING_SCENARIOS.items():
        results = []
        for port in (zkv_port, redis_port):
            conns = [Connection(port, 2) for _ in range(3)]
            conns[0].call(["FLUSHALL"])
            pending = [0, 0, 0]
            replies = []
            for step in steps:
                if step[0] == "sleep":
                    time.sleep(step[1])
                    continue
                index, command = step
                if command[0] in ("XREAD", "XREADGROUP") and "BLOCK" in command and index != 0:
                    conns[index].sock.sendall(__import__("keyspace_differential").encode(command))
                    pending[index] += 1
                elif command[0] == "HELLO":  # its client id differs
                    conns[index].call(command)
                else:
                    replies.append((index, normalised(conns[index].call(command))))
            time.sleep(0.4)
            for index in range(3):
                for _ in range(pending[index]):
                    replies.append((index, normalised(__import__("zset_differential").read_reply(conns[index].stream))))
            results.append(replies)
            for c in conns:
                c.sock.close()
        if results[0] != results[1]:
            differences += 1
            print("scenario %s:\n  redis: %r\n  zkv:   %r" % (name, results[1], results[0]))
    return differences


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zkv", default=os.environ.get("ZKV_SERVER", "build/zkv-server"))
    parser.add_argument("--redis", default=shutil.which("redis-server"))
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--commands", type=int, default=5000)
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
