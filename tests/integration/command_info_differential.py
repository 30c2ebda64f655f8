#!/usr/bin/env python3
"""command_info_differential: command metadata and key finding against redis-server 7.0.15.

1. COMMAND INFO of every command both servers list (COMMAND LIST), with
   subcommands compared as sets (their order is Redis's hash order): name,
   arity, flags, legacy key range, ACL categories, tips, key specs (flags,
   notes, begin_search, find_keys) and subcommands must be equal.
   Commands only one server has are listed, not failed: zkv lacks
   replication, cluster administration and modules on purpose.
2. COMMAND GETKEYS and GETKEYSANDFLAGS for representative calls of every
   way keys are found (ranges, key counts, keywords, STORE options, unknown
   specs falling back to a command's own key finder, variable flags,
   malformed calls), and ACL DRYRUN of the same calls for a user with
   %R~read* %W~write* %RW~rw* key patterns: the replies must be equal, so an
   ACL check reads the same keys with the same access as Redis.

Both servers are started on free ports of 127.0.0.1 and killed by PID.
Exit 0 when identical, 1 otherwise, 77 without redis-server.

Usage: command_info_differential.py [--zkv PATH] [--redis PATH]
"""
import argparse
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from keyspace_differential import Connection, free_port, start  # noqa: E402


def text(reply):
    if isinstance(reply, tuple):
        return [text(r) for r in reply[1]]
    head, _, rest = reply.partition(b"\r\n")
    if head[:1] == b"$":
        return None if head == b"$-1" else rest[:-2].decode(errors="replace")
    return head.decode(errors="replace")


def normalized_info(entry, common):
    """Subcommands as a sorted list, of those both servers have (the others
    are listed apart)."""
    if entry is None:
        return None
    entry = list(entry)
    if len(entry) > 9:
        entry[9] = sorted((normalized_info(sub, common) for sub in entry[9] if sub[0] in common), key=repr)
    return entry


# Calls whose keys are found in every way Redis finds them; "K" stands for
# a key name that the ACL probe replaces with read/write/rw variants.
CALLS = [
    ["GET", "K"], ["SET", "K", "v"], ["SET", "K", "v", "GET"], ["MSET", "K", "1", "K", "2"], ["MGET", "K", "K"],
    ["COPY", "K", "K"], ["RENAME", "K", "K"], ["LMOVE", "K", "K", "LEFT", "RIGHT"], ["SMOVE", "K", "K", "m"],
    ["BITFIELD", "K", "GET", "u8", "0"], ["BITFIELD", "K", "SET", "u8", "0", "1"], ["BITFIELD_RO", "K", "GET", "u8", "0"],
    ["BITOP", "AND", "K", "K", "K"], ["GETEX", "K", "PERSIST"], ["PFCOUNT", "K", "K"], ["PFMERGE", "K"],
    ["PFMERGE", "K", "K", "K"], ["SORT", "K"], ["SORT", "K", "BY", "w*", "GET", "#", "STORE", "K"],
    ["SORT", "K", "LIMIT", "0", "1", "STORE", "K"], ["SORT", "K", "STORE"], ["SORT_RO", "K", "BY", "x"],
    ["GEORADIUS", "K", "0", "0", "1", "km"], ["GEORADIUS", "K", "0", "0", "1", "km", "STORE", "K"],
    ["GEORADIUS", "K", "0", "0", "1", "km", "STOREDIST", "K"],
    ["GEORADIUS", "K", "0", "0", "1", "km", "STORE", "K", "STOREDIST", "K"],
    ["GEORADIUS", "K", "0", "0", "1", "km", "STORE"], ["GEORADIUSBYMEMBER", "K", "m", "1", "km", "STORE", "K"],
    ["GEORADIUS_RO", "K", "0", "0", "1", "km"], ["GEOSEARCHSTORE", "K", "K", "FROMMEMBER", "m", "BYRADIUS", "1", "km"],
    ["ZUNIONSTORE", "K", "2", "K", "K"], ["ZUNIONSTORE", "K", "0", "K"], ["ZUNION", "2", "K", "K"],
    ["ZINTERCARD", "2", "K", "K"], ["SINTERCARD", "1", "K"], ["LMPOP", "2", "K", "K", "LEFT"],
    ["BLMPOP", "0", "2", "K", "K", "LEFT"], ["ZMPOP", "1", "K", "MIN"], ["BZMPOP", "0", "1", "K", "MIN"],
    ["EVAL", "s", "2", "K", "K"], ["EVAL", "s", "0"], ["EVAL", "s", "x"], ["EVAL", "s", "5", "K"],
    ["EVAL_RO", "s", "1", "K"], ["EVALSHA", "s", "1", "K"], ["FCALL", "f", "1", "K"], ["FCALL_RO", "f", "1", "K"],
    ["XADD", "K", "*", "f", "v"], ["XREAD", "STREAMS", "K", "K", "0", "0"], ["XREAD", "COUNT", "1", "STREAMS", "K", "0"],
    ["XREAD", "STREAMS", "K", "K", "0"], ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "K", "0"],
    ["XAUTOCLAIM", "K", "g", "c", "0", "0"], ["XGROUP", "CREATE", "K", "g", "0"], ["XGROUP", "DESTROY", "K", "g"],
    ["XINFO", "STREAM", "K"], ["OBJECT", "ENCODING", "K"], ["MEMORY", "USAGE", "K"], ["EXISTS", "K", "K"],
    ["TOUCH", "K"], ["DEL", "K", "K"], ["RESTORE", "K", "0", "x"], ["BLPOP", "K", "K", "0"], ["SPUBLISH", "K", "m"],
    ["MIGRATE", "h", "1", "K", "0", "5"], ["MIGRATE", "h", "1", "", "0", "5", "KEYS", "K", "K"],
    ["MIGRATE", "h", "1", "", "0", "5", "AUTH2", "KEYS", "x", "KEYS", "K"], ["PING"],
]
ACL_KEYS = ["rw1", "read1", "write1"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zkv", default=os.environ.get("ZKV_SERVER", "build/zkv-server"))
    parser.add_argument("--redis", default=shutil.which("redis-server"))
    args = parser.parse_args()
    if not args.redis:
        print("redis-server not found: skipped")
        return 77
    failures, compared = [], 0
    processes, conns = [], []
    try:
        for path in (args.zkv, args.redis):
            process, sock = start([path], free_port())
            processes.append(process)
            conns.append(Connection(sock))
        zkv, redis = conns
        names = [set(text(c.call(["COMMAND", "LIST"]))) for c in conns]
        common = names[0] & names[1]
        for name in sorted(common):
            got, expected = (normalized_info(text(c.call(["COMMAND", "INFO", name]))[0], common) for c in conns)
            compared += 1
            if got != expected:
                failures.append("COMMAND INFO %s:\n  zkv   %r\n  redis %r" % (name, got, expected))
        for c in conns:
            c.call(["ACL", "SETUSER", "probe", "on", "nopass", "+@all", "%R~read*", "%W~write*", "%RW~rw*"])
        for call in CALLS:
            probes = [["COMMAND", "GETKEYS"] + call, ["COMMAND", "GETKEYSANDFLAGS"] + call]
            for index, key in enumerate(ACL_KEYS):
                # each key position gets its own variant in turn
                keyed = []
                seen = 0
                for argument in call:
                    if argument == "K":
                        keyed.append(key if seen == index % max(1, call.count("K")) else "rw%d" % seen)
                        seen += 1
                    else:
                        keyed.append(argument)
                probes.append(["ACL", "DRYRUN", "probe"] + keyed)
                probes.append(["ACL", "DRYRUN", "probe"] + [key if a == "K" else a for a in call])
            for probe in probes:
                got, expected = text(zkv.call(probe)), text(redis.call(probe))
                compared += 1
                if got != expected:
                    failures.append("%r:\n  zkv   %r\n  redis %r" % (probe, got, expected))
    finally:
        for process in processes:
            process.kill()
            process.wait()
    print("commands only redis-server has: %s" % " ".join(sorted(names[1] - names[0])))
    print("commands only zkv has: %s" % " ".join(sorted(names[0] - names[1])))
    for failure in failures[:40]:
        print("FAIL:", failure)
    print("%d replies compared, %d differences" % (compared, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
