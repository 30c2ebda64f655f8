"""Scenario 5, allocator backends: scenarios 2 and 3 on each zmalloc backend.

The harness builds zkv-server itself once per backend into
build-bench-<variant> (only the server target, incrementally), then runs
the memory and fragmentation scenarios over all variants plus redis-server
as the reference.  A backend that fails to build is reported and skipped;
the others still run.
"""
import os
import subprocess

from harness import fragmentation, memory
from harness.servers import ServerSpec

VARIANTS = [
    ("jemalloc", ["-DZKV_MALLOC=jemalloc", "-DZKV_MALLOC_PREFIX=OFF"]),
    ("tcmalloc", ["-DZKV_MALLOC=tcmalloc", "-DZKV_MALLOC_PREFIX=OFF"]),
    ("libc", ["-DZKV_MALLOC=libc", "-DZKV_MALLOC_PREFIX=OFF"]),
    ("libc-header", ["-DZKV_MALLOC=libc", "-DZKV_MALLOC_PREFIX=ON"]),
]


def _find_server(build_dir):
    for root, _dirs, files in os.walk(build_dir):
        if "zkv-server" in files and "CMakeFiles" not in root:
            path = os.path.join(root, "zkv-server")
            if os.access(path, os.X_OK):
                return path
    return None


def build(ctx, variant, flags):
    """Builds one variant; returns the zkv-server path or None."""
    build_dir = os.path.join(ctx.repo, "build-bench-" + variant)
    steps = [["cmake", "-S", ctx.repo, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release"] + flags,
             ["cmake", "--build", build_dir, "--target", "zkv-server", "-j", str(os.cpu_count())]]
    for argv in steps:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=1800)
        ctx.log.write("$ %s\n%s%s" % (" ".join(argv), proc.stdout[-2000:], proc.stderr[-4000:]))
        if proc.returncode != 0:
            ctx.results.problem("zkv-" + variant, "allocators", "build failed, see bench.log")
            return None
    return _find_server(build_dir)


def run(ctx, reference_spec):
    specs = []
    for variant, flags in VARIANTS:
        ctx.progress("allocators: building %s" % variant)
        path = build(ctx, variant, flags)
        if path:
            specs.append(ServerSpec("zkv-" + variant, path, reference_spec.maxmemory))
    specs.append(reference_spec)
    memory.run(ctx, specs, scenario="allocators: memory")
    fragmentation.run(ctx, specs, scenario="allocators: fragmentation")
