#!/usr/bin/env python3
"""pubsub_cluster_differential: shard channels in cluster mode, zkv against
redis-server 7.0.15, every byte each connection receives compared.

Two Redis nodes split the slots (0-8191 | 8192-16383); zkv takes the first
node's place with a topology file naming the same second node, so -MOVED
texts agree (as scripting_cluster_differential does).  The same steps go to
the first Redis node and to zkv, on three connections each (a RESP2 and a
RESP3 subscriber, a RESP2 publisher): SSUBSCRIBE / SUNSUBSCRIBE / SPUBLISH
of shard channels in this node's slots, in the other node's (-MOVED) and in
two slots at once (-CROSSSLOT), PUBSUB SHARDCHANNELS / SHARDNUMSUB, the same
inside MULTI (queued commands refused one by one, EXEC refused for a
transaction spanning slots) and from scripts.  After each step every
connection is synced with a PING token (a connection inside MULTI would
queue it: its one reply is awaited instead) and its output compared as the
sorted list of its RESP frames.  Two answers come in hash-table order
(PUBSUB SHARDCHANNELS, SUNSUBSCRIBE without arguments): for those the bulk
strings and the integers are compared as sorted lists.

Not covered: Redis also sends sunsubscribe pushes for the channels of a slot
its node loses (CLUSTER DELSLOTS, a slot moving away); a zkv node's slots
come from its topology file and never change while it runs.

Usage: pubsub_cluster_differential.py ZKV_SERVER [REDIS_SERVER] [--verbose]
Exit 0 when every byte matched; 77 (skip) when redis-server is missing.
"""
import os
import re
import select
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pubsub_differential import Connection as PushConnection, frames, split_frames  # noqa: E402
from scripting_cluster_differential import cluster_port, wait_cluster_ok  # noqa: E402
from scripting_differential import Connection, free_port, start  # noqa: E402

# Slots: b 3300, c 7365 and {b}x 3300 are on the first node, a 15495 and
# {a}y 15495 on the second.
HERE = ["b", "c", "{b}x"]
THERE = ["a", "{a}y"]

SCRIPT_SPUBLISH = "return redis.call('spublish', '%s', 'from-script')"

# (connection, command) steps; the connections are sub2 (RESP2), sub3 (RESP3)
# and pub (RESP2).
STEPS = [
    ("sub2", ["SSUBSCRIBE", "a"]),
    ("sub2", ["SSUBSCRIBE", "b", "c"]),
    ("sub2", ["SSUBSCRIBE", "b", "a"]),
    ("sub2", ["SSUBSCRIBE", "a", "{a}y"]),
    ("sub2", ["SSUBSCRIBE", "b", "{b}x"]),
    ("sub2", ["SSUBSCRIBE", "b"]),
    ("sub2", ["SSUBSCRIBE", "a"]),
    ("sub2", ["SSUBSCRIBE", "c", "b"]),
    ("sub2", ["SUNSUBSCRIBE", "a"]),
    ("sub2", ["SUNSUBSCRIBE", "b", "c"]),
    ("sub2", ["SUNSUBSCRIBE", "c"]),
    ("sub2", ["GET", "b"]),
    ("sub3", ["SSUBSCRIBE", "c"]),
    ("sub3", ["SSUBSCRIBE", "{a}y"]),
    ("sub3", ["SSUBSCRIBE", "b", "c"]),
    ("sub3", ["PSUBSCRIBE", "*"]),
    ("sub3", ["SUBSCRIBE", "a", "b"]),
    ("pub", ["SPUBLISH", "b", "m1"]),
    ("pub", ["SPUBLISH", "c", "m2"]),
    ("pub", ["SPUBLISH", "{b}x", "m3"]),
    ("pub", ["SPUBLISH", "a", "m4"]),
    ("pub", ["SPUBLISH", "{a}y", "m5"]),
    ("pub", ["PUBLISH", "a", "m6"]),
    ("pub", ["PUBLISH", "b", "m7"]),
    ("pub", ["PUBSUB", "SHARDCHANNELS"]),
    ("pub", ["PUBSUB", "SHARDCHANNELS", "*x"]),
    ("pub", ["PUBSUB", "SHARDNUMSUB", "a", "b", "c", "{b}x", "{a}y"]),
    ("pub", ["PUBSUB", "SHARDNUMSUB"]),
    ("pub", ["PUBSUB", "NUMSUB", "a", "b"]),
    ("pub", ["PUBSUB", "CHANNELS"]),
    ("sub3", ["SPUBLISH", "c", "m8"]),
    ("sub3", ["SUNSUBSCRIBE", "a"]),
    ("sub3", ["SUNSUBSCRIBE", "c", "{b}x"]),
    ("sub3", ["SUNSUBSCRIBE", "c", "b"]),
    # Transactions: a queued command for another slot is refused and dooms
    # the transaction; commands for two slots are queued, EXEC refuses them.
    ("pub", ["MULTI"]),
    ("pub", ["SPUBLISH", "b", "t1"]),
    ("pub", ["SPUBLISH", "a", "t2"]),
    ("pub", ["EXEC"]),
    ("pub", ["MULTI"]),
    ("pub", ["SPUBLISH", "b", "t3"]),
    ("pub", ["SPUBLISH", "c", "t4"]),
    ("pub", ["EXEC"]),
    ("pub", ["MULTI"]),
    ("pub", ["SPUBLISH", "b", "t5"]),
    ("pub", ["SPUBLISH", "{b}x", "t6"]),
    ("pub", ["PUBSUB", "SHARDNUMSUB", "b"]),
    ("pub", ["EXEC"]),
    ("pub", ["MULTI"]),
    ("pub", ["SSUBSCRIBE", "b"]),
    ("pub", ["EXEC"]),
    ("pub", ["MULTI"]),
    ("pub", ["SSUBSCRIBE", "a"]),
    ("pub", ["EXEC"]),
    ("pub", ["MULTI"]),
    ("pub", ["SUNSUBSCRIBE", "b", "c"]),
    ("pub", ["EXEC"]),
    ("pub", ["MULTI"]),
    ("pub", ["SET", "b", "1"]),
    ("pub", ["SPUBLISH", "c", "t7"]),
    ("pub", ["EXEC"]),
    # Scripts: declared and undeclared shard channels, here, elsewhere and
    # across slots; SSUBSCRIBE is not allowed from scripts at all.
    ("pub", ["EVAL", SCRIPT_SPUBLISH % "b", "0"]),
    ("pub", ["EVAL", SCRIPT_SPUBLISH % "a", "0"]),
    ("pub", ["EVAL", SCRIPT_SPUBLISH % "b", "1", "b"]),
    ("pub", ["EVAL", SCRIPT_SPUBLISH % "b", "1", "c"]),
    ("pub", ["EVAL", SCRIPT_SPUBLISH % "c", "1", "a"]),
    ("pub", ["EVAL", "redis.call('spublish', 'b', 'x'); return redis.call('spublish', 'c', 'y')", "0"]),
    ("pub", ["EVAL", "redis.call('spublish', 'b', 'x'); return redis.call('spublish', '{b}x', 'y')", "0"]),
    ("pub", ["EVAL", "redis.call('get', 'b'); return redis.call('spublish', 'c', 'y')", "0"]),
    ("pub", ["EVAL", "return redis.pcall('spublish', 'a', 'z')", "0"]),
    ("pub", ["EVAL", "#!lua\nreturn redis.call('spublish', 'b', 's1')", "0"]),
    ("pub", ["EVAL", "#!lua\nreturn redis.call('spublish', 'c', 's2')", "1", "b"]),
    ("pub", ["EVAL", "#!lua flags=allow-cross-slot-keys\nreturn redis.call('spublish', 'c', 's3')", "1", "b"]),
    ("pub", ["EVAL", "return redis.call('ssubscribe', 'b')", "0"]),
    ("pub", ["EVAL", "return redis.call('sunsubscribe', 'b')", "0"]),
    ("pub", ["EVAL", "return redis.call('publish', 'a', 'p')", "0"]),
    ("pub", ["FCALL", "pub", "0", "b"]),
    ("pub", ["FCALL", "pub", "0", "a"]),
    ("pub", ["FCALL", "pub", "1", "b", "b"]),
    ("pub", ["FCALL", "pub", "1", "a", "a"]),
    ("pub", ["FCALL", "pub", "1", "b", "c"]),
    # Leaving: SUNSUBSCRIBE without arguments, RESET.
    ("sub2", ["SUNSUBSCRIBE"]),
    ("sub2", ["SUNSUBSCRIBE"]),
    ("sub2", ["SSUBSCRIBE", "b"]),
    ("sub2", ["RESET"]),
    ("pub", ["PUBSUB", "SHARDNUMSUB", "b", "c", "{b}x"]),
    ("sub3", ["SUNSUBSCRIBE"]),
    ("pub", ["PUBSUB", "SHARDCHANNELS"]),
]

# A node serving slots 0-8191 of a cluster where no node serves the others:
# the cluster is down; a key in an unserved slot gets "Hash slot not served"
# (judged on the first key), other commands with keys "The cluster is down",
# except the shard channel commands on this node's slots, which still run
# (with cluster-allow-pubsubshard-when-down yes, the default) but not inside
# MULTI, whose EXEC is refused.
DOWN_STEPS = [
    ("pub", ["GET", "b"]),
    ("pub", ["GET", "a"]),
    ("pub", ["MGET", "a", "b"]),
    ("pub", ["MGET", "b", "a"]),
    ("pub", ["MGET", "b", "c"]),
    ("sub2", ["SSUBSCRIBE", "b"]),
    ("sub2", ["SSUBSCRIBE", "a"]),
    ("sub2", ["SSUBSCRIBE", "b", "c"]),
    ("sub2", ["SSUBSCRIBE", "a", "b"]),
    ("sub3", ["SSUBSCRIBE", "c", "{b}x"]),
    ("sub3", ["SSUBSCRIBE", "{b}x", "b"]),
    ("pub", ["SPUBLISH", "b", "d1"]),
    ("pub", ["SPUBLISH", "{b}x", "d2"]),
    ("pub", ["SPUBLISH", "a", "d3"]),
    ("pub", ["PUBLISH", "b", "d4"]),
    ("pub", ["PUBSUB", "SHARDNUMSUB", "a", "b", "{b}x"]),
    ("sub2", ["SUNSUBSCRIBE", "a"]),
    ("sub3", ["SUNSUBSCRIBE", "b", "{b}x"]),
    ("pub", ["MULTI"]),
    ("pub", ["SPUBLISH", "b", "d5"]),
    ("pub", ["EXEC"]),
    ("pub", ["MULTI"]),
    ("pub", ["GET", "a"]),
    ("pub", ["EXEC"]),
    ("pub", ["MULTI"]),
    ("pub", ["PING"]),
    ("pub", ["EXEC"]),
    ("pub", ["EVAL", "return redis.call('get', 'a')", "0"]),
    ("pub", ["EVAL", "return redis.call('get', 'b')", "0"]),
    ("pub", ["EVAL", "return redis.pcall('get', 'a')", "0"]),
    ("pub", ["EVAL", SCRIPT_SPUBLISH % "a", "0"]),
    ("pub", ["EVAL", SCRIPT_SPUBLISH % "b", "0"]),
    ("pub", ["EVAL", "return 1", "1", "a"]),
    ("pub", ["EVAL", "return 1", "1", "b"]),
    ("pub", ["FCALL", "pub", "0", "b"]),
    ("pub", ["FCALL", "pub", "0", "a"]),
    # With cluster-allow-pubsubshard-when-down no they are refused as well.
    ("pub", ["CONFIG", "SET", "cluster-allow-pubsubshard-when-down", "no"]),
    ("pub", ["SPUBLISH", "b", "d6"]),
    ("sub3", ["SSUBSCRIBE", "c"]),
    ("sub3", ["SUNSUBSCRIBE", "c"]),
    ("pub", ["EVAL", SCRIPT_SPUBLISH % "b", "0"]),
    ("pub", ["CONFIG", "GET", "cluster-allow-pubsubshard-when-down"]),
    ("pub", ["CONFIG", "SET", "cluster-allow-pubsubshard-when-down", "yes"]),
    ("pub", ["SPUBLISH", "b", "d7"]),
    ("sub2", ["SUNSUBSCRIBE"]),
    ("sub3", ["SUNSUBSCRIBE"]),
]

LIBRARY = """#!lua name=shard
redis.register_function('pub', function(keys, args) return redis.call('spublish', args[1], 'from-function') end)
"""


def unordered(output):
    """An answer in hash-table order, as sorted bulk strings and integers."""
    data = b"".join(output)
    return [data.count(b"\r\n"), sorted(re.findall(rb"\$\d+\r\n([^\r]*)\r\n", data)),
            sorted(re.findall(rb":(-?\d+)\r\n", data))]


def in_hash_order(words):
    return words == ["SUNSUBSCRIBE"] or words[:2] in (["PUBSUB", "SHARDCHANNELS"], ["PUBSUB", "CHANNELS"])


def one_reply(connection, limit=10.0):
    """The next reply of a connection inside MULTI (where PING is queued)."""
    data, deadline = b"", time.time() + limit
    while time.time() < deadline:
        complete, rest = split_frames(data)
        if complete:
            return data
        select.select([connection.sock], [], [], 0.05)
        try:
            chunk = connection.sock.recv(65536)
            if not chunk:
                break
            data += chunk
        except BlockingIOError:
            pass
    return data


def open_side(port):
    conns = {name: PushConnection(port) for name in ("sub2", "sub3", "pub")}
    conns["sub3"].send(["HELLO", "3"])
    for name, connection in conns.items():
        connection.sync("setup")
    return conns


def run_steps(sides, steps, verbose, failures):
    in_multi = False
    for step, (actor, words) in enumerate(steps):
        token = "step-%d" % step
        in_multi = in_multi or words[0] == "MULTI"
        outputs = {}
        for side, conns in sides.items():
            conns[actor].send(words)
            outputs[side] = {name: frames(one_reply(connection) if in_multi and name == actor
                                          else connection.sync(token)) for name, connection in conns.items()}
            if in_hash_order(words):
                outputs[side] = {name: unordered(output) for name, output in outputs[side].items()}
        in_multi = in_multi and words[0] != "EXEC"
        if verbose:
            print(actor, words, {name: output for name, output in outputs["redis"].items() if output})
        for name in outputs["redis"]:
            if outputs["redis"][name] != outputs["zkv"][name]:
                failures.append("%s %r: %s differs\n  redis: %r\n  zkv:   %r" % (
                    actor, words, name, outputs["redis"][name], outputs["zkv"][name]))


def main():
    verbose = "--verbose" in sys.argv
    positional = [a for a in sys.argv[1:] if a != "--verbose"]
    zkv_binary = positional[0]
    redis_binary = positional[1] if len(positional) > 1 else shutil.which("redis-server")
    if not redis_binary or not os.path.exists(redis_binary):
        print("redis-server not found: skipped")
        return 77
    work = tempfile.mkdtemp(prefix="zkv-cluster-pubsub-")
    first, second, zkv_port = cluster_port(), cluster_port(), free_port()
    lone, lone_zkv_port = cluster_port(), free_port()
    processes, failures = [], []
    try:
        for port in (first, second, lone):
            processes.append(start([redis_binary, "--appendonly", "no", "--cluster-enabled", "yes", "--dir", work,
                                    "--cluster-config-file", os.path.join(work, "nodes-%d.conf" % port)], port))
        for port, text in ((zkv_port, "127.0.0.1:%d 0-8191\n127.0.0.1:%d 8192-16383\n" % (zkv_port, second)),
                           (lone_zkv_port, "127.0.0.1:%d 0-8191\n" % lone_zkv_port)):
            topology = os.path.join(work, "topology-%d" % port)
            with open(topology, "w") as out:
                out.write(text)
            processes.append(start([zkv_binary, "--cluster-enabled", "yes", "--cluster-topology-file", topology],
                                   port))
        redis, other, zkv = Connection(first), Connection(second), Connection(zkv_port)
        redis.call("CLUSTER", "ADDSLOTSRANGE", "0", "8191")
        other.call("CLUSTER", "ADDSLOTSRANGE", "8192", "16383")
        redis.call("CLUSTER", "MEET", "127.0.0.1", str(second))
        wait_cluster_ok(redis)
        lone_redis, lone_zkv = Connection(lone), Connection(lone_zkv_port)
        lone_redis.call("CLUSTER", "ADDSLOTSRANGE", "0", "8191")
        for connection in (redis, zkv, lone_redis, lone_zkv):
            connection.call("FUNCTION", "LOAD", LIBRARY)
        run_steps({"redis": open_side(first), "zkv": open_side(zkv_port)}, STEPS, verbose, failures)
        if verbose:
            print("-- a cluster that is down: slots 8192-16383 have no node")
        run_steps({"redis": open_side(lone), "zkv": open_side(lone_zkv_port)}, DOWN_STEPS, verbose, failures)
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)
        shutil.rmtree(work, ignore_errors=True)
    for failure in failures:
        print("DIFF", failure)
    print("%d steps, %d differences" % (len(STEPS) + len(DOWN_STEPS), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
