"""Benchmark: PACT host throughput of ``GET /3/footprints`` against a trivial FastAPI endpoint
returning the same body, in the same run, on loopback only, bounded in time.

Prints:
- where one request's time goes, in-process: the store query and paging
  (``services.exchange.list_footprints``), JSON encoding of the page, the whole request through
  the ASGI stack (auth, middleware, routing);
- requests/s, p50/p99 latency, errors and server memory at the start and end of a run, for keten
  with 1 and with ``--workers`` worker processes, and for the trivial endpoint (1 process);
  the ratio keten / trivial (aim >= 0.5).

Run: .venv/bin/python benchmarks/host_throughput.py [--seconds 15] [--connections 16]
     [--workers 2] [--footprints 300]
Everything binds 127.0.0.1 on free ports and stops when the run ends.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
TRIVIAL_APP = '''
import os
from fastapi import FastAPI
from fastapi.responses import Response
body = open(os.environ["BENCH_BODY_FILE"], "rb").read()
app = FastAPI()
@app.get("/3/footprints")
def footprints() -> Response:
    return Response(body, media_type="application/json")
'''


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_up(url: str, seconds: float = 300) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise SystemExit(f"server at {url} did not start")


def seed(home: Path, footprints: int) -> None:
    """A company with ``footprints`` stored footprints and client credentials."""
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import shipment_footprint
    from keten.services import auth, companies, exchange
    from keten.settings import Settings
    from keten.store import open_store

    store = open_store(Settings(home=home))
    companies.add_company(store, "Bench Carrier", "bench", ["urn:example:company:bench"])
    auth.create_credentials(store, "bench", "bench-client", "bench-secret-1")
    docs = [shipment_footprint(f"S{i:05d}") for i in range(footprints)]
    exchange.import_footprints(store, "bench", docs)
    store.close()


def profile_one_request(home: Path, rounds: int = 50) -> dict[str, float]:
    from fastapi.testclient import TestClient

    from keten.api import create_app
    from keten.exchange import pact
    from keten.services import exchange
    from keten.settings import Settings
    from keten.store import open_store

    settings = Settings(home=home)
    store = open_store(settings)
    criteria = pact.parse_filter({})
    client = TestClient(create_app(settings, store=store))
    token = client.post("/auth/token", auth=("bench-client", "bench-secret-1"),
                        data={"grant_type": "client_credentials"}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    timings: dict[str, list[float]] = {"query and paging": [], "JSON encoding": [],
                                       "whole request (ASGI)": []}
    for _ in range(rounds):
        t0 = time.perf_counter()
        page, _ = exchange.list_footprints(store, "bench", criteria, 100)
        t1 = time.perf_counter()
        json.dumps({"data": page}).encode()
        t2 = time.perf_counter()
        client.get("/3/footprints?limit=100", headers=headers)
        t3 = time.perf_counter()
        timings["query and paging"].append(t1 - t0)
        timings["JSON encoding"].append(t2 - t1)
        timings["whole request (ASGI)"].append(t3 - t2)
    store.close()
    return {k: statistics.median(v) * 1000 for k, v in timings.items()}


async def load(url: str, headers: dict[str, str], seconds: float,
               connections: int) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    end = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def worker() -> None:
            nonlocal errors
            while time.monotonic() < end:
                t0 = time.perf_counter()
                try:
                    response = await client.get(url, headers=headers)
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - t0)
                errors += 0 if ok else 1

        await asyncio.gather(*(worker() for _ in range(connections)))
    latencies.sort()
    return {
        "rps": len(latencies) / seconds,
        "p50_ms": latencies[len(latencies) // 2] * 1000 if latencies else 0.0,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000 if latencies else 0.0,
        "errors": float(errors),
    }


def load_wrk(url: str, headers: dict[str, str], seconds: float,
             connections: int) -> dict[str, float]:
    """The same load with ``wrk`` (Debian package ``wrk``), which costs the client far less."""
    args = ["wrk", "-t2", f"-c{connections}", f"-d{max(1, int(seconds))}s", "--latency"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, timeout=seconds + 60).stdout

    def ms(text: str) -> float:
        number = float(text.rstrip("mus"))
        return number / 1000 if text.endswith("us") else number * 1000 if text.endswith(
            "s") and not text.endswith("ms") else number

    result = {"rps": 0.0, "p50_ms": 0.0, "p99_ms": 0.0, "errors": 0.0}
    for line in out.splitlines():
        parts = line.split()
        if line.startswith("Requests/sec:"):
            result["rps"] = float(parts[1])
        elif parts[:1] == ["50%"]:
            result["p50_ms"] = ms(parts[1])
        elif parts[:1] == ["99%"]:
            result["p99_ms"] = ms(parts[1])
        elif "Non-2xx" in line or "Socket errors" in line:
            result["errors"] += sum(int(x.strip(",")) for x in parts if x.strip(",").isdigit())
    return result


def rss_mb(pid: int) -> float:
    proc = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)]) / 2**20


def run_server(args: list[str], env: dict[str, str], port: int, url: str, headers: dict[str, str],
               seconds: float, connections: int) -> dict[str, float]:
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        wait_up(f"http://127.0.0.1:{port}/openapi.json")
        asyncio.run(load(url, headers, 2, connections))  # warm-up
        before = rss_mb(process.pid)
        if shutil.which("wrk"):
            result = load_wrk(url, headers, seconds, connections)
        else:
            result = asyncio.run(load(url, headers, seconds, connections))
        result["rss_start_mb"], result["rss_end_mb"] = before, rss_mb(process.pid)
        return result
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--footprints", type=int, default=300)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="keten-bench-host-") as tmp:
        home = Path(tmp)
        seed(home, opts.footprints)
        for part, ms in profile_one_request(home).items():
            print(f"one request, {part}: {ms:.2f} ms (median)")
        env = {**os.environ, "KETEN_HOME": str(home)}
        env.pop("KETEN_DATABASE_URL", None)
        keten = [sys.executable, "-m", "keten.cli.main", "serve", "--log-level", "warning"]
        port = free_port()
        token_server = subprocess.Popen([*keten, "--port", str(port)], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_up(f"http://127.0.0.1:{port}/openapi.json")
            token = httpx.post(f"http://127.0.0.1:{port}/auth/token",
                               auth=("bench-client", "bench-secret-1"),
                               data={"grant_type": "client_credentials"}).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            body = httpx.get(f"http://127.0.0.1:{port}/3/footprints?limit=100",
                             headers=headers).content
        finally:
            token_server.terminate()
            token_server.wait(timeout=30)
        body_file = home / "body.json"
        body_file.write_bytes(body)
        print(f"page: {len(body) / 1024:.0f} KB; {opts.connections} connections, "
              f"{opts.seconds:.0f} s per run")
        results: dict[str, dict[str, float]] = {}
        trivial_file = home / "trivial_app.py"
        trivial_file.write_text(TRIVIAL_APP)
        port = free_port()
        results["trivial FastAPI endpoint (1 process)"] = run_server(
            [sys.executable, "-m", "uvicorn", "--app-dir", str(home), "trivial_app:app",
             "--port", str(port), "--log-level", "warning"],
            {**env, "BENCH_BODY_FILE": str(body_file)}, port,
            f"http://127.0.0.1:{port}/3/footprints", {}, opts.seconds, opts.connections)
        for workers in sorted({1, opts.workers}):
            port = free_port()
            results[f"keten, {workers} worker(s)"] = run_server(
                [*keten, "--port", str(port), "--workers", str(workers)], env, port,
                f"http://127.0.0.1:{port}/3/footprints?limit=100", headers, opts.seconds,
                opts.connections)
        trivial = results["trivial FastAPI endpoint (1 process)"]["rps"]
        for name, r in results.items():
            print(f"{name}: {r['rps']:.1f} req/s ({r['rps'] / trivial:.2f}x trivial), "
                  f"p50 {r['p50_ms']:.0f} ms, p99 {r['p99_ms']:.0f} ms, errors {r['errors']:.0f},"
                  f" RSS {r['rss_start_mb']:.0f} -> {r['rss_end_mb']:.0f} MB")


if __name__ == "__main__":
    main()
