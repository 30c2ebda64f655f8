"""scaleout: shared helpers of the scale-out tests (twemproxy, cluster clients).

Starts zkv-server nodes and nutcracker on free 127.0.0.1 ports, waits for
them with a bounded timeout, and stops exactly the processes it started, by
PID (SIGTERM, then SIGKILL).  A test that lacks a tool calls skip(), which
exits with SKIP_CODE; ctest is told that this code means "skipped".

Free ports come from binding port 0; the port is released before the server
binds it, so another process could take it in between: start() then fails
with a clear message rather than hanging.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SKIP_CODE = 77
TIMEOUT = 10.0


def skip(reason):
    print("SKIPPED: " + reason)
    sys.exit(SKIP_CODE)


def require_tools(*names):
    for name in names:
        if shutil.which(name) is None:
            skip(f"'{name}' is not installed (scripts/dev.sh deps installs it)")


def require_redis_py():
    try:
        import redis  # noqa: F401
    except ImportError:
        skip("redis-py is not installed (Debian package python3-redis)")


def zkv_binary():
    path = os.environ.get("ZKV_SERVER")
    if not path or not os.access(path, os.X_OK):
        sys.exit("ZKV_SERVER must name the zkv-server binary")
    return os.path.abspath(path)


def free_ports(count):
    """`count` distinct ports nobody listens on right now."""
    sockets, ports = [], []
    for _ in range(count):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
        ports.append(s.getsockname()[1])
    for s in sockets:
        s.close()
    return ports


def wait_for_port(port, process, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process on port {port} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout}s")


class Processes:
    """The processes a test started; stop_all() stops them by PID."""

    def __init__(self):
        self.workdir = tempfile.mkdtemp(prefix="zkv-scaleout-")
        self.running = {}

    def start(self, name, argv, port):
        log = open(os.path.join(self.workdir, name + ".log"), "w")
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir)
        self.running[name] = process
        try:
            wait_for_port(port, process)
        except RuntimeError as error:
            raise RuntimeError(f"{name}: {error}\n{self.log(name)}") from None
        return process

    def start_zkv(self, name, port, *options):
        argv = [zkv_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", ""] + list(options)
        return self.start(name, argv, port)

    def log(self, name):
        with open(os.path.join(self.workdir, name + ".log")) as log:
            return log.read()

    def stop(self, name, sig=signal.SIGTERM):
        process = self.running.pop(name)
        if process.poll() is None:
            process.send_signal(sig)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)

    def stop_all(self):
        for name in list(self.running):
            self.stop(name)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def path(self, filename):
        return os.path.join(self.workdir, filename)


def run(argv, timeout=120):
    """Runs a tool to completion; returns its stdout (stderr folded in)."""
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout, text=True)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} exited with {result.returncode}:\n{result.stdout}")
    return result.stdout


def check(condition, message):
    if not condition:
        raise AssertionError(message)
