"""Starting, probing and stopping the servers under test.

Each server runs as our own child on a free 127.0.0.1 port with equivalent
settings: no persistence, the same maxmemory with noeviction.  zkv has no
persistence to switch off and refuses unknown directives, so the two kinds
get different argument lists; the kind is detected from `--version`, which
lets the harness be validated with redis-server in both roles.  Every
started process is registered, and stop_all() (called from a finally block
and from the SIGTERM/SIGINT handlers) kills each one by PID.
"""
import ctypes
import os
import signal
import socket
import subprocess
import time

from harness.resp import Client, parse_info

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

_started = []  # every Popen we launched and have not reaped yet
_PR_SET_PDEATHSIG = 1


def die_with_parent():
    """preexec_fn: the child gets SIGKILL if the harness itself is killed (e.g. a
    ctest timeout), so not even a SIGKILLed harness leaves servers behind."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def detect_kind(binary):
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True,
                             timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "zkv"
    return "redis" if out.startswith("Redis server") else "zkv"


def version_of(binary):
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, subprocess.TimeoutExpired, IndexError):
        return "unknown"


class ServerSpec:
    """What to run: a display name, a binary, and its kind (zkv or redis)."""

    def __init__(self, name, binary, maxmemory):
        self.name = name
        self.binary = binary
        self.kind = detect_kind(binary)
        self.maxmemory = maxmemory

    def argv(self, port, logfile):
        common = ["--port", str(port), "--bind", "127.0.0.1", "--maxmemory", self.maxmemory,
                  "--maxmemory-policy", "noeviction", "--logfile", logfile]
        if self.kind == "redis":
            return [self.binary] + common + ["--save", "", "--appendonly", "no",
                                             "--protected-mode", "no", "--daemonize", "no"]
        return [self.binary] + common


class Server:
    """A running server; use as a context manager so it always stops."""

    def __init__(self, spec, logdir, start_timeout=15.0):
        self.spec = spec
        self.name = spec.name
        self.proc = None
        for _attempt in range(3):
            self.port = free_port()
            self.logfile = os.path.join(logdir, "%s-%d.log" % (spec.name, self.port))
            with open(self.logfile + ".out", "wb") as console:
                self.proc = subprocess.Popen(spec.argv(self.port, self.logfile),
                                             stdout=console, stderr=subprocess.STDOUT,
                                             preexec_fn=die_with_parent)
            _started.append(self.proc)
            if self._wait_ready(start_timeout):
                return
            self.stop()
        raise RuntimeError("%s did not start: %s" % (spec.name, self._log_tail()))

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with Client(self.port, timeout=2) as c:
                    if c.call("PING") == "PONG":
                        return True
            except OSError:
                time.sleep(0.05)
        return False

    def _log_tail(self):
        text = ""
        for path in (self.logfile + ".out", self.logfile):
            try:
                with open(path, errors="replace") as f:
                    text += f.read()
            except OSError:
                pass
        return text.strip()[-600:] or "(no output)"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def call(self, *args, timeout=30.0):
        with Client(self.port, timeout=timeout) as c:
            return c.call(*args)

    def info(self, section="memory"):
        try:
            return parse_info(self.call("INFO", section))
        except OSError:
            return {}

    def cpu_seconds(self):
        """utime+stime of the server process, from /proc/<pid>/stat."""
        with open("/proc/%d/stat" % self.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def syscalls(self):
        """Read-type + write-type syscalls so far (syscr + syscw of /proc/<pid>/io)."""
        with open("/proc/%d/io" % self.pid) as f:
            fields = dict(line.split(":", 1) for line in f)
        return int(fields["syscr"]) + int(fields["syscw"])

    def rss_bytes(self):
        with open("/proc/%d/statm" % self.pid) as f:
            return int(f.read().split()[1]) * PAGE_SIZE

    def stop(self):
        stop_process(self.proc)


def stop_process(proc, grace=5.0):
    """SIGTERM, then SIGKILL after `grace` seconds; always reaps."""
    if proc is None:
        return
    if proc.poll() is None:
        try:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=grace)
    if proc in _started:
        _started.remove(proc)


def register(proc):
    _started.append(proc)


def stop_all():
    for proc in list(_started):
        stop_process(proc, grace=2.0)
