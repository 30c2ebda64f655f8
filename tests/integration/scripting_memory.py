#!/usr/bin/env python3
"""scripting_memory: Lua memory and maxmemory, on zkv and on redis-server 7.0.15.

Redis's Lua allocates outside zmalloc, so what scripts hold in Lua never
drives eviction; zkv's goes through zmalloc, so used_memory includes it and
eviction leaves it out instead (server/core/script_memory.h).  The same
scenario runs on both servers and the same rules must hold on each:

- idle: used_memory_lua and used_memory_vm_functions are whole kilobytes
  (Lua's own counter) and small, used_memory_vm_total is their sum, and
  mem_not_counted_for_evict is 0;
- with allkeys-lru and maxmemory 1 MB above the data, a script that builds
  a ~14 MB table, a function that does the same, and 300 cached scripts
  evict no key and refuse no write, and at every point
  used_memory - mem_not_counted_for_evict stays under maxmemory;
- what scripts hold is overhead, not used_memory_dataset, and MEMORY STATS's
  lua.caches / functions.caches are INFO's used_memory_scripts_eval /
  used_memory_functions;
- a busy script over the limit sees no key evicted while the loop answers
  SCRIPT KILL;
- SCRIPT FLUSH gives the interpreter back.

zkv alone: used_memory includes the Lua bytes (it grows with the table).
Without redis-server only zkv runs.

Usage: scripting_memory.py --zkv build/zkv-server [--redis /usr/bin/redis-server]
"""
import argparse
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from keyspace_differential import encode, free_port  # noqa: E402
from scripting_differential import Connection, field, read_reply, start  # noqa: E402

KB = 1024
MB = 1024 * KB
TABLE_ENTRIES = 120000  # ~14 MB of Lua strings and array slots

BUILD_SCRIPT = """
local t = {}
for i = 1, tonumber(ARGV[1]) do t[i] = string.rep('x', 64) .. i end
redis.call('SET', 'inscript', '1')
return {#t, redis.call('INFO', 'memory')}
"""

LIBRARY = """#!lua name=big
redis.register_function{function_name='build', flags={'no-writes'}, callback=function(keys, args)
    local t = {}
    for i = 1, tonumber(args[1]) do t[i] = string.rep('y', 64) .. i end
    return #t
end}
"""


# Writes 3 MB (over the limit), then stays busy for one to two seconds.
BUSY_WRITER = """
redis.call('SET', 'big', string.rep('z', 3 * 1024 * 1024))
local start = tonumber(redis.call('TIME')[1])
local spins = 0
while true do
    spins = spins + 1
    if spins % 100000 == 0 and tonumber(redis.call('TIME')[1]) >= start + 2 then break end
end
return redis.call('DBSIZE')
"""


def number(info, name):
    return int(field(info, name))


def info_text(reply):
    """The text of a bulk string reply."""
    return reply.split(b"\r\n", 1)[1]


def check(failures, label, condition, message):
    if not condition:
        failures.append("%s: %s" % (label, message))


def check_counted(failures, label, info, maxmemory, when):
    counted = number(info, "used_memory") - number(info, "mem_not_counted_for_evict")
    check(failures, label, counted <= maxmemory,
          "%s: used_memory - mem_not_counted_for_evict = %d over maxmemory %d" % (when, counted, maxmemory))


def check_nothing_evicted(failures, label, connection, keys, when):
    check(failures, label, number(connection.call("INFO", "stats"), "evicted_keys") == 0, when + ": keys evicted")
    dbsize = connection.call("DBSIZE")
    check(failures, label, dbsize == b":%d\r\n" % keys, "%s: DBSIZE %r, expected %d" % (when, dbsize, keys))


def scenario(connection, label, is_zkv, failures):
    connection.sock.settimeout(180)  # a 14 MB table takes seconds in a sanitizer build on a loaded machine
    idle = connection.call("INFO", "memory")
    lua, functions = number(idle, "used_memory_lua"), number(idle, "used_memory_vm_functions")
    check(failures, label, lua % KB == 0 and functions % KB == 0, "idle Lua figures not whole KB: %d %d" % (lua, functions))
    check(failures, label, 0 < lua < 64 * KB and 0 < functions < 64 * KB, "idle Lua sizes %d %d" % (lua, functions))
    check(failures, label, number(idle, "used_memory_vm_eval") == lua, "used_memory_vm_eval != used_memory_lua")
    check(failures, label, number(idle, "used_memory_vm_total") == lua + functions, "used_memory_vm_total")
    check(failures, label, number(idle, "mem_not_counted_for_evict") == 0, "idle mem_not_counted_for_evict")

    value = "v" * 1000
    for start_index in range(0, 1000, 100):
        for i in range(start_index, start_index + 100):
            connection.sock.sendall(b"*3\r\n$3\r\nSET\r\n$%d\r\nk:%d\r\n$1000\r\n%s\r\n" %
                                    (len(b"k:%d" % i), i, value.encode()))
        for _ in range(100):
            connection.stream.readline()
    filled = connection.call("INFO", "memory")
    maxmemory = number(filled, "used_memory") - number(filled, "mem_not_counted_for_evict") + MB
    connection.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
    connection.call("CONFIG", "SET", "maxmemory", str(maxmemory))
    connection.call("CONFIG", "RESETSTAT")

    # A script's big table: no eviction while it runs or after it.
    reply = connection.call("EVAL", BUILD_SCRIPT, "0", str(TABLE_ENTRIES))
    check(failures, label, reply.startswith(b"*2\r\n:%d\r\n" % TABLE_ENTRIES), "EVAL reply %r" % reply[:80])
    inside = info_text(reply.split(b"\r\n", 2)[2])
    check(failures, label, number(inside, "used_memory_lua") >= lua + 8 * MB,
          "used_memory_lua inside the script: %d" % number(inside, "used_memory_lua"))
    check_counted(failures, label, inside, maxmemory, "inside the script")
    if is_zkv:
        grown = number(inside, "used_memory") - number(filled, "used_memory")
        check(failures, label, grown >= 8 * MB, "used_memory grew by %d only: Lua bytes not in it" % grown)
    check(failures, label, connection.call("SET", "after-eval", "1") == b"+OK\r\n", "SET after the script refused")
    check_nothing_evicted(failures, label, connection, 1002, "after the script")
    check_counted(failures, label, connection.call("INFO", "memory"), maxmemory, "after the script")

    # The same in a function.
    connection.call("FUNCTION", "LOAD", LIBRARY)
    reply = connection.call("FCALL", "build", "0", str(TABLE_ENTRIES))
    check(failures, label, reply == b":%d\r\n" % TABLE_ENTRIES, "FCALL reply %r" % reply)
    check(failures, label, connection.call("SET", "after-fcall", "1") == b"+OK\r\n", "SET after FCALL refused")
    check_nothing_evicted(failures, label, connection, 1003, "after the function")
    check_counted(failures, label, connection.call("INFO", "memory"), maxmemory, "after the function")

    # A script cache: compiled code is Lua's, the bodies are counted.
    for i in range(300):
        body = "return {%s} -- %d" % (",".join(str(n) for n in range(150)), i)
        connection.call("SCRIPT", "LOAD", body)
    cached = connection.call("INFO", "memory")
    check(failures, label, number(cached, "number_of_cached_scripts") == 301, "number_of_cached_scripts")
    check(failures, label, connection.call("SET", "after-cache", "1") == b"+OK\r\n", "SET after caching refused")
    check_nothing_evicted(failures, label, connection, 1004, "after caching scripts")
    check_counted(failures, label, connection.call("INFO", "memory"), maxmemory, "after caching scripts")
    # What scripts hold is overhead, not dataset; MEMORY STATS names the caches as INFO does.
    grown = number(cached, "used_memory_dataset") - number(filled, "used_memory_dataset")
    check(failures, label, abs(grown) < 512 * KB, "used_memory_dataset moved by %d with scripts" % grown)
    stats = connection.call("MEMORY", "STATS").split(b"\r\n")
    for stat, info_field in (("lua.caches", "used_memory_scripts_eval"), ("functions.caches", "used_memory_functions")):
        value = stats[stats.index(stat.encode()) + 1]
        check(failures, label, value == b":%d" % number(cached, info_field),
              "MEMORY STATS %s %r, INFO %s %d" % (stat, value, info_field, number(cached, info_field)))

    # A busy script over the limit: the commands the loop still answers
    # (SCRIPT KILL) evict nothing under it; its own view of the keyspace
    # stays whole.  Eviction resumes once it ends.
    connection.call("CONFIG", "SET", "busy-reply-threshold", "100")
    connection.call("CONFIG", "RESETSTAT")
    killer = Connection(connection.sock.getpeername()[1])
    connection.sock.sendall(encode(["EVAL", BUSY_WRITER, "0"]))
    deadline = time.time() + 10
    reply = killer.call("SCRIPT", "KILL")
    while reply.startswith(b"-NOTBUSY") and time.time() < deadline:  # the script has not started yet
        time.sleep(0.05)
        reply = killer.call("SCRIPT", "KILL")
    check(failures, label, reply.startswith(b"-UNKILLABLE"), "SCRIPT KILL of a writer: %r" % reply)
    reply = read_reply(connection.stream)
    check(failures, label, reply == b":1005\r\n", "DBSIZE seen by the busy script at its end: %r" % reply)
    killer.sock.close()
    connection.call("CONFIG", "SET", "busy-reply-threshold", "5000")
    connection.call("DEL", "big")

    connection.call("SCRIPT", "FLUSH", "SYNC")
    flushed = connection.call("INFO", "memory")
    check(failures, label, number(flushed, "number_of_cached_scripts") == 0, "SCRIPT FLUSH kept scripts")
    check(failures, label, number(flushed, "used_memory_lua") <= lua + 4 * KB,
          "used_memory_lua after SCRIPT FLUSH: %d (idle %d)" % (number(flushed, "used_memory_lua"), lua))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zkv", required=True)
    parser.add_argument("--redis", default=shutil.which("redis-server"))
    options = parser.parse_args()
    servers = [("zkv", [options.zkv], True)]
    if options.redis:
        servers.append(("redis", [options.redis, "--appendonly", "no"], False))
    failures = []
    for label, argv, is_zkv in servers:
        port = free_port()
        process = start(argv, port)
        try:
            scenario(Connection(port), label, is_zkv, failures)
        finally:
            process.terminate()
            process.wait(10)
    for failure in failures:
        print("FAIL", failure)
    print("%d failures (%s)" % (len(failures), ", ".join(label for label, _, _ in servers)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
