"""Memory of the PACT host under a long load: ``GET /3/footprints?limit=100`` at 64
connections for 10 minutes, sampling the server's resident memory (RSS, the server process and
its worker processes) every few seconds; prints the RSS after warm-up, its peak and its end, and
the slope of a least-squares line through the samples after warm-up (MB per minute).

Bounded and loopback-only: the server binds 127.0.0.1 on a free port, the load (``wrk`` when
installed, else httpx) stops after ``--seconds``, the server is stopped at the end.

Run: .venv/bin/python benchmarks/host_memory.py [--seconds 600] [--connections 64]
     [--workers 1] [--footprints 300] [--samples rss.csv]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from host_throughput import (  # the benchmark's seed, loaders and probes
    cpu_s,
    free_port,
    load,
    load_wrk,
    rss_mb,
    seed,
    start_server,
)

WARM_UP_S = 30.0


def slope_mb_per_min(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of RSS (MB) over time (minutes)."""
    n = len(samples)
    if n < 2:
        return 0.0
    mean_t = sum(t for t, _ in samples) / n
    mean_m = sum(m for _, m in samples) / n
    var = sum((t - mean_t) ** 2 for t, _ in samples)
    cov = sum((t - mean_t) * (m - mean_m) for t, m in samples)
    return cov / var * 60 if var else 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=600, help="length of the load")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--footprints", type=int, default=300)
    parser.add_argument("--every", type=float, default=5.0, help="seconds between samples")
    parser.add_argument("--samples", type=Path, help="write (seconds, rss_mb) rows here")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="keten-bench-memory-") as tmp:
        home = Path(tmp)
        seed(home, opts.footprints)
        env = {**os.environ, "KETEN_HOME": str(home)}
        env.pop("KETEN_DATABASE_URL", None)
        server = start_server(
            f"keten, {opts.workers} worker(s)",
            [sys.executable, "-m", "keten.cli.main", "serve", "--log-level", "warning",
             "--workers", str(opts.workers)],
            env, free_port(), "/3/footprints?limit=100", True)
        try:
            samples: list[tuple[float, float]] = []
            done = threading.Event()
            start = time.monotonic()

            def sample() -> None:
                while not done.is_set():
                    samples.append((time.monotonic() - start, rss_mb(server.process.pid)))
                    done.wait(opts.every)

            sampler = threading.Thread(target=sample, daemon=True)
            cpu_before = cpu_s(server.process.pid)
            sampler.start()
            if shutil.which("wrk"):
                result = load_wrk(server.url, server.headers, opts.seconds, opts.connections)
            else:
                result = asyncio.run(
                    load(server.url, server.headers, opts.seconds, opts.connections))
            done.set()
            sampler.join()
            cpu = cpu_s(server.process.pid) - cpu_before
        finally:
            server.process.terminate()
            server.process.wait(timeout=30)
    after = [(t, m) for t, m in samples if t >= WARM_UP_S] or samples
    requests = result["rps"] * opts.seconds
    print(f"{opts.seconds:.0f} s at {opts.connections} connections, {opts.workers} worker(s): "
          f"{requests:.0f} requests ({result['rps']:.1f}/s), errors {result['errors']:.0f}, "
          f"p50 {result['p50_ms']:.0f} ms, p99 {result['p99_ms']:.0f} ms, "
          f"server CPU {cpu:.0f} s")
    print(f"RSS: first sample {samples[0][1]:.1f} MB; after {WARM_UP_S:.0f} s warm-up "
          f"{after[0][1]:.1f} MB; peak {max(m for _, m in samples):.1f} MB; "
          f"end {samples[-1][1]:.1f} MB; slope after warm-up "
          f"{slope_mb_per_min(after):+.3f} MB/min over {len(after)} samples")
    if opts.samples:
        with opts.samples.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["seconds", "rss_mb"])
            writer.writerows((f"{t:.1f}", f"{m:.2f}") for t, m in samples)


if __name__ == "__main__":
    main()
