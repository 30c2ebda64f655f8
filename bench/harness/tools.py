"""The harness's helper programs: loadgen (loader/verifier) and pinger.

CMake builds both next to zkv-server; when the harness runs from a tree
that was not built (or with --tools-dir unset) it compiles them itself with
cc into the run directory, since each is a single dependency-free C file.
run_loadgen() turns loadgen's exit status into an outcome the scenarios can
record: ok, unsupported (the server answered with errors, e.g. an unknown
command: the figure becomes n/a) or invalid (verification found wrong
values: the server's figures must not count).
"""
import os
import shutil
import subprocess

BENCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def locate(name, tools_dir, scratch_dir):
    """Path of helper `name`: from tools_dir if given, else compiled into scratch_dir."""
    if tools_dir:
        path = os.path.join(tools_dir, name)
        if os.access(path, os.X_OK):
            return path
    path = os.path.join(scratch_dir, name)
    source = os.path.join(BENCH_DIR, name + ".c")
    if not os.access(path, os.X_OK) or os.path.getmtime(path) < os.path.getmtime(source):
        cc = shutil.which("cc") or shutil.which("gcc")
        if not cc:
            raise RuntimeError("no C compiler to build %s; pass --tools-dir" % name)
        subprocess.run([cc, "-std=c11", "-O2", "-Wall", "-Wextra", "-o", path, source],
                       check=True, timeout=120)
    return path


class LoadResult:
    def __init__(self, status, line):
        self.status = status  # "ok", "unsupported" or "invalid"
        self.line = line

    @property
    def ok(self):
        return self.status == "ok"

    def field(self, name):
        """A number from loadgen's summary line, e.g. field("nil")."""
        for part in self.line.split():
            if part.startswith(name + "="):
                return float(part[len(name) + 1:])
        return 0.0


def run_loadgen(loadgen, op, port, log, timeout=900, **opts):
    """Runs `loadgen op --port port --key value ...`; flags with value True are bare."""
    argv = [loadgen, op, "--port", str(port)]
    for key, value in opts.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            argv.append(flag)
        elif value is not None and value is not False:
            argv += [flag, str(value)]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    line = proc.stdout.strip()
    log.write("$ %s\n%s\n%s" % (" ".join(argv), line, proc.stderr))
    log.flush()
    if proc.returncode == 0:
        return LoadResult("ok", line)
    if proc.returncode == 2:
        return LoadResult("unsupported", line + " " + proc.stderr.strip())
    if proc.returncode == 3:
        return LoadResult("invalid", line + " " + proc.stderr.strip())
    raise RuntimeError("loadgen %s failed (%d): %s" % (op, proc.returncode, proc.stderr.strip()))
