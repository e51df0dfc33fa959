"""PACT host benchmark: requests/s and p99 latency at 64 concurrent connections for
``GET /2/footprints`` and ``GET /3/footprints`` (one page of 50 of 300 stored footprints,
bearer token checked on every call), against a trivial FastAPI endpoint served the same way
in the same run (the ratio is what this measures; absolute figures move with the load).

Each server runs in its own process (uvicorn, one worker, plain HTTP on 127.0.0.1, a free
port); the load generator (httpx, 64 connections, asyncio) runs in this process. Every case
runs for a fixed time after a warm-up, so the whole run is bounded (about 40 s) and sends
traffic only to loopback.

    python benchmarks/pact_host.py
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

CONNECTIONS = 64
WARMUP_S = 2.0
DURATION_S = 6.0
FOOTPRINTS = 300
PAGE = 50


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(kind: str, port: int, home: str) -> None:
    """Child process: the keten host on a store of FOOTPRINTS footprints, or a trivial app."""
    import uvicorn
    from fastapi import FastAPI

    if kind == "trivial":
        app = FastAPI()

        @app.get("/trivial")
        def trivial() -> dict[str, list[str]]:
            return {"data": []}

        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
        return
    from keten.api import create_app
    from keten.services import auth, companies, exchange
    from keten.settings import Settings
    from keten.store import Store

    store = Store(f"sqlite:///{Path(home) / 'bench.sqlite'}")
    companies.add_company(store, "Bench Carrier", "carrier", ["urn:keten:company:carrier"])
    auth.create_credentials(store, "carrier", "bench", "bench-secret")
    shipments = []
    for i in range(FOOTPRINTS):
        sid = f"S{i:05d}"
        shipments.append({"shipmentId": sid, "mass": "10000", "tces": [{
            "tceId": f"{sid}-T1", "shipmentId": sid, "mass": "10000",
            "distance": {"actual": "100"}, "transportActivity": "1000",
            "co2eWTW": f"{70 + i % 10}.1", "co2eTTW": "60",
            "origin": {"city": "Rotterdam", "country": "NL"},
            "departureAt": "2025-03-03T06:00:00Z", "arrivalAt": "2025-03-03T14:00:00Z"}]})
    exchange.import_footprints(store, "carrier", shipments)
    app = create_app(Settings(home=Path(home)), store=store)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


async def _load(url: str, headers: dict[str, str]) -> tuple[float, float, float, int]:
    """(requests/s, p50 ms, p99 ms, errors) over DURATION_S after WARMUP_S."""
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    async with httpx.AsyncClient(limits=limits, timeout=30.0, headers=headers) as client:
        start = time.perf_counter()
        warm_end, end = start + WARMUP_S, start + WARMUP_S + DURATION_S

        async def worker() -> None:
            nonlocal errors
            while True:
                t0 = time.perf_counter()
                if t0 >= end:
                    return
                try:
                    response = await client.get(url)
                    failed = response.status_code != 200
                except httpx.TransportError:
                    failed = True
                t1 = time.perf_counter()
                if failed:
                    errors += 1
                    continue
                if t0 >= warm_end:
                    latencies.append(t1 - t0)

        await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))
    latencies.sort()
    rps = len(latencies) / DURATION_S
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    return rps, p50, p99, errors


def _start(kind: str, home: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--serve", kind, str(port), home])
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(base + "/openapi.json", timeout=1.0)
            return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{kind} server did not start")


def main() -> None:
    results: dict[str, tuple[float, float, float, int]] = {}
    with tempfile.TemporaryDirectory(prefix="keten-bench-") as home:
        trivial, base = _start("trivial", home)
        try:
            results["trivial FastAPI endpoint"] = asyncio.run(_load(base + "/trivial", {}))
        finally:
            trivial.terminate()
            trivial.wait(timeout=10)
        host, base = _start("keten", home)
        try:
            token = httpx.post(base + "/auth/token", auth=("bench", "bench-secret"),
                               data={"grant_type": "client_credentials"}).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            for version in (2, 3):
                page = httpx.get(f"{base}/{version}/footprints?limit={PAGE}", headers=headers)
                assert page.status_code == 200 and len(page.json()["data"]) == PAGE
                results[f"GET /{version}/footprints?limit={PAGE}"] = asyncio.run(
                    _load(f"{base}/{version}/footprints?limit={PAGE}", headers)
                )
        finally:
            host.terminate()
            host.wait(timeout=10)
    base_rps = results["trivial FastAPI endpoint"][0]
    print(f"{CONNECTIONS} connections, {DURATION_S:g} s per case after {WARMUP_S:g} s warm-up, "
          f"{os.cpu_count()} cores")
    print(f"{'case':38} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} {'vs trivial':>10}")
    for name, (rps, p50, p99, errors) in results.items():
        print(f"{name:38} {rps:9.0f} {p50:8.1f} {p99:8.1f} {errors:6d} {rps / base_rps:9.2f}x")
    summary = {k: {"rps": round(v[0]), "p99_ms": round(v[2], 1)} for k, v in results.items()}
    print(json.dumps(summary))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--serve":
        _serve(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        main()
