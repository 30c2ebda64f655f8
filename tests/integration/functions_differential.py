#!/usr/bin/env python3
"""functions_differential: FUNCTION, FCALL, cmsgpack and struct against zkv and redis-server 7.0.15.

The same commands go to both servers, in RESP2 and RESP3, and the raw reply
bytes must be identical: FUNCTION LOAD's metadata and registration errors,
redis.register_function's argument checks, the load-time and run-time
sandboxes, FCALL/FCALL_RO replies and errors, FUNCTION LIST/STATS/DUMP
(byte for byte, LZF included), RESTORE policies, and payloads moving both
ways between the servers; cmsgpack and struct: every encoding width,
round trips, offsets and limits, alignment, and their error texts.  Then a busy function: FUNCTION STATS names it,
other clients get -BUSY, FUNCTION KILL stops it.  Exit 77 without
redis-server.

Usage: functions_differential.py --zkv build/zkv-server [--redis /usr/bin/redis-server]
"""
import argparse
import os
import shutil
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scripting_differential import Connection, free_port, start  # noqa: E402


def lib(name, body):
    return "#!lua name=%s\n%s" % (name, body)


REG = "redis.register_function"

# (FUNCTION LOAD arguments) each followed by FUNCTION LIST of that library
# when it loaded: one library at a time, so dict order cannot differ.
LOADS = [
    ["x"], ["#!lua"], ["#!lua name=a\"b"], ["#!lua name=a-b\n"], ["#!lua name=\"a b\"\n"], ["#! name=t\nreturn 1"],
    ["#!lua name=t foo=bar\n"], ["#!lua name=a name=b\n"], ["#!lua name=\"q\"\n%s('q', function() return 1 end)" % REG],
    ["#!LUA name=up\n%s('up', function() return 1 end)" % REG],
    [lib("t", "return 1")], [lib("t", "%s('f')" % REG)], [lib("t", "local x = nil; x.y = 1")],
    [lib("t", "error('boom')")], [lib("t", "%s{function_name='f', callback=function() end, flags={'bad'}}" % REG)],
    [lib("t", "%s{function_name='f', callback=function() end, flags='x'}" % REG)], [lib("t", "%s('f'" % REG)],
    [lib("t", "%s{[1]=5, callback=function() end}" % REG)], [lib("t", "%s{callback=function() end}" % REG)],
    [lib("t", "%s{function_name='x'}" % REG)], [lib("t", "%s('a-b', function() end)" % REG)],
    [lib("t", "%s('a', function() end, 3)" % REG)], [lib("t", "%s(1, 2)" % REG)], [lib("t", "%s({}, 2)" % REG)],
    [lib("t", "%s{function_name='x', callback=function() end, description={}}" % REG)],
    [lib("t", "%s{function_name={}, callback=function() end}" % REG)],
    [lib("t", "%s{function_name='x', callback=1}" % REG)], [lib("t", "%s()" % REG)],
    [lib("t", "%s{function_name='x', callback=function() end, flags={1}}" % REG)],
    [lib("t", "%s{function_name='x', callback=function() end, flags={'no-writes', 'no-writes'}}" % REG)],
    [lib("t", "%s{function_name=5, callback=function() end, description=7}" % REG)],
    [lib("t", "%s{function_name='fl', callback=function() end, flags={'no-writes', 'allow-oom', 'allow-stale', "
              "'no-cluster', 'allow-cross-slot-keys'}}" % REG)],
    [lib("t", "%s('a', function() end) %s('b', function() end)" % (REG, REG))],
    [lib("t", "%s('a', function() end) %s('a', function() end)" % (REG, REG))],
    [lib("t", "return math.random()")], [lib("t", "redis.math.random()")], [lib("t", "redis.redis.call('ping')")],
    [lib("t", "return redis.set_repl(redis.REPL_NONE)")], [lib("t", "mt = getmetatable(_G)")],
    [lib("t", "redis.call('ping')")], [lib("t", "x = 1")], [lib("t", "redis.x = 1")],
    [lib("t", "redis.log(redis.LOG_DEBUG, 'x') %s('v', function() return redis.REDIS_VERSION end)" % REG)],
    ["replace"], ["foo", "bar"], ["replace", "replace", lib("rr", "%s('rr', function() return 1 end)" % REG)],
    [lib("t", "%s('" % REG + "y" * 300 + "', function() return 1 end)")],
]

FUNCTIONS = lib("fl1", """
%s('echo', function(keys, args) return {keys, args} end)
%s('set', function(keys, args) return redis.call('set', keys[1], args[1]) end)
%s{function_name='get', callback=function(keys, args) return redis.call('get', keys[1]) end, flags={'no-writes'}}
%s('ret', function(keys, args) return loadstring('return ' .. args[1])() end)
%s('err', function() return redis.call('nosuch') end)
%s('perr', function() return redis.pcall('incr', 'str') end)
%s('nilidx', function() local t = nil; return t.x end)
%s('glob', function() x = 1 end)
%s('reg', function() return redis.register_function('z', function() end) end)
%s('resp3', function() redis.setresp(3); return redis.call('config', 'get', 'maxmemory') end)
%s('trick', function() local mt = getmetatable(_G); mt.__index['redis'] = 1 end)
%s('writes', function() return redis.call('set', 'w', 1) end)
%s{function_name='nc', callback=function() return 1 end, flags={'no-cluster'}}
%s('keys', function(keys) return #keys end)
%s('libs', function(keys, args) return {cmsgpack.unpack(cmsgpack.pack(args[1])), struct.size('>i')} end)
""" % tuple([REG] * 15))

FCALLS = [
    ["FCALL", "echo", "2", "a", "b", "c"], ["FCALL", "ECHO", "0"], ["FCALL", "set", "1", "k", "v"],
    ["FCALL", "get", "1", "k"], ["FCALL_RO", "get", "1", "k"], ["FCALL_RO", "set", "1", "k", "v"],
    ["FCALL", "nosuch", "0"], ["FCALL", "echo", "x"], ["FCALL", "echo", "-1"], ["FCALL", "echo", "3", "a"],
    ["FCALL", "err", "0"], ["FCALL", "perr", "0"], ["FCALL", "nilidx", "0"], ["FCALL", "glob", "0"],
    ["FCALL", "reg", "0"], ["FCALL", "resp3", "0"], ["FCALL", "trick", "0"], ["FCALL", "nc", "0"],
    ["FCALL", "keys", "3", "a", "b", "c"], ["FCALL"], ["FCALL", "echo"], ["FCALL_RO", "writes", "0"],
    ["FCALL", "ret", "0", "3.7"], ["FCALL", "ret", "0", "{1, 2, {3, 'x'}, nil, 4}"], ["FCALL", "ret", "0", "true"],
    ["FCALL", "ret", "0", "{err='E x'}"], ["FCALL", "ret", "0", "{ok='fine'}"], ["FCALL", "ret", "0", "{double=1.5}"],
    ["FCALL", "ret", "0", "{map={a=1}}"], ["FCALL", "ret", "0", "nil"], ["FCALL", "libs", "0", "x"],
]

MISC = [
    ["FUNCTION", "LIST", "bad_argument"], ["FUNCTION", "LIST", "libraryname"], ["FUNCTION", "LIST", "withcode", "withcode"],
    ["FUNCTION", "LIST", "withcode", "libraryname", "foo", "libraryname", "foo"], ["FUNCTION", "LIST", "X\r\n+INJECTED"],
    ["FUNCTION", "LIST", "LIBRARYNAME", "fl*", "WITHCODE"], ["FUNCTION", "LIST", "libraryname", "nomatch*"],
    ["FUNCTION", "DELETE", "nosuch"], ["FUNCTION", "DELETE"], ["FUNCTION", "FLUSH", "bad_arg"],
    ["FUNCTION", "FLUSH", "sync", "extra_arg"], ["FUNCTION", "KILL"], ["FUNCTION", "STATS"], ["FUNCTION", "HELP"],
    ["FUNCTION", "NOSUCH"], ["FUNCTION"], ["FUNCTION", "RESTORE", "bad_payload"],
    ["FUNCTION", "RESTORE", "arg1", "arg2", "arg3"], ["FUNCTION", "RESTORE", "x", "badpolicy"],
    ["FUNCTION", "RESTORE", "0123456789"], ["FUNCTION", "DUMP", "x"],
] + [["COMMAND", sub] + call for sub in ("GETKEYS", "GETKEYSANDFLAGS") for call in (
    ["EVAL", "x", "1", "x", "foo"], ["EVAL", "x", "0"], ["EVAL", "x", "x"], ["EVAL", "x", "5", "a"],
    ["EVAL", "x", "-1", "a"], ["FCALL_RO", "f", "2", "a", "b"], ["FCALL", "f", "2", "a", "b"],
    ["EVALSHA", "s", "3", "a", "b", "c", "d"], ["EVAL_RO", "s", "1", "a"], ["EVALSHA_RO", "s", "2", "a", "b"],
    ["FCALL"], ["EVAL", "x"])]


LIBRARY_SCRIPTS = [
    'local a = {} for i=1,7999 do a[i] = 1 end return redis.call("del", unpack(a))',
    'local a = {} for i=1,7999 do a[i] = \'k\' .. i end return redis.call("mset", unpack(a))',
    'local a = {} for i=1,7990 do a[i] = 1.5 end return redis.call("del", \'x\', unpack(a))',
    'local a = {} for i=1,7999 do a[i] = 1 end return redis.pcall("nosuch", unpack(a))',
    'local a = {} for i=1,7998 do a[i] = 1 end a[7999] = {} return redis.pcall("del", unpack(a))',
    "return redis.call('set', 'a', 1.5, 'x')",
    "return redis.call('del', 1, 2.25, 1e300, -0.0, 'x')",
    'return bit.tohex(65535, -2147483648)',
    'return bit.tohex(65535)',
    'return bit.tohex(65535, -3)',
    'return bit.tohex(65535, 3)',
    'return bit.tohex(-1, 100)',
    'return bit.tohex(1.5e10, 0)',
    'return bit.tohex(255, 2147483647)',
    'return bit.tohex()',
    "return bit.tohex('x')",
    "return bit.tohex(12, 'x')",
    'return {unpack({1,2,3}, -2, 2147483647)}',
    'return {unpack({1,2,3}, 0, 2147483647)}',
    'return {unpack({1,2,3}, -2147483648, -2)}',
    'return {unpack({1,2,3})}',
    'return {unpack({1,2,3}, 2)}',
    'return {unpack({1,2,3}, 2, 5)}',
    'return {unpack({1,2,3}, 3, 1)}',
    'return {unpack({1,2,3}, -1, 1)}',
    'return unpack()',
    'return {unpack(redis)}',
    "return struct.size('s')",
    "return struct.size('c0')",
    "return struct.size('!3i')",
    "return struct.size('i33')",
    "return struct.size('q')",
    "return struct.pack('q', 1)",
    "return struct.pack('c3', 'ab')",
    "return struct.unpack('i', 'ab')",
    "return struct.unpack('c0', 'ab')",
    "return struct.unpack('s', 'ab')",
    "return struct.unpack('b', 'ab', 0)",
    "return struct.size('i99999999999')",
    'return cmsgpack.pack()',
    "return cmsgpack.unpack('\\193')",
    "return cmsgpack.unpack('\\146\\1')",
    "return cmsgpack.unpack_one('\\1', -1)",
    "return cmsgpack.unpack_one('\\1', 5)",
    "return {cmsgpack.unpack_limit('\\1\\2\\3', 2)}",
    'return cmsgpack._VERSION',
    'return cmsgpack.unpack(1)',
    "return {struct.unpack('>i2<i2!4bi', struct.pack('>i2<i2!4bi', -2, 300, 1, 7))}",
    "return struct.pack('bb')",
    "return cmsgpack.unpack('\\129\\192\\1')",
    "return struct.unpack('i', 'abcd', 2)",
    "return {struct.unpack('b c0', struct.pack('b c0', 3, 'xyz'))}",
    'return cmsgpack.pack(1, -1, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649, 1.5, 0.1, 1e300, -0.0, 1/0, -1/0)',
    "return cmsgpack.pack('', string.rep('x', 31), string.rep('x', 32), string.rep('x', 255), string.rep('x', 256), string.rep('x', 65536))",
    'return cmsgpack.pack({}, {1,2,3}, {a=1}, {1, nil, 3}, {[2]=1}, {[1.5]=1}, true, false, nil)',
    'return cmsgpack.pack({1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17})',
    'return cmsgpack.pack({a={b={c={d={e={f={g={h={i={j={k={l={m={n={o={p={q={r=1}}}}}}}}}}}}}}}}}})',
    'return {cmsgpack.unpack(cmsgpack.pack(1, -1, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649, 1.5, 0.1))}',
    "return cmsgpack.unpack(cmsgpack.pack({1,2,{3,4,{'x','y'}}}))",
    "return cmsgpack.unpack(cmsgpack.pack({a=1,b={c='d'}})).b.c",
    'return tostring(cmsgpack.unpack(cmsgpack.pack(0.1)))',
    'return tostring(cmsgpack.unpack(cmsgpack.pack(1e300)))',
    'return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3))}',
    'return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 1)}',
    'return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 2)}',
    'return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 0)}',
    'return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 5, 1)}',
    'return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), -1)}',
    "return cmsgpack.unpack('\\217')",
    "return cmsgpack.unpack('\\217\\5ab')",
    "return cmsgpack.unpack('\\220\\0\\2\\1')",
    "return cmsgpack.unpack('\\221\\0\\0\\0\\1\\1')",
    "return cmsgpack.unpack('\\222\\0\\1\\1\\2').x",
    "return cmsgpack.unpack('\\223\\0\\0\\0\\1\\161a\\2').a",
    "return cmsgpack.unpack('\\218\\0\\2ab')",
    "return cmsgpack.unpack('\\219\\0\\0\\0\\2ab')",
    "return cmsgpack.unpack('\\203\\63\\240\\0\\0\\0\\0\\0\\0')",
    "return cmsgpack.unpack('\\202\\63\\128\\0\\0')",
    "return {cmsgpack.unpack('\\204\\255\\205\\255\\255\\206\\255\\255\\255\\255\\207\\0\\0\\0\\1\\0\\0\\0\\0')}",
    "return {cmsgpack.unpack('\\208\\128\\209\\128\\0\\210\\128\\0\\0\\0\\211\\255\\255\\255\\255\\255\\255\\255\\255')}",
    "return cmsgpack.unpack('\\224')",
    "return cmsgpack.unpack('\\199')",
    "return cmsgpack.unpack('')",
    "return cmsgpack.unpack_one('')",
    "return cmsgpack.unpack(string.rep('\\145', 10000) .. '\\1')",
    "return #cmsgpack.pack(string.rep('x', 70000))",
    'local t = {} t[1] = t return cmsgpack.pack(t)',
    "return struct.pack('>I2', 65535)",
    "return struct.pack('<i4', -2)",
    "return struct.pack('>i16', -1)",
    "return {struct.unpack('>i16', struct.pack('>i16', -1))}",
    "return {struct.unpack('<I3', 'abc')}",
    "return {struct.unpack('>i3', '\\255\\255\\254')}",
    "return struct.pack('bBhHlLTiI', -1, 255, -2, 65535, -3, 4, 5, -6, 7)",
    "return {struct.unpack('bBhHlLTiI', struct.pack('bBhHlLTiI', -1, 255, -2, 65535, -3, 4, 5, -6, 7))}",
    "return struct.pack('>d<f', 1.5, 2.25)",
    "return {struct.unpack('>d<f', struct.pack('>d<f', 1.5, 2.25))}",
    "return struct.pack('!4bi!8bd', 1, 2, 3, 4)",
    "return struct.size('!4bi!8bd')",
    "return struct.size('!bi')",
    "return struct.size('bxxi')",
    "return struct.pack('s', 'hi')",
    "return {struct.unpack('s b', struct.pack('s b', 'hi', 9))}",
    "return struct.pack('c0', 'abc')",
    "return struct.pack('c5', 'abc')",
    "return struct.unpack('z', 'a')",
    "return struct.size('z')",
    'return struct.pack()',
    "return struct.unpack('b')",
    "return struct.pack('=i', 1)",
    "return struct.pack('i', 'x')",
    "return struct.pack('i', '12')",
    "return {struct.unpack('b', 'abc', 3)}",
    "return {struct.unpack('b', 'abc', 4)}",
    "return struct.size('!0')",
    "return struct.size('i0')",
    "return struct.pack('i0', 5)",
    "return struct.unpack('i0', '')",
]


def compare(zkv, redis, arguments, failures):
    expected, got = redis.call(*arguments), zkv.call(*arguments)
    if expected != got:
        failures.append("%r\n  redis: %r\n  zkv:   %r" % (arguments, expected, got))
    return got


def compare_unordered(zkv, redis, arguments, failures):
    """FUNCTION LIST: Redis lists a library's functions in its dict's order,
    random per process, so the reply's lines are compared as a multiset."""
    expected, got = redis.call(*arguments), zkv.call(*arguments)
    if sorted(expected.split(b"\r\n")) != sorted(got.split(b"\r\n")):
        failures.append("%r\n  redis: %r\n  zkv:   %r" % (arguments, expected, got))


def both(zkv, redis, *arguments):
    return redis.call(*arguments), zkv.call(*arguments)


def check_restore(zkv, redis, failures):
    """Payloads: byte-identical DUMPs, RESTORE policies, and moves both ways."""
    both(zkv, redis, "FUNCTION", "FLUSH")
    big = lib("big", "%s('big', function() return '%s' end) %s('one', function() return 1 end)" %
              (REG, "abc" * 200, REG))
    # One library (compressed): byte for byte.  With two, Redis's order is
    # its dict's (random per process): same length then.
    compare(zkv, redis, ["FUNCTION", "LOAD", big], failures)
    dumps = both(zkv, redis, "FUNCTION", "DUMP")
    if dumps[0] != dumps[1]:
        failures.append("FUNCTION DUMP differs\n  redis: %r\n  zkv:   %r" % dumps)
    payload = dumps[0].split(b"\r\n", 1)[1][:-2]
    zkv_payload = dumps[1].split(b"\r\n", 1)[1][:-2]
    compare(zkv, redis, ["FUNCTION", "LOAD", lib("two", "%s('two', function() return 2 end)" % REG)], failures)
    dumps = both(zkv, redis, "FUNCTION", "DUMP")
    if len(dumps[0]) != len(dumps[1]):
        failures.append("FUNCTION DUMP of two libraries differs\n  redis: %r\n  zkv:   %r" % dumps)
    for policy in ([], ["APPEND"], ["REPLACE"], ["FLUSH"]):
        compare(zkv, redis, ["FUNCTION", "RESTORE", payload] + policy, failures)
        compare(zkv, redis, ["FCALL", "one", "0"], failures)
    compare(zkv, redis, ["FUNCTION", "FLUSH"], failures)
    compare(zkv, redis, ["FUNCTION", "RESTORE", payload], failures)
    compare(zkv, redis, ["FUNCTION", "LOAD", "REPLACE", lib("one", "%s('other', function() return 2 end)" % REG)],
            failures)
    compare(zkv, redis, ["FUNCTION", "RESTORE", payload, "REPLACE"], failures)
    compare(zkv, redis, ["FUNCTION", "LOAD", lib("clash", "%s('one', function() return 3 end)" % REG)], failures)
    compare(zkv, redis, ["FUNCTION", "DELETE", "one"], failures)
    compare(zkv, redis, ["FUNCTION", "LOAD", lib("clash", "%s('one', function() return 3 end)" % REG)], failures)
    compare(zkv, redis, ["FUNCTION", "RESTORE", payload, "REPLACE"], failures)
    for arguments in (["FUNCTION", "DELETE", "big"], ["FUNCTION", "LOAD", lib("clash", "%s('one', function() return 3 end)" % REG)],
                      ["FUNCTION", "RESTORE", payload], ["FUNCTION", "RESTORE", payload, "REPLACE"],
                      ["FCALL", "one", "0"], ["FUNCTION", "DELETE", "clash"], ["FUNCTION", "RESTORE", payload]):
        compare(zkv, redis, arguments, failures)
    compare(zkv, redis, ["FCALL", "one", "0"], failures)
    compare(zkv, redis, ["FCALL", "big", "0"], failures)
    corrupt = payload[:-1] + bytes([payload[-1] ^ 1])
    compare(zkv, redis, ["FUNCTION", "RESTORE", corrupt], failures)
    # Each server restores the other's payload.
    for source, target, text in ((redis, zkv, payload), (zkv, redis, zkv_payload)):
        target.call("FUNCTION", "FLUSH")
        reply = target.call("FUNCTION", "RESTORE", text)
        if reply != b"+OK\r\n" or target.call("FCALL", "big", "0") != source.call("FCALL", "big", "0"):
            failures.append("cross RESTORE failed: %r" % reply)


def check_oom(zkv, redis, failures):
    """Declared flags decide before the run: a writing script without
    allow-oom gets dispatch's -OOM; no-writes/allow-oom scripts run."""
    both(zkv, redis, "FUNCTION", "FLUSH")
    flagged = lib("oom", "%s('w', function() return 1 end) "
                         "%s{function_name='ro', callback=function() return redis.call('get', 'x') end, "
                         "flags={'no-writes'}} "
                         "%s{function_name='ao', callback=function() return redis.call('set', 'x', 1) end, "
                         "flags={'allow-oom'}}" % (REG, REG, REG))
    compare(zkv, redis, ["FUNCTION", "LOAD", flagged], failures)
    sha = both(zkv, redis, "SCRIPT", "LOAD", "#!lua\nreturn redis.call('set', 'y', 1)")[0].split(b"\r\n")[1]
    compare(zkv, redis, ["SCRIPT", "LOAD", "#!lua flags=no-writes\nreturn 2"], failures)
    payload = both(zkv, redis, "FUNCTION", "DUMP")[0].split(b"\r\n", 1)[1][:-2]
    both(zkv, redis, "CONFIG", "SET", "maxmemory", "1")
    for arguments in (["EVAL", "#!lua\nreturn 1", "0"], ["EVAL", "#!lua flags=no-writes\nreturn 1", "0"],
                      ["EVAL", "#!lua flags=allow-oom\nreturn redis.call('set', 'x', 1)", "0"],
                      ["EVAL", "return 1", "0"], ["EVAL", "return redis.call('set', 'x', 1)", "0"],
                      ["EVAL", "#!lua flags=bad\nreturn 1", "0"], ["EVALSHA", sha, "0"],
                      ["EVALSHA", "4f1b5b5b0c2c4d2b0a0f8a1e8e6f1b2c3d4e5f60", "0"], ["FCALL", "w", "0"],
                      ["FCALL", "ro", "0"], ["FCALL_RO", "ro", "0"], ["FCALL", "ao", "0"], ["FCALL", "nosuch", "0"],
                      ["FUNCTION", "LOAD", lib("other", "%s('o', function() end)" % REG)],
                      ["FUNCTION", "RESTORE", payload, "REPLACE"], ["FUNCTION", "DELETE", "oom"]):
        compare(zkv, redis, arguments, failures)
    both(zkv, redis, "CONFIG", "SET", "maxmemory", "0")


def check_monitor(zkv_port, redis_port, failures):
    """MONITOR shows EVAL/FCALL first, then their commands as [db lua]."""
    lines = []
    for port in (redis_port, zkv_port):
        watcher, runner = Connection(port), Connection(port)
        watcher.call("MONITOR")
        runner.call("FUNCTION", "LOAD", "REPLACE", lib("mon", "%s('mon', function(k, a) return redis.call('set', "
                                                            "k[1], a[1]) end)" % REG))
        runner.call("EVAL", "redis.call('set', KEYS[1], ARGV[1])", "1", "foo", "bar")
        runner.call("FCALL", "mon", "1", "k", "v")
        runner.call("FCALL", "nosuch", "0")
        runner.call("PING")
        seen = []
        while True:
            line = watcher.stream.readline()
            seen.append(line.split(b"]", 1)[1] if b"lua]" not in line else b"lua" + line.split(b"lua]", 1)[1])
            if b'"PING"' in line or b'"ping"' in line:
                break
        lines.append(seen)
    if lines[0] != lines[1]:
        failures.append("MONITOR lines differ\n  redis: %r\n  zkv:   %r" % tuple(lines))


def check_script_memory_policy(zkv, failures):
    """MEMORY DOCTOR warns past 1000 cached scripts."""
    zkv.call("FLUSHALL")
    zkv.call("SCRIPT", "FLUSH", "SYNC")
    for i in range(1100):
        zkv.call("SCRIPT", "LOAD", "return '%d%s'" % (i, "x" * 5000))
    doctor = zkv.call("MEMORY", "DOCTOR")
    if b"Many scripts: 1100 scripts are cached" not in doctor:
        failures.append("MEMORY DOCTOR without the many-scripts finding: %r" % doctor[:300])
    zkv.call("SCRIPT", "FLUSH", "SYNC")
    zkv.call("FLUSHALL")


def check_restore_time_limit(zkv, failures):
    """A payload whose library loops at load time is refused after FUNCTION
    LOAD's 500 ms limit (Redis would hang); the server keeps serving."""
    import struct

    def crc64(data):
        crc = 0
        for byte in data:
            crc ^= byte
            for _ in range(8):
                crc = (crc >> 1) ^ 0x95ac9329ac4bc9b5 if crc & 1 else crc >> 1
        return crc

    code = b"#!lua name=loop\nlocal i = 0 while true do i = i + 1 end"
    body = bytes([0xf5, len(code)]) + code + bytes([10, 0])
    started = time.time()
    reply = zkv.call("FUNCTION", "RESTORE", body + struct.pack("<Q", crc64(body)))
    if reply != b"-ERR Error registering functions: ERR FUNCTION LOAD timeout\r\n" or time.time() - started > 5:
        failures.append("RESTORE of a looping library: %r after %.1f s" % (reply, time.time() - started))
    if zkv.call("PING") != b"+PONG\r\n":
        failures.append("no PONG after the looping RESTORE")


def check_busy(port, failures):
    admin = Connection(port)
    admin.call("CONFIG", "SET", "busy-reply-threshold", "50")
    admin.call("FUNCTION", "LOAD", "REPLACE", lib("busy", "%s('loop', function() local i = 0 while true do i = i + 1 "
                                                         "end end)" % REG))
    runner = Connection(port)
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("reply", runner.call("FCALL", "loop", "0")))
    thread.start()
    time.sleep(0.3)
    expected_busy = b"-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n"
    busy = admin.call("PING")
    if busy != expected_busy:
        failures.append("PING during a busy function answered %r" % busy)
    stats = admin.call("FUNCTION", "STATS")
    if b"running_script" not in stats or b"$4\r\nloop\r\n" not in stats or b"$5\r\nFCALL\r\n" not in stats:
        failures.append("FUNCTION STATS during a busy function: %r" % stats)
    if admin.call("SCRIPT", "KILL") != expected_busy:
        failures.append("SCRIPT KILL during a function is not refused")
    killed = admin.call("FUNCTION", "KILL")
    if killed != b"+OK\r\n":
        failures.append("FUNCTION KILL answered %r" % killed)
    thread.join(60)
    if not result.get("reply", b"").startswith(b"-ERR Script killed by user with SCRIPT KILL..."):
        failures.append("the killed function answered %r" % result.get("reply"))
    if admin.call("FUNCTION", "KILL") != b"-NOTBUSY No scripts in execution right now.\r\n":
        failures.append("FUNCTION KILL with nothing running")
    admin.call("CONFIG", "SET", "busy-reply-threshold", "5000")


def field(info, name):
    for line in info.decode().split("\r\n"):
        if line.startswith(name + ":"):
            return line.split(":", 1)[1]
    return None


def check_memory(zkv, failures):
    """Libraries are counted in INFO and their memory goes back on FLUSH."""
    zkv.call("FUNCTION", "FLUSH")
    zkv.call("MEMORY", "PURGE")
    base = int(field(zkv.call("INFO", "memory"), "used_memory"))
    for i in range(50):
        zkv.call("FUNCTION", "LOAD", lib("m%d" % i, "%s('m%d', function() return %d end)" % (REG, i, i)))
    info = zkv.call("INFO", "memory")
    if field(info, "number_of_libraries") != "50" or field(info, "number_of_functions") != "50":
        failures.append("libraries not counted: %r" % info)
    if int(field(info, "used_memory_functions")) <= 0 or int(field(info, "used_memory_vm_functions")) <= 0:
        failures.append("function memory not reported")
    zkv.call("FUNCTION", "FLUSH")
    zkv.call("EVAL", "return 1", "0")
    after = int(field(zkv.call("INFO", "memory"), "used_memory"))
    info = zkv.call("INFO", "memory")
    if field(info, "number_of_libraries") != "0" or after > base + 64 * 1024:
        failures.append("FUNCTION FLUSH kept memory: %d -> %d" % (base, after))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zkv", required=True)
    parser.add_argument("--redis", default=shutil.which("redis-server"))
    options = parser.parse_args()
    if not options.redis or not os.path.exists(options.redis):
        print("redis-server not found: skipped")
        return 77
    zkv_port, redis_port = free_port(), free_port()
    processes = [start([options.zkv], zkv_port), start([options.redis, "--appendonly", "no"], redis_port)]
    failures = []
    try:
        zkv, redis = Connection(zkv_port), Connection(redis_port)
        for protocol in ("2", "3"):
            both(zkv, redis, "HELLO", protocol)
            both(zkv, redis, "FUNCTION", "FLUSH")
            for arguments in LOADS:
                if compare(zkv, redis, ["FUNCTION", "LOAD", "REPLACE"] + arguments, failures).startswith(b"$"):
                    compare_unordered(zkv, redis, ["FUNCTION", "LIST", "WITHCODE"], failures)
                    compare(zkv, redis, ["FUNCTION", "STATS"], failures)
                    both(zkv, redis, "FUNCTION", "FLUSH")
            compare(zkv, redis, ["FUNCTION", "LOAD", FUNCTIONS], failures)
            compare(zkv, redis, ["FUNCTION", "LOAD", FUNCTIONS], failures)
            both(zkv, redis, "HSET", "h", "a", "1")
            both(zkv, redis, "SET", "str", "x")
            for script in LIBRARY_SCRIPTS:
                compare(zkv, redis, ["EVAL", script, "0"], failures)
            for arguments in FCALLS + MISC:
                (compare_unordered if arguments[:2] == ["FUNCTION", "LIST"] else compare)(zkv, redis, arguments,
                                                                                       failures)
        both(zkv, redis, "HELLO", "2")
        check_restore(zkv, redis, failures)
        check_oom(zkv, redis, failures)
        check_restore_time_limit(zkv, failures)
        check_memory(zkv, failures)
        check_monitor(zkv_port, redis_port, failures)
        check_script_memory_policy(zkv, failures)
        check_busy(zkv_port, failures)
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)
    for failure in failures:
        print("DIFF", failure)
    print("%d differences" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
