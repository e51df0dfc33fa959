"""Benchmark: PACT host throughput of the listings ``GET /3/footprints?limit=100`` (PACT v3.0)
and ``GET /2/footprints?limit=100`` (PACT v2.3 with the iLEAP extensions) against a trivial
FastAPI endpoint returning the same bytes, in the same run, on loopback only, bounded in time
(issue #12: requests/s and p99 at 64 connections for /2 and /3 listing).

Prints:
- where one request's time goes, in-process (median of 200): the token check (full, and with
  the verified token kept), the page through the ORM with parsed documents (the old path) and
  its JSON encoding, the page as stored JSON bytes (the path the host uses), the whole request
  through keten's ASGI app and the same through the trivial app;
- for keten on SQLite and on PostgreSQL, with 1 and ``--workers`` worker processes, and for
  the trivial endpoint (1 process, one route per listing serving keten's page of it), per
  listing: requests/s, p50/p99, errors, server CPU per request and RSS, over ``--rounds``
  rounds in which the servers take turns (so a change of the machine's load hits every server
  alike); the ratios to the trivial endpoint serving the same body (aim >= 0.5).

Run: .venv/bin/python benchmarks/host_throughput.py [--seconds 10] [--rounds 3] [--connections 64]
     [--workers 2] [--footprints 300] [--no-postgres] [--profile-only]
Everything binds 127.0.0.1 on free ports and stops when the run ends.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pwd
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
TRIVIAL_APP = '''
import os
from fastapi import FastAPI
from fastapi.responses import Response
body = open(os.environ["BENCH_BODY_FILE"], "rb").read()
body_v2 = open(os.environ["BENCH_BODY_FILE_V2"], "rb").read()
app = FastAPI()
@app.get("/3/footprints")
def footprints() -> Response:
    return Response(body, media_type="application/json")
@app.get("/2/footprints")
def footprints_v2() -> Response:
    return Response(body_v2, media_type="application/json")
'''
LISTINGS = {"/3": "/3/footprints?limit=100", "/2": "/2/footprints?limit=100"}


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


def seed(home: Path, footprints: int, database_url: str | None = None) -> None:
    """A company with ``footprints`` stored footprints and client credentials."""
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import shipment_footprint
    from keten.services import auth, companies, exchange
    from keten.settings import Settings
    from keten.store import open_store

    home.mkdir(parents=True, exist_ok=True)
    store = open_store(Settings(home=home, database_url=database_url))
    companies.add_company(store, "Bench Carrier", "bench", ["urn:example:company:bench"])
    auth.create_credentials(store, "bench", "bench-client", "bench-secret-1")
    docs = [shipment_footprint(f"S{i:05d}") for i in range(footprints)]
    exchange.import_footprints(store, "bench", docs)
    store.close()


async def _asgi_get(app: Any, path: str, query: bytes, headers: dict[str, str]) -> int:
    """One GET straight through the ASGI app (no HTTP client or server): its status."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query,
             "root_path": "", "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1),
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


def _trivial_app(body: bytes, body_v2: bytes) -> Any:
    namespace: dict[str, Any] = {"BODY": body, "BODY_V2": body_v2}
    source = TRIVIAL_APP.replace('open(os.environ["BENCH_BODY_FILE"], "rb").read()', "BODY")
    source = source.replace('open(os.environ["BENCH_BODY_FILE_V2"], "rb").read()', "BODY_V2")
    exec(source, namespace)
    return namespace["app"]


def profile_one_request(home: Path, rounds: int = 200,
                        database_url: str | None = None) -> dict[str, float]:
    """Median milliseconds of the parts of one ``GET /3/footprints?limit=100`` and one
    ``GET /2/footprints?limit=100``, in-process (on SQLite, or the database at
    ``database_url``)."""
    from keten.api import create_app
    from keten.exchange import pact
    from keten.services import auth, exchange
    from keten.services.footprint_pages import list_footprints_json, list_footprints_v2_json
    from keten.settings import Settings
    from keten.store import open_store
    from keten.store.footprint_pages import read_json_page

    settings = Settings(home=home, database_url=database_url)
    store = open_store(settings)
    criteria = pact.parse_filter({})
    app = create_app(settings, store=store)
    key = app.state.keten.signing_key
    token = auth.issue_token(store, key, "bench-client", "bench-secret-1", 3600).access_token
    headers = {"Authorization": f"Bearer {token}"}
    verifier = auth.TokenVerifier(key)
    parts: dict[str, Any] = {
        "token check, full (JWT signature + ORM credential read)":
            lambda: auth.authenticate(store, key, token),
        "token check, verified token kept (credential check kept until a commit)":
            lambda: verifier.authenticate(store, token),
        "v3 page via the ORM, documents parsed (services.exchange.list_footprints)":
            lambda: exchange.list_footprints(store, "bench", criteria, 100),
        "v2 page via the ORM, documents parsed (services.exchange.list_footprints_v2)":
            lambda: exchange.list_footprints_v2(store, "bench", None, 100),
        "JSON encoding of the v3 page (json.dumps)":
            lambda page=exchange.list_footprints(store, "bench", criteria, 100)[0]:
            json.dumps({"data": page}).encode(),
        "v3 page as stored JSON bytes, read from the database (store.read_json_page)":
            lambda: read_json_page(store, "bench", criteria, 100, None),
        "v2 page as stored JSON bytes, read from the database (store.read_json_page)":
            lambda: read_json_page(store, "bench", criteria, 100, None, version=2),
        "v3 page as the host serves it, kept until a commit (list_footprints_json)":
            lambda: list_footprints_json(store, "bench", criteria, 100),
        "v2 page as the host serves it, kept until a commit (list_footprints_v2_json)":
            lambda: list_footprints_v2_json(store, "bench", None, 100),
    }
    loop = asyncio.new_event_loop()
    trivial = _trivial_app(list_footprints_json(store, "bench", criteria, 100)[0],
                           list_footprints_v2_json(store, "bench", None, 100)[0])
    for listing in LISTINGS:
        path = f"{listing}/footprints"
        assert loop.run_until_complete(_asgi_get(app, path, b"limit=100", headers)) == 200
        parts[f"whole {listing} request through keten's ASGI app (edge, auth, route)"] = (
            lambda p=path: loop.run_until_complete(_asgi_get(app, p, b"limit=100", headers)))
        parts[f"the same through the trivial FastAPI app (same {listing} body)"] = (
            lambda p=path: loop.run_until_complete(_asgi_get(trivial, p, b"", {})))
    timings: dict[str, float] = {}
    for name, run in parts.items():
        run()
        samples = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            run()
            samples.append(time.perf_counter() - t0)
        timings[name] = statistics.median(samples) * 1000
    loop.close()
    store.close()
    return timings


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
            print(f"  wrk {url}: {line.strip()}", file=sys.stderr)  # which errors
    return result


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) the server and its worker processes have used."""
    procs = [psutil.Process(pid)]
    procs += procs[0].children(recursive=True)
    return sum(sum(p.cpu_times()[:2]) for p in procs)


def rss_mb(pid: int) -> float:
    proc = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)]) / 2**20


@dataclass
class Server:
    """One server under test: its process, its base URL and the headers sent; per listing
    (``/2``, ``/3``) the rounds measured."""

    name: str
    process: subprocess.Popen[bytes]
    base: str
    headers: dict[str, str]
    trivial: bool = False
    rounds: dict[str, list[dict[str, float]]] = field(default_factory=dict)

    def url(self, listing: str) -> str:
        path = LISTINGS[listing]
        return self.base + (path.split("?")[0] if self.trivial else path)


def start_server(name: str, args: list[str], env: dict[str, str], port: int,
                 token: bool) -> Server:
    process = subprocess.Popen([*args, "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_up(f"{base}/openapi.json")
    headers: dict[str, str] = {}
    if token:
        grant = httpx.post(f"{base}/auth/token", auth=("bench-client", "bench-secret-1"),
                           data={"grant_type": "client_credentials"}, timeout=30)
        headers = {"Authorization": f"Bearer {grant.json()['access_token']}"}
    return Server(name, process, base, headers, trivial=not token)


def load_round(server: Server, listing: str, seconds: float, connections: int) -> None:
    url = server.url(listing)
    cpu_before = cpu_s(server.process.pid)
    if shutil.which("wrk"):
        result = load_wrk(url, server.headers, seconds, connections)
    else:
        result = asyncio.run(load(url, server.headers, seconds, connections))
    result["requests"] = result["rps"] * seconds
    result["cpu_s"] = cpu_s(server.process.pid) - cpu_before
    result["rss_mb"] = rss_mb(server.process.pid)
    server.rounds.setdefault(listing, []).append(result)


def summary(rounds: list[dict[str, float]]) -> dict[str, float]:
    return {
        "rps": statistics.median(r["rps"] for r in rounds),
        "p50_ms": statistics.median(r["p50_ms"] for r in rounds),
        "p99_ms": statistics.median(r["p99_ms"] for r in rounds),
        "errors": sum(r["errors"] for r in rounds),
        "cpu_ms_per_request": 1000 * sum(r["cpu_s"] for r in rounds)
        / max(1.0, sum(r["requests"] for r in rounds)),
    }


@contextmanager
def private_postgres() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on a free loopback port (Debian's ``postgresql``
    binaries, trust auth, as the test suite starts one); yields a database URL."""
    bindir = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))[-1].parent
    root = Path(tempfile.mkdtemp(prefix="keten-bench-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", free_port()
    subprocess.run([*prefix, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U",
                    "postgres", "-E", "UTF8"], check=True, capture_output=True, timeout=120)
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l",
                    str(root / "log"), "-w", "start"], check=True, capture_output=True,
                   timeout=120)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "stop"], capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10, help="per round and server")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds; each loads every server once, in turn")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--footprints", type=int, default=300)
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--profile-only", action="store_true",
                        help="only the in-process timings, no servers")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="keten-bench-host-") as tmp, ExitStack() as stack:
        home = Path(tmp)
        seed(home, opts.footprints)
        for part, ms in profile_one_request(home).items():
            print(f"SQLite: {part}: {ms:.3f} ms (median)")
        env = {**os.environ, "KETEN_HOME": str(home)}
        env.pop("KETEN_DATABASE_URL", None)
        backends = {"SQLite": env}
        if not opts.no_postgres:
            pg_home = home / "pg"
            pg_env = {**env, "KETEN_HOME": str(pg_home),
                      "KETEN_DATABASE_URL": stack.enter_context(private_postgres())}
            seed(pg_home, opts.footprints, pg_env["KETEN_DATABASE_URL"])
            backends["PostgreSQL"] = pg_env
            for part, ms in profile_one_request(pg_home, database_url=pg_env[
                    "KETEN_DATABASE_URL"]).items():
                print(f"PostgreSQL: {part}: {ms:.3f} ms (median)")
        if opts.profile_only:
            return
        keten = [sys.executable, "-m", "keten.cli.main", "serve", "--log-level", "warning"]
        servers: list[Server] = []

        def stop_all() -> None:
            for server in servers:
                server.process.terminate()
                server.process.wait(timeout=30)

        stack.callback(stop_all)
        for backend, backend_env in backends.items():
            for workers in sorted({1, opts.workers}):
                servers.append(start_server(
                    f"keten on {backend}, {workers} worker(s)",
                    [*keten, "--workers", str(workers)], backend_env, free_port(), True))
        bodies = {(s.name, listing): httpx.get(s.url(listing), headers=s.headers,
                                               timeout=30).content
                  for s in servers for listing in LISTINGS}
        first = servers[0].name
        body_files = {}
        for listing in LISTINGS:
            body_files[listing] = home / f"body{listing.strip('/')}.json"
            body_files[listing].write_bytes(bodies[first, listing])
        (home / "trivial_app.py").write_text(TRIVIAL_APP)
        trivial = start_server(
            "trivial FastAPI endpoint, 1 process",
            [sys.executable, "-m", "uvicorn", "--app-dir", str(home), "trivial_app:app",
             "--log-level", "warning"],
            {**env, "BENCH_BODY_FILE": str(body_files["/3"]),
             "BENCH_BODY_FILE_V2": str(body_files["/2"])}, free_port(), False)
        servers.insert(0, trivial)
        for listing in LISTINGS:
            size = len(bodies[first, listing])
            print(f"{listing} page: {size} bytes" + "".join(
                f"; {name}: {len(b)} bytes" for (name, lst), b in bodies.items()
                if lst == listing and len(b) != size))
        print(f"{opts.connections} connections; {opts.rounds} rounds of {opts.seconds:.0f} s "
              "per server and listing, the servers taking turns")
        rss_start = {}
        for server in servers:
            for listing in LISTINGS:  # warm-up
                asyncio.run(load(server.url(listing), server.headers, 2, opts.connections))
            rss_start[server.name] = rss_mb(server.process.pid)
        for _ in range(opts.rounds):
            for listing in LISTINGS:
                for server in servers:
                    load_round(server, listing, opts.seconds, opts.connections)
        for listing in LISTINGS:
            base = summary(trivial.rounds[listing])
            print(f"-- {LISTINGS[listing]}")
            for server in servers:
                rounds = server.rounds[listing]
                r = summary(rounds)
                ratios = [x["rps"] / t["rps"] for x, t in
                          zip(rounds, trivial.rounds[listing], strict=True) if t["rps"]]
                print(f"{server.name}: {r['rps']:.1f} req/s ({r['rps'] / base['rps']:.2f}x "
                      f"trivial; per round {', '.join(f'{x:.2f}' for x in ratios)}), "
                      f"p50 {r['p50_ms']:.0f} ms, p99 {r['p99_ms']:.0f} ms, "
                      f"errors {r['errors']:.0f}, server CPU {r['cpu_ms_per_request']:.2f} "
                      f"ms/request ({base['cpu_ms_per_request'] / r['cpu_ms_per_request']:.2f}x"
                      f" trivial's), RSS {rss_start[server.name]:.0f} -> "
                      f"{rounds[-1]['rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
