"""Resilience use cases shared by the CLI and the API: load inputs, run, write results.

``disrupt`` (scenario impact), ``criticality`` (redundancy, bridges, freight-weighted),
``stress_test`` (TTS/TTR of a supply network) and ``sweep`` (Monte Carlo on Dask: a
LocalCluster by default, or an existing scheduler at ``tcp://HOST:PORT``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from keten.errors import KetenError, Problem, ValidationError
from keten.io.scenario_input import read_demand, read_document, supply_network_from_document
from keten.io.tables import atomic_path
from keten.network.build import default_network
from keten.network.io import read_network_file
from keten.network.labels import link_names, node_names, with_link_names
from keten.network.model import Network
from keten.resilience.criticality import freight_criticality, redundancy
from keten.resilience.flows import Flow, ImpactModel, demo_demand, prepare_model
from keten.resilience.impact import ImpactResult, simulate
from keten.resilience.scenario import Scenario, check_scenario, parse_scenario, resolve_targets
from keten.resilience.survival import SupplyNetwork
from keten.resilience.survival import stress_test as run_stress_test
from keten.resilience.sweep import (
    ScenarioDistribution,
    parse_distribution,
    run_sweep,
    summarise,
)
from keten.resilience.templates import TEMPLATES, template_document

DATA_PACKAGE = "keten.resilience.data"
DEMO = "demo"
_MODELS: dict[tuple[str, str], ImpactModel] = {}


def load_network(path: Path | None) -> Network:
    """The network in ``path`` (a file, or a built-in name: national, sketch), else the
    national default. Its links' own ``depth_gauge`` columns govern low water, and the
    sketch's table (resilience/data/gauges.csv) the corridor links it shares with it."""
    if path is not None:
        return read_network_file(path)
    return default_network()


def load_flows(path: Path | None) -> list[Flow]:
    return demo_demand() if path is None else read_demand(path)


def impact_model(network: Path | None = None, demand: Path | None = None) -> ImpactModel:
    """The prepared model for a network and demand file (the defaults are cached)."""
    key = (str(network), str(demand))
    if key in _MODELS:
        return _MODELS[key]
    model = prepare_model(load_flows(demand), load_network(network),
                          file=None if demand is None else str(demand))
    if network is None and demand is None:
        _MODELS[key] = model
    return model


def _is_template(text: str) -> bool:
    return text.split(":", 1)[0].lower() in TEMPLATES


def scenario_document(spec: str) -> tuple[Any, str]:
    """The scenario document of a file (YAML/JSON) or a template, and where it came from."""
    path = Path(spec)
    if path.suffix.lower() in (".csv", ".parquet"):
        from keten.io.scenario_input import low_water_from_readings

        return low_water_from_readings(path), f"{path} (gauge readings)"
    if path.suffix.lower() in (".yaml", ".yml", ".json"):
        doc = read_document(path)
        if isinstance(doc, dict) and set(doc) == {"template"}:
            return template_document(str(doc["template"])), f"{path} (template)"
        return _inline_series(doc, path), str(path)
    if _is_template(spec):
        return template_document(spec), f"template {spec}"
    raise ValidationError([Problem(f"'{spec}' is neither a scenario file (.yaml, .yml, .json), "
                                   "a gauge readings file (.csv) "
                                   f"nor a template ({', '.join(TEMPLATES)})", None, None,
                                   "SCENARIO")], title="invalid scenario")


def _inline_series(doc: Any, path: Path) -> Any:
    """Replace each low-water disruption's ``series_csv: FILE`` (relative to the scenario
    file) by the readings in that file."""
    from keten.io.scenario_input import read_gauge_series

    if not isinstance(doc, dict) or not isinstance(doc.get("disruptions"), list):
        return doc
    out = dict(doc)
    out["disruptions"] = []
    for d in doc["disruptions"]:
        if isinstance(d, dict) and "series_csv" in d:
            d = dict(d)
            d["series"] = read_gauge_series(path.parent / str(d.pop("series_csv")))
        out["disruptions"].append(d)
    return out


def load_scenario(spec: str) -> Scenario:
    """A scenario file (YAML/JSON) or a built-in template such as ``lowwater:800``."""
    doc, source = scenario_document(spec)
    return parse_scenario(doc, file=source)


def disrupt(spec: str, demand: Path | None = None, network: Path | None = None) -> ImpactResult:
    """Impact of a scenario (file or template) on the demand, day by day; problems in the
    file's shape and in the names it uses are reported together."""
    from keten.services.hazard import with_raster_hazards

    doc, source = scenario_document(spec)
    model = impact_model(network, demand)
    base = Path(spec).parent if Path(spec).suffix.lower() in (".yaml", ".yml", ".json") else None
    doc, net = with_raster_hazards(doc, model.network, base)  # rows stay those of the model
    scenario, resolved = check_scenario(doc, net, source)
    return with_names(simulate(model, scenario, resolved=resolved), model.network)


def with_names(result: ImpactResult, net: Network) -> ImpactResult:
    """The result with the flows' origin and destination names and the names of the links
    a target's payload factors apply to, next to the ids (tables show names, JSON keeps both)."""
    import dataclasses

    places = node_names(net)
    flows = result.flows.copy()
    for end in ("origin", "destination"):
        if end in flows.columns:
            position = list(flows.columns).index(end) + 1
            flows.insert(position, f"{end}_name",
                         [places.get(str(i), str(i)) for i in flows[end]])
    targets = [{**t, "link_names": link_names(net, t["payload_factors"])}
               if t.get("payload_factors") else t for t in result.resolved]
    return dataclasses.replace(result, flows=flows, resolved=targets)


def place_names(network: Path | None = None) -> dict[str, str]:
    """Node id -> place name of a network (the national default unless one is given)."""
    return node_names(load_network(network))


@dataclass(frozen=True)
class CriticalityResult:
    redundancy: pd.DataFrame
    freight: pd.DataFrame | None  # None: no demand given for a network file

    def as_dict(self, top: int | None = None) -> dict[str, Any]:
        red = self.redundancy.sort_values(["self_loop", "has_detour", "extra_time_h"],
                                          ascending=[True, True, False], kind="stable")
        loops = self.redundancy["self_loop"]
        return {"links": len(self.redundancy),
                "bridges": int(self.redundancy["is_bridge"].sum()),
                "without_detour": int((~self.redundancy["has_detour"] & ~loops).sum()),
                "self_loops": int(loops.sum()),
                "redundancy": _records(red.head(top) if top else red),
                "freight": None if self.freight is None else
                _records(self.freight.head(top) if top else self.freight)}


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for rec in frame.to_dict(orient="records"):
        out.append({str(k): (None if isinstance(v, float) and v != v else
                             round(v, 6) if isinstance(v, float) else
                             bool(v) if type(v).__name__ == "bool_" else v)
                    for k, v in rec.items()})
    return out


def criticality(network: Path | None = None, demand: Path | None = None,
                same_mode: bool = True) -> CriticalityResult:
    """Single-link redundancy and bridges of the network (the national default unless a
    file or name is given), and freight-weighted criticality of the given demand, or of
    keten's demo demand on the sketch (``network`` = ``sketch``); none without demand."""
    net = load_network(network)
    red = with_link_names(redundancy(net, same_mode=same_mode), net)
    sketch = network is not None and str(network) in ("sketch", "demo") \
        and not Path(network).exists()
    if demand is None and not sketch:
        return CriticalityResult(red, None)
    model = impact_model(network, demand)
    return CriticalityResult(red, with_link_names(freight_criticality(model), model.network))


def load_supply_network(spec: str) -> SupplyNetwork:
    if spec == DEMO:
        text = resources.files(DATA_PACKAGE).joinpath("demo_supply_network.yaml").read_text(
            encoding="utf-8")
        import yaml

        return supply_network_from_document(yaml.safe_load(text),
                                            "keten/resilience/data/demo_supply_network.yaml")
    path = Path(spec)
    return supply_network_from_document(read_document(path), str(path))


def stress_test(spec: str) -> tuple[SupplyNetwork, pd.DataFrame]:
    net = load_supply_network(spec)
    return net, run_stress_test(net)


def load_distribution(spec: str) -> ScenarioDistribution:
    if spec == DEMO:
        import yaml

        text = resources.files(DATA_PACKAGE).joinpath("demo_sweep.yaml").read_text(
            encoding="utf-8")
        return parse_distribution(yaml.safe_load(text), "keten/resilience/data/demo_sweep.yaml")
    path = Path(spec)
    return parse_distribution(read_document(path), str(path))


@dataclass(frozen=True)
class SweepResult:
    distribution: ScenarioDistribution
    runs: pd.DataFrame
    summary: pd.DataFrame
    scheduler: str
    output: Path | None


def sweep(spec: str, runs: int | None = None, scheduler: str | None = None,
          output: Path | None = None, demand: Path | None = None, network: Path | None = None,
          workers: int = 2, processes: bool = True, batch_size: int = 10,
          progress: Callable[[int, int], None] | None = None) -> SweepResult:
    """Run a Monte Carlo sweep; results to Parquet at ``output`` (and a ``.summary.parquet``)."""
    dist = load_distribution(spec)
    n_runs = runs if runs is not None else (dist.runs or 100)
    if n_runs < 1:
        raise ValidationError([Problem("--runs must be >= 1", None, None, "runs")],
                              title="invalid sweep")
    if scheduler is not None and not scheduler.startswith(("tcp://", "tls://", "inproc://")):
        raise ValidationError([Problem(f"'{scheduler}' is not a scheduler address like "
                                       "tcp://HOST:PORT", None, None, "scheduler")],
                              title="invalid sweep")
    model = impact_model(network, demand)
    # Check the targets once here, so bad names fail before any worker starts.
    from keten.resilience.sweep import sample_documents

    resolve_targets(parse_scenario(sample_documents(dist, 1)[0][1]), model.network)
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as exc:
            raise KetenError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
        try:
            results = run_sweep(client, model, dist, n_runs, batch_size, progress)
        finally:
            client.close()
        where = scheduler
    else:
        import dask

        with tempfile.TemporaryDirectory(prefix="keten-dask-") as tmp, \
                _env("DASK_TEMPORARY_DIRECTORY", tmp), \
                dask.config.set({"temporary-directory": tmp}), \
                LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes,
                             local_directory=tmp, dashboard_address="127.0.0.1:0",
                             silence_logs=40) as cluster, \
                Client(cluster) as client:
            results = run_sweep(client, model, dist, n_runs, batch_size, progress)
        where = f"LocalCluster({workers} {'processes' if processes else 'threads'})"
    summary = summarise(results)
    if output is not None:
        write_parquet(results, output)
        write_parquet(summary, summary_path(output))
    return SweepResult(dist, results, summary, where, output)


@contextmanager
def _env(name: str, value: str) -> Iterator[None]:
    """Set an environment variable for the block (worker processes inherit it)."""
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


def summary_path(output: Path) -> Path:
    return output.with_name(output.stem + ".summary.parquet")


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    with atomic_path(path) as tmp:
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp)


def risk_exposure(network: Path | None = None, demand: Path | None = None, top_links: int = 8,
                  top_terminals: int = 6) -> pd.DataFrame:
    """Risk exposure index per terminal, lock and link, with redundancy and freight use."""
    from keten.resilience.exposure import risk_exposure as run

    model = impact_model(network, demand)
    table = run(model, redundancy(model.network), top_links=top_links,
                top_terminals=top_terminals)
    ids = table["element_id"].astype(str)
    places = node_names(model.network)
    links = link_names(model.network, ids[table["kind"] != "terminal"])
    table.insert(list(table.columns).index("element_id") + 1, "element_name",
                 [places.get(i, i) if kind == "terminal" else links.get(i, i)
                  for i, kind in zip(ids, table["kind"], strict=True)])
    return table


def backtest_2018(network: Path | None = None, demand: Path | None = None
                  ) -> tuple[ImpactResult, pd.DataFrame]:
    """The 2018 low-water backtest on the demand (demo flows by default)."""
    from keten.resilience.backtest import run_backtest_2018

    return run_backtest_2018(impact_model(network, demand))
