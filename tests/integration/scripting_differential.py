#!/usr/bin/env python3
"""scripting_differential: EVAL/EVALSHA/SCRIPT against zkv and redis-server 7.0.15.

The same scripts go to both servers, in RESP2 and RESP3, and the raw reply
bytes must be identical: conversions both ways, the sandbox's errors, error
objects and their `script: <sha>, on @user_script:N.` suffix, flags, and the
errorstats/commandstats that scripts update.  Then a busy script: other
clients get -BUSY past busy-reply-threshold, SCRIPT KILL stops it, and a
script that wrote cannot be killed.  Exit 77 (skip) without redis-server.

Usage: scripting_differential.py --zkv build/zkv-server [--redis /usr/bin/redis-server]
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from keyspace_differential import encode, free_port  # noqa: E402  (one copy of the shared helpers)


def start(argv, port):
    process = subprocess.Popen(argv + ["--port", str(port), "--bind", "127.0.0.1", "--save", ""],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
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
    """The raw bytes of one RESP2/RESP3 reply."""
    line = stream.readline()
    if not line:
        raise RuntimeError("connection closed")
    kind = line[:1]
    if kind in (b"$", b"=", b"!"):
        length = int(line[1:-2])
        return line if length < 0 else line + stream.read(length + 2)
    if kind in (b"*", b"~", b">"):
        return line + b"".join(read_reply(stream) for _ in range(max(int(line[1:-2]), 0)))
    if kind in (b"%", b"|"):
        return line + b"".join(read_reply(stream) for _ in range(2 * int(line[1:-2])))
    return line


class Connection:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.stream = self.sock.makefile("rb")

    def call(self, *arguments):
        self.sock.sendall(encode(arguments))
        return read_reply(self.stream)


SCRIPTS = [
    ("return 1", []), ("return 3.99", []), ("return -3.99", []), ("return 'ciao'", []),
    ("return true", []), ("return false", []), ("return nil", []), ("return {1,2,3,'x',{4,5},nil,6}", []),
    ("return {1,false,3}", []), ("return {err='My Error'}", []), ("return {ok='fine'}", []),
    ("return redis.error_reply('My Error')", []), ("return redis.error_reply('-WRONG x y')", []),
    ("return redis.error_reply('')", []), ("return redis.status_reply('PONG')", []),
    ("return redis.error_reply(1, 2)", []), ("return {double=3.14}", []), ("return {big_number='12345'}", []),
    ("return {verbatim_string={format='txt', string='hi'}}", []), ("return {map={a=1}}", []),
    ("return {set={a=true}}", []), ("redis.setresp(3); return {map={a=1}}", []),
    ("redis.setresp(3); return true", []), ("redis.setresp(3); return false", []),
    ("redis.setresp(3); return redis.call('get', 'nokey')", []),
    ("redis.setresp(3); return {double=1.5}", []), ("redis.setresp(4)", []), ("redis.setresp()", []),
    ("redis.call('set', KEYS[1], ARGV[1]); return redis.call('get', KEYS[1])", ["1", "k", "v"]),
    ("return redis.call('incr', KEYS[1])", ["1", "counter"]), ("return redis.call('incr', 'k')", []),
    ("return redis.pcall('incr', 'k')", []), ("return redis.call('get', 'nokey')", []),
    ("return {redis.call('get', 'nokey')}", []), ("return redis.call('set', 'a', 1.5)", []),
    ("return redis.call('set', 'a', 12345678901234567)", []), ("return redis.call('get', 'a')", []),
    ("return redis.call('set', 'a', {})", []), ("return redis.call()", []), ("return redis.pcall()", []),
    ("return redis.call('nosuch')", []), ("return redis.pcall('nosuch')", []),
    ("return redis.call('get')", []), ("return redis.call('eval', 'return 1', 0)", []),
    ("return redis.call('multi')", []), ("return redis.call('select', 99)", []),
    ("return redis.call('config', 'nosuch')", []), ("return redis.call('config')", []),
    ("return redis.call('ping')", []), ("return redis.call('echo', 'x')", []),
    # Number arguments print as %.17g (whole numbers under 1e15 take a faster path).
    ("local r = {} for _, n in ipairs({0, -0.0, 1, -1, 7.0, 1e15 - 1, -(1e15 - 1), 1e15, -1e15, 2^53, 1.5, 0.1,"
     " -2.5, 1e300, 1/0, -1/0, 1e-7, 123456789012.5}) do r[#r + 1] = redis.call('echo', n) end"
     " r[#r + 1] = redis.call('echo', 0/0) return r", []),
    ("error('boom')", []), ("error({err='CODE custom'})", []), ("error()", []), ("error(1)", []),
    ("local t = redis.pcall('nosuch'); return t['err']", []),
    ("return pcall(function() error('x') end)", []), ("return {pcall(error, {err='A b'})}", []),
    ("a = 1", []), ("return a", []), ("return _G.nosuch", []), ("math.x = 1", []), ("redis.call = 1", []),
    ("cjson.encode = 1", []), ("bit.band = 1", []), ("_G = {}", []), ("rawset(_G, 'x', 1)", []),
    ("setmetatable(_G, {})", []), ("local g = getmetatable(_G); g.__index = {}", []),
    ("getmetatable('').__index = function() return 1 end", []), ("return getmetatable(nil)", []),
    ("return loadfile", []), ("return dofile", []), ("return print", []), ("return os", []), ("return io", []),
    ("return setfenv", []), ("return newproxy", []), ("return loadstring(string.dump(function() return 1 end))()", []),
    ("return loadstring('return 7')()", []), ("return type(next)", []),
    ("local n = 0 for k, v in pairs(redis) do n = n + 1 end return n > 5", []),
    ("local n = 0 for k, v in pairs(_G) do n = n + 1 end return n > 10", []),
    ("return ('abc'):upper()", []), ("return string.rep('x', 3)", []), ("return table.concat({1, 2}, ',')", []),
    ("return cjson.encode({1, 2, 3})", []), ("return cjson.encode({a = 1})", []),
    ("return cjson.decode('[1,2,{\"a\":3}]')", []), ("return bit.tohex(65535)", []), ("return bit.band(7, 3)", []),
    ("return redis.sha1hex('')", []), ("return redis.sha1hex()", []), ("return redis.REDIS_VERSION", []),
    ("return redis.LOG_WARNING", []), ("redis.log(redis.LOG_WARNING, 'x')", []), ("redis.log(1)", []),
    ("redis.log('a', 'b')", []), ("redis.log(9, 'b')", []), ("return redis.set_repl(redis.REPL_ALL)", []),
    ("return redis.set_repl(99)", []), ("return redis.set_repl()", []), ("return redis.replicate_commands()", []),
    ("return redis.breakpoint()", []), ("return math.random(10) <= 10", []),
    ("math.randomseed(42); return tostring(math.random())", []),
    ("return KEYS[1] .. ARGV[1]", ["1", "key", "arg"]), ("return #KEYS + #ARGV", ["2", "a", "b", "c"]),
    ("#!lua\nreturn 1", []), ("#!lua flags=no-writes\nreturn redis.call('set', 'a', 'b')", []),
    ("#!lua flags=no-writes,allow-oom\nreturn redis.call('get', 'a')", []),
    ("#!lua flags=bad\nreturn 1", []), ("#!python\nreturn 1", []), ("#!lua foo=bar\nreturn 1", []),
    ("#!lua", []), ("syntax error here", []), ("return 1 +", []), ("\n\nerror('line3')", []),
    ("local t = {} for i = 1, 100 do t[i] = i end return t", []),
    ("local function f(n) if n == 0 then return 0 end return 1 + f(n - 1) end return f(1000)", []),
    ("local function f() return f() + 1 end return f()", []),
]

ARGUMENT_CASES = [
    ["EVAL", "return 1", "-1"], ["EVAL", "return 1", "2", "a"], ["EVAL", "return 1", "x"],
    ["EVALSHA", "abc", "0"], ["EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"],
    ["EVALSHA", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB", "0"], ["SCRIPT", "LOAD", "return 1"],
    ["EVALSHA", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB", "0"],
    ["SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "nope"], ["SCRIPT", "LOAD", "return +"],
    ["EVAL_RO", "return redis.call('set', 'a', 'b')", "0"], ["EVAL_RO", "return redis.call('get', 'a')", "0"],
    ["EVAL_RO", "#!lua\nreturn 1", "0"], ["EVALSHA_RO", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"],
    ["SCRIPT", "FLUSH"], ["SCRIPT", "FLUSH", "ASYNC"], ["SCRIPT", "FLUSH", "SYNC"], ["SCRIPT", "FLUSH", "x"],
    ["SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"], ["SCRIPT", "KILL"], ["SCRIPT", "NOSUCH"],
    ["SCRIPT", "DEBUG", "NO"], ["SCRIPT", "DEBUG", "no"], ["SCRIPT", "DEBUG", "maybe"], ["SCRIPT", "DEBUG"],
    ["SCRIPT", "DEBUG", "no", "x"], ["EVAL", "return redis.call('script', 'debug', 'no')", "0"],
    ["SCRIPT", "HELP"], ["COMMAND", "DOCS", "script|debug"], ["COMMAND", "INFO", "script|debug"],
    ["EVAL"], ["SCRIPT"],
]


def compare(zkv, redis, arguments, failures):
    expected, got = redis.call(*arguments), zkv.call(*arguments)
    if expected != got:
        failures.append("%r\n  redis: %r\n  zkv:   %r" % (arguments, expected, got))


def compare_pipeline(zkv, redis, batch, failures):
    """Sends `batch` in one write to each server; all the replies must match."""
    replies = []
    for connection in (redis, zkv):
        connection.sock.sendall(b"".join(encode(arguments) for arguments in batch))
        replies.append(b"".join(read_reply(connection.stream) for _ in batch))
    if replies[0] != replies[1]:
        failures.append("%r\n  redis: %r\n  zkv:   %r" % (batch, replies[0], replies[1]))


def field(info, name):
    for line in info.decode().split("\r\n"):
        if line.startswith(name + ":"):
            return line.split(":", 1)[1]
    return None


def run_busy(port, failures, label):
    """A looping script: BUSY for others, SCRIPT KILL stops it; a writer is UNKILLABLE."""
    admin = Connection(port)
    admin.call("CONFIG", "SET", "busy-reply-threshold", "50")
    for script, kill_reply in (("local i = 0 while true do i = i + 1 end", b"+OK\r\n"),
                               ("redis.call('set', 'w', 1) local i = 0 while i < 3e7 do i = i + 1 end",
                                b"-UNKILLABLE")):
        runner = Connection(port)
        result = {}
        thread = threading.Thread(target=lambda: result.setdefault("reply", runner.call("EVAL", script, "0")))
        thread.start()
        # The script must have run past busy-reply-threshold; on a loaded
        # machine the EVAL may start late, so PONG only means "not yet".
        deadline = time.time() + 10
        busy = admin.call("PING")
        while busy == b"+PONG\r\n" and time.time() < deadline:
            time.sleep(0.1)
            busy = admin.call("PING")
        if busy != b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n":
            failures.append("%s: PING during a busy script answered %r" % (label, busy))
        killed = admin.call("SCRIPT", "KILL")
        if not killed.startswith(kill_reply):
            failures.append("%s: SCRIPT KILL answered %r" % (label, killed))
        thread.join(60)
        if kill_reply == b"+OK\r\n" and not result.get("reply", b"").startswith(
                b"-ERR Script killed by user with SCRIPT KILL..."):
            failures.append("%s: the killed script answered %r" % (label, result.get("reply")))
    if admin.call("SCRIPT", "KILL") != b"-NOTBUSY No scripts in execution right now.\r\n":
        failures.append("%s: SCRIPT KILL with nothing running" % label)


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
            compare(zkv, redis, ["HELLO", protocol, "SETNAME", "x"], []) if protocol == "3" else None
            for script, rest in SCRIPTS:
                compare(zkv, redis, ["EVAL", script] + (rest or ["0"]), failures)
            for arguments in ARGUMENT_CASES:
                compare(zkv, redis, arguments, failures)
            # SCRIPT DEBUG behind another reply (a pipeline, EXEC's header) is refused.
            for batch in ([["PING"], ["SCRIPT", "DEBUG", "NO"]], [["MULTI"], ["SCRIPT", "DEBUG", "NO"], ["EXEC"]]):
                compare_pipeline(zkv, redis, batch, failures)
        # Errors raised inside scripts are counted once, by the code that raised them.
        for connection in (zkv, redis):
            connection.call("HELLO", "2")
            connection.call("CONFIG", "RESETSTAT")
            connection.call("EVAL", "return redis.call('select', 99)", "0")
            connection.call("EVAL", "local t = redis.pcall('select', 99) return 1", "0")
            connection.call("EVAL", "return redis.pcall('nosuch')", "0")
            connection.call("EVAL", "error('x')", "0")
        for section in ("errorstats", "commandstats"):
            expected, got = redis.call("INFO", section), zkv.call("INFO", section)
            keep = lambda text: sorted(line.split(",usec=")[0] + "," + line.split(",rejected")[1]
                                       if ",usec=" in line else line
                                       for line in text.decode().split("\r\n")
                                       if line.startswith(("errorstat_", "cmdstat_eval", "cmdstat_select")))
            if keep(expected) != keep(got):
                failures.append("INFO %s\n  redis: %r\n  zkv:   %r" % (section, keep(expected), keep(got)))
        # The cache is counted and SCRIPT FLUSH empties it; memory goes back.
        zkv.call("SCRIPT", "FLUSH", "SYNC")
        before = int(field(zkv.call("INFO", "memory"), "used_memory_vm_eval"))
        for i in range(200):
            zkv.call("EVAL", "return %d" % i, "0")
        info = zkv.call("INFO", "memory")
        if field(info, "number_of_cached_scripts") != "200" or int(field(info, "used_memory_vm_eval")) <= before:
            failures.append("cache not counted: %r" % info)
        zkv.call("SCRIPT", "FLUSH", "SYNC")
        info = zkv.call("INFO", "memory")
        if field(info, "number_of_cached_scripts") != "0" or int(field(info, "used_memory_vm_eval")) > before + 4096:
            failures.append("SCRIPT FLUSH kept memory: before %d, after %s" % (before, field(info, "used_memory_vm_eval")))
        # zkv has no Lua debugger: YES and SYNC are refused, not acknowledged.
        for mode in ("YES", "sync"):
            reply = zkv.call("SCRIPT", "DEBUG", mode)
            if reply != b"-ERR SCRIPT DEBUG YES and SYNC are not supported: zkv has no Lua debugger\r\n":
                failures.append("SCRIPT DEBUG %s: %r" % (mode, reply))
        run_busy(zkv_port, failures, "zkv")
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
