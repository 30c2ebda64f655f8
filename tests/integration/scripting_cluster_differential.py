#!/usr/bin/env python3
"""scripting_cluster_differential: keys scripts touch in cluster mode, zkv vs redis-server 7.0.15.

Two Redis nodes split the slots (0-8191 | 8192-16383); zkv takes the first
node's place with a topology file naming the same second node, so -MOVED
texts agree.  The same EVAL/FCALL calls go to the first Redis node and to
zkv: declared keys routed (-MOVED, -CROSSSLOT), keys a script touches that
live elsewhere ("non local key"), keys of one call in two slots, and, for
scripts with a shebang, undeclared keys in another slot than the declared
ones unless allow-cross-slot-keys.  Exit 77 without redis-server.

Usage: scripting_cluster_differential.py --zkv build/zkv-server [--redis /usr/bin/redis-server]
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scripting_differential import Connection, free_port, start  # noqa: E402

# Slots: b 3300 and c 7365 are on the first node, a 15495 on the second.
CASES = [
    ("return redis.call('get','a')", []), ("redis.call('get','b'); return redis.call('get','c')", []),
    ("return redis.call('get', KEYS[1])", ["b"]), ("return redis.call('get','c')", ["b"]),
    ("#!lua flags=allow-cross-slot-keys\nredis.call('get','b'); return redis.call('get','c')", []),
    ("#!lua flags=allow-cross-slot-keys\nreturn redis.call('get','a')", []), ("return redis.call('mget','b','c')", []),
    ("return 1", ["a"]), ("return 1", ["b", "c"]), ("return redis.pcall('get','a')", []),
    ("return redis.pcall('mget','b','c')", []), ("redis.call('get','b'); return redis.pcall('get','c')", []),
    ("return redis.call('ping')", []), ("return redis.call('get','{b}x')", []),
    ("#!lua\nreturn redis.call('get','a')", []), ("#!lua flags=no-cluster\nreturn 1", []),
    ("return redis.call('select', 1)", []), ("#!lua\nredis.call('get','b'); return redis.call('get','c')", []),
    ("#!lua\nreturn redis.call('get','c')", ["b"]), ("#!lua\nreturn redis.call('get','{b}x')", ["b"]),
    ("#!lua\nredis.call('get','b'); return redis.pcall('get','c')", []),
    ("#!lua flags=allow-cross-slot-keys\nreturn redis.call('get','c')", ["b"]),
    ("#!lua\nreturn redis.call('mget','b','c')", []), ("#!lua\nreturn redis.pcall('select', 1)", []),
    ("return redis.call('move', 'b', 1)", []), ("#!lua\nreturn redis.pcall('get','c')", ["b"]),
]

LIBRARY = """#!lua name=cl
redis.register_function('touch', function(keys, args) for _, k in ipairs(args) do redis.call('get', k) end return #args end)
redis.register_function{function_name='touch_any', callback=function(keys, args)
  for _, k in ipairs(args) do redis.call('get', k) end return #args end, flags={'allow-cross-slot-keys'}}
"""

FCALLS = [["touch", "0", "b", "c"], ["touch", "1", "b", "c"], ["touch", "1", "b", "{b}y"], ["touch", "0", "a"],
          ["touch_any", "0", "b", "c"], ["touch_any", "0", "a"], ["touch", "1", "a"], ["touch", "2", "b", "c"]]


def cluster_port():
    """A free port whose cluster bus port (+10000) is valid and free too."""
    import socket
    while True:
        port = free_port()
        if port + 10000 > 65535:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 10000))
                return port
            except OSError:
                continue


def wait_cluster_ok(connection):
    deadline = time.time() + 20
    while time.time() < deadline:
        if b"cluster_state:ok" in connection.call("CLUSTER", "INFO"):
            return
        time.sleep(0.1)
    raise RuntimeError("the Redis cluster did not come up")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zkv", required=True)
    parser.add_argument("--redis", default=shutil.which("redis-server"))
    options = parser.parse_args()
    if not options.redis or not os.path.exists(options.redis):
        print("redis-server not found: skipped")
        return 77
    work = tempfile.mkdtemp(prefix="zkv-cluster-scripts-")
    first, second, zkv_port = cluster_port(), cluster_port(), free_port()
    processes = []
    failures = []
    try:
        for port in (first, second):
            processes.append(start([options.redis, "--appendonly", "no", "--cluster-enabled", "yes", "--dir", work,
                                    "--cluster-config-file", os.path.join(work, "nodes-%d.conf" % port)], port))
        topology = os.path.join(work, "topology")
        with open(topology, "w") as out:
            out.write("127.0.0.1:%d 0-8191\n127.0.0.1:%d 8192-16383\n" % (zkv_port, second))
        processes.append(start([options.zkv, "--cluster-enabled", "yes", "--cluster-topology-file", topology],
                               zkv_port))
        redis, other, zkv = Connection(first), Connection(second), Connection(zkv_port)
        redis.call("CLUSTER", "ADDSLOTSRANGE", "0", "8191")
        other.call("CLUSTER", "ADDSLOTSRANGE", "8192", "16383")
        redis.call("CLUSTER", "MEET", "127.0.0.1", str(second))
        wait_cluster_ok(redis)
        for connection in (redis, zkv):
            connection.call("FUNCTION", "LOAD", LIBRARY)
        calls = [["EVAL", script, str(len(keys))] + keys for script, keys in CASES]
        calls += [["FCALL"] + arguments for arguments in FCALLS]
        for arguments in calls:
            expected, got = redis.call(*arguments), zkv.call(*arguments)
            if expected != got:
                failures.append("%r\n  redis: %r\n  zkv:   %r" % (arguments, expected, got))
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)
        shutil.rmtree(work, ignore_errors=True)
    for failure in failures:
        print("DIFF", failure)
    print("%d differences" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
