"""FUNCTION libraries in RDB files, against redis-server 7.0.15 (run from
persist_integration.py, whose servers and checks it uses).

  - SAVE + restart, BGSAVE + restart and DEBUG RELOAD keep every library
    (FUNCTION LIST WITHCODE equal, FCALL answers); a BGSAVE's file holds the
    libraries of the instant it started;
  - the FUNCTION2 records of a one-library file are Redis's bytes (LZF
    included); redis-server loads zkv's file and zkv loads redis-server's
    with the same libraries;
  - Redis's load policy: DEBUG RELOAD NOFLUSH fails on a library already
    there, NOFLUSH MERGE replaces it; FLUSHALL keeps libraries;
  - the FUNCTION record of 7.0's release candidates loads as Redis loads it;
  - a file whose library fails (bad code, a duplicated library, a function
    registered twice) is refused at start with the file named."""
import os
import shutil
import subprocess

import persist_collections as pc

base = None  # persist_integration's module

LIB_A = "#!lua name=liba\nredis.register_function('fa', function(keys, args) return 'A:' .. #keys end)"
# Long and repetitive: stored LZF-compressed, as Redis stores it.
LIB_B = ("#!lua name=libb\n" + "local padding = 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'\n" +
         "redis.register_function{function_name='fb', callback=function(keys, args) return redis.call('get', keys[1]) "
         "end, flags={'no-writes'}, description='reads a key'}\n" +
         "redis.register_function('fb2', function() return 2 end)")
LIB_C = "#!lua name=libc\nredis.register_function('fc', function() return 'C' end)"


def libraries(client):
    """FUNCTION LIST WITHCODE, libraries and their functions sorted (Redis
    lists both in its hash tables' order)."""
    result = []
    for entry in client.execute_command("FUNCTION", "LIST", "WITHCODE"):
        fields = dict(zip(entry[::2], entry[1::2]))
        fields[b"functions"] = sorted(repr(function) for function in fields[b"functions"])
        result.append(repr(sorted(fields.items())))
    return sorted(result)


def function_section(path):
    """The bytes between the AUX fields and the first database (or EOF)."""
    data = open(path, "rb").read()
    start = data.index(b"aof-base\xc0\x00") + len(b"aof-base\xc0\x00")
    end = data.find(b"\xfe\x00", start)
    return data[start:end if end >= 0 else len(data) - 9]


def write_file(directory, body):
    os.makedirs(directory)
    with open(os.path.join(directory, "dump.rdb"), "wb") as f:
        f.write(base.build_file(body))


def refused(zkv, directory, reason, label):
    server = base.Server(zkv, directory, expect_start=False)
    try:
        code = server.exit_code(15)
    except subprocess.TimeoutExpired:
        server.stop()
        code = None
    log = server.log_text()
    base.check(code == 1, "%s: exit code %r" % (label, code))
    base.check("dump.rdb" in log and reason in log, "%s: log %r" % (label, log[-300:]))


def run(module, zkv, redis_server, work):
    global base
    base = module
    directory = os.path.join(work, "functions")
    rdir = os.path.join(work, "functions-redis")
    os.makedirs(directory)
    os.makedirs(rdir)
    debug = ["--enable-debug-command", "yes"]
    z, r = base.Server(zkv, directory, debug), base.Server(redis_server, rdir, debug)
    for client in (z.client, r.client):
        client.execute_command("FUNCTION", "LOAD", LIB_B)
    z.client.save()
    r.client.save()
    zkv_file, redis_file = os.path.join(directory, "dump.rdb"), os.path.join(rdir, "dump.rdb")
    section = function_section(zkv_file)
    base.check(section == function_section(redis_file) and section[:1] == b"\xf5" and b"\xc3" in section[:4],
               "one library's FUNCTION2 record (LZF) equals Redis's: %r" % section[:24])

    for client in (z.client, r.client):
        client.execute_command("FUNCTION", "LOAD", LIB_A)
        client.set("k", "v")
    expected = libraries(r.client)
    base.check(libraries(z.client) == expected, "zkv built like redis")
    base.check(z.client.execute_command("DEBUG", "RELOAD") == b"OK", "DEBUG RELOAD")
    base.check(libraries(z.client) == expected, "DEBUG RELOAD keeps the libraries")
    base.check(z.client.execute_command("FCALL", "fb", 1, "k") == b"v", "FCALL after DEBUG RELOAD")
    zr = pc.reply(z.client, "DEBUG", "RELOAD", "NOFLUSH")
    rr = pc.reply(r.client, "DEBUG", "RELOAD", "NOFLUSH")
    base.check(zr == "ERR:Error trying to load the RDB dump" and rr.startswith(zr),
               "DEBUG RELOAD NOFLUSH: zkv %r, redis %r" % (zr, rr))
    for client in (z.client, r.client):
        client.execute_command("DEBUG", "RELOAD", "NOFLUSH", "MERGE")
    base.check(libraries(z.client) == libraries(r.client) == expected, "DEBUG RELOAD NOFLUSH MERGE replaces")
    for client in (z.client, r.client):
        client.flushall()
    base.check(libraries(z.client) == expected, "FLUSHALL keeps the libraries")
    for client in (z.client, r.client):
        client.set("k", "v")
        client.save()

    z.stop()
    z = base.Server(zkv, directory, debug)
    base.check(libraries(z.client) == expected, "libraries after SAVE and restart")
    base.check(z.client.execute_command("FCALL", "fa", 2, "x", "y") == b"A:2", "FCALL after restart")
    checker = shutil.which("redis-check-rdb")
    if checker:
        result = subprocess.run([checker, zkv_file], capture_output=True, text=True)
        base.check(result.returncode == 0 and "RDB looks OK" in result.stdout,
                   "redis-check-rdb on a file with libraries: " + result.stdout[-300:])
    cross = os.path.join(work, "functions-cross")
    os.makedirs(cross)
    shutil.copy(zkv_file, os.path.join(cross, "dump.rdb"))
    r2 = base.Server(redis_server, cross)
    base.check(libraries(r2.client) == expected, "redis-server on zkv's file: the same libraries")
    r2.stop()
    back = os.path.join(work, "functions-back")
    os.makedirs(back)
    shutil.copy(redis_file, os.path.join(back, "dump.rdb"))
    z2 = base.Server(zkv, back)
    base.check(libraries(z2.client) == expected, "zkv on redis-server's file: the same libraries")
    z2.stop()

    # BGSAVE: the libraries of its instant, whatever changes while it runs.
    z.client.config_set("rdb-key-save-delay", 200)
    z.client.execute_command("DEBUG", "POPULATE", 2000)
    z.client.bgsave()
    z.client.execute_command("FUNCTION", "DELETE", "liba")
    z.client.execute_command("FUNCTION", "LOAD", LIB_C)
    base.check(z.client.info("persistence")["rdb_bgsave_in_progress"] == 1, "BGSAVE still running")
    z.client.config_set("rdb-key-save-delay", 0)
    pc.wait_bgsave(z.client)
    z.stop()
    z = base.Server(zkv, directory)
    base.check(libraries(z.client) == expected, "BGSAVE holds the libraries of its instant")
    z.stop()
    r.stop()

    # 7.0-rc's FUNCTION record: name, engine, description flag and text, body.
    body = b"redis.register_function('old', function() return 'rc' end)"
    record = b"\xf6\x05oldlb\x03LUA\x01\x04desc" + pc.string(body) + body
    for name, server in (("old-zkv", zkv), ("old-redis", redis_server)):
        write_file(os.path.join(work, name), record)
    z = base.Server(zkv, os.path.join(work, "old-zkv"))
    r = base.Server(redis_server, os.path.join(work, "old-redis"))
    base.check(libraries(z.client) == libraries(r.client) and z.client.execute_command("FCALL", "old", 0) == b"rc",
               "FUNCTION (7.0-rc) record: zkv %r, redis %r" % (libraries(z.client), libraries(r.client)))
    z.stop()
    r.stop()

    def library_record(code):
        return b"\xf5" + pc.string(code) + code
    cases = {
        "bad code": (library_record(b"#!lua name=bad\nthis is not lua"), "Failed loading library, Error compiling"),
        "duplicated library": (library_record(LIB_A.encode()) * 2, "Failed loading library, Library 'liba' already"),
        "function twice": (library_record(LIB_A.encode()) + library_record(LIB_A.replace("liba", "other").encode()),
                           "Failed loading library, Function fa already exists"),
        "no engine": (library_record(b"#!nothing name=x\nreturn 1"), "Failed loading library, Engine 'nothing'"),
        "truncated": (b"\xf5\x40\xff#!lua", "Failed loading library, Failed loading library payload"),
    }
    for name, (body, reason) in cases.items():
        directory = os.path.join(work, "functions-bad-" + name.replace(" ", "-"))
        write_file(directory, body)
        refused(zkv, directory, reason, "library file: " + name)
