"""Sweeps: sampling, a real LocalCluster, and `dask scheduler` + `dask worker` on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import yaml

from keten.errors import ValidationError
from keten.resilience.sweep import parse_distribution, sample_documents
from keten.services.resilience import summary_path, sweep

DIST = {
    "name": "test-sweep", "seed": 3,
    "scenario": {"template": "lowwater:900:5"},
    "parameters": [
        {"field": "disruptions.0.discharge_m3s",
         "distribution": {"kind": "uniform", "low": 300, "high": 1500}},
        {"field": "disruptions.0.duration_days",
         "distribution": {"kind": "triangular", "low": 2, "mode": 4, "high": 8}},
    ],
}
DEMAND = ("flow_id,origin,destination,tonnes_per_day,modes\n"
          "bulk,NLRTM-MV,DEDUI,60000,inland_waterway|rail\n"
          "cont,NLRTM,NLNIJ,5000,inland_waterway|road\n")


@pytest.fixture()
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    dist = tmp_path / "dist.yaml"
    dist.write_text(yaml.safe_dump(DIST))
    demand = tmp_path / "demand.csv"
    demand.write_text(DEMAND)
    return dist, demand


def test_sampling_is_reproducible_and_clipped() -> None:
    dist = parse_distribution(DIST, "d.yaml")
    a = sample_documents(dist, 50)
    b = sample_documents(dist, 50)
    assert [p for p, _ in a] == [p for p, _ in b]
    q = [d["disruptions"][0]["discharge_m3s"] for _, d in a]
    assert min(q) >= 500 and max(q) <= 1500  # clipped to the depth relation's range
    days = [d["disruptions"][0]["duration_days"] for _, d in a]
    assert all(isinstance(x, int) and 2 <= x <= 8 for x in days)


def test_bad_distribution_gathers_problems() -> None:
    bad = {"scenario": {"template": "lowwater"}, "seed": -1, "parameters": [
        {"field": "disruptions.0.nope.x", "distribution": {"kind": "uniform", "low": 5,
                                                           "high": 1}},
        {"field": "disruptions.0.duration_days", "distribution": {"kind": "gamma"}}]}
    with pytest.raises(ValidationError) as exc:
        parse_distribution(bad, "bad.yaml")
    fields = {p.column for p in exc.value.problems}
    assert {"seed", "parameters[0].field", "parameters[0].distribution",
            "parameters[1].distribution.kind"} <= fields


def test_sweep_on_a_local_cluster(inputs: tuple[Path, Path], tmp_path: Path) -> None:
    dist, demand = inputs
    out = tmp_path / "runs.parquet"
    seen: list[int] = []
    # the sketch: this is about the cluster; a national-network run takes ~20 s per core
    result = sweep(str(dist), runs=6, output=out, demand=demand, workers=2, processes=True,
                   batch_size=2, progress=lambda done, total: seen.append(done),
                   network=Path("sketch"))
    assert result.scheduler.startswith("LocalCluster(2 processes")
    runs = pd.read_parquet(out)
    assert list(runs["run"]) == list(range(6))
    assert seen[-1] == 6
    summary = pd.read_parquet(summary_path(out)).set_index("metric")
    assert {"p5", "p50", "p95", "mean"} <= set(summary.columns)
    cost = summary.loc["extra_cost_eur"]
    assert cost["p5"] <= cost["p50"] <= cost["p95"]
    # Lower discharge never costs less here: the cheapest run has the highest discharge.
    by_q = runs.sort_values("param:disruptions.0.discharge_m3s")
    assert by_q["extra_cost_eur"].iloc[0] / by_q["horizon_days"].iloc[0] >= \
        by_q["extra_cost_eur"].iloc[-1] / by_q["horizon_days"].iloc[-1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def dask_processes(tmp_path: Path) -> Iterator[str]:
    """A `dask scheduler` and one `dask worker` on loopback, torn down afterwards."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    exe = Path(sys.executable).parent / "dask"
    logs = tmp_path / "dask.log"
    procs: list[subprocess.Popen[bytes]] = []
    env = {**os.environ, "DASK_TEMPORARY_DIRECTORY": str(tmp_path / "dask-tmp")}
    with logs.open("wb") as log:
        procs.append(subprocess.Popen(
            [str(exe), "scheduler", "--host", "127.0.0.1", "--port", str(port),
             "--no-dashboard", "--dashboard-address", "127.0.0.1:0"], stdout=log, stderr=log,
            env=env))
        procs.append(subprocess.Popen(
            [str(exe), "worker", address, "--no-nanny", "--nthreads", "1",
             "--no-dashboard", "--dashboard-address", "127.0.0.1:0",
             "--local-directory", str(tmp_path / "worker")],
            stdout=log, stderr=log, env=env))
        try:
            from distributed import Client

            deadline = time.monotonic() + 60
            while True:
                try:
                    with Client(address, timeout="2s") as c:
                        c.wait_for_workers(1, timeout=30)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)
            yield address
        finally:
            for p in reversed(procs):
                p.terminate()
            for p in reversed(procs):
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(timeout=5)


def test_sweep_on_an_existing_scheduler(inputs: tuple[Path, Path], tmp_path: Path,
                                        dask_processes: str) -> None:
    dist, demand = inputs
    out = tmp_path / "remote.parquet"
    result = sweep(str(dist), runs=4, scheduler=dask_processes, output=out, demand=demand,
                   batch_size=2, network=Path("sketch"))
    assert result.scheduler == dask_processes
    assert len(pd.read_parquet(out)) == 4
    # Same seed, same samples as on any other cluster.
    local = sample_documents(parse_distribution(DIST), 4)
    assert list(result.runs["param:disruptions.0.discharge_m3s"]) == pytest.approx(
        [p["disruptions.0.discharge_m3s"] for p, _ in local])


def test_unreachable_scheduler_is_a_clear_error(inputs: tuple[Path, Path]) -> None:
    dist, demand = inputs
    with pytest.raises(ValidationError):
        sweep(str(dist), runs=2, scheduler="127.0.0.1:1", demand=demand)
