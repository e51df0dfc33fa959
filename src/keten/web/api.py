"""The dashboard's JSON routes (``/dashboard/api/...``): data and plotly figures for the pages,
background jobs for long work, downloads. Session cookie required; state-changing calls also
need the ``X-Keten-Dashboard`` header (which a cross-site form cannot send)."""

from __future__ import annotations

import json
import math
import re
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from keten.errors import KetenError, Problem, ValidationError
from keten.services import dashboard as views
from keten.web import charts
from keten.web.app import DashboardState, current_session, dashboard
from keten.web.jobs import JobOutput, Progress, error_dict
from keten.web.session import Session

router = APIRouter(prefix="/dashboard/api", include_in_schema=False)

UPLOAD_SUFFIXES = (".csv", ".parquet", ".json")
MAX_SWEEP_POINTS = 12


class _NotLoggedIn(Exception):
    pass


def user(request: Request) -> Session:
    session = current_session(request)
    if session is None:
        raise _NotLoggedIn
    return session


def writer(request: Request) -> Session:
    """A logged-in user calling from the dashboard's own scripts."""
    session = user(request)
    if request.headers.get("x-keten-dashboard") != "1":
        raise _NotLoggedIn
    return session


def problem_response(exc: BaseException, status: int = 422) -> JSONResponse:
    return JSONResponse({"error": error_dict(exc)}, status_code=status)


def _json(request: Request, body: bytes) -> Any:
    try:
        return json.loads(body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError([Problem(f"the request is not JSON: {exc}")]) from exc


# ---------------------------------------------------------------- network


@lru_cache(maxsize=4)
def _network_payload(tile_url: str | None, sized: bool = True) -> dict[str, Any]:
    view = views.network_view(sized=sized)
    return {
        "figure": charts.network_map(view, tile_url),
        "nodes": {n["node_id"]: n for n in view["nodes"]},
        "links": {link["link_id"]: {k: v for k, v in link.items() if k not in ("lon", "lat")}
                  for link in view["links"]},
        "summary": {"nodes": len(view["nodes"]), "links": len(view["links"]),
                    # a national view draws hubs and merged lines, not 32k nodes and 43k links
                    "text": (f"{len(view['nodes']):,} terminals, ports, airports and border "
                             f"crossings; {view['display']}" if view.get("display") else
                             f"{len(view['nodes']):,} nodes and {len(view['links']):,} links"),
                    "throughput_basis": view["throughput_basis"]},
    }


@router.get("/network")
async def network(request: Request, sized: bool = True,
                  session: Session = Depends(user)) -> Any:
    """The network map; ``sized=false`` without terminal throughput, for a fast first paint
    (measured: the throughput takes ~10 s on first use, the plain map ~0.1 s)."""
    return await run_in_threadpool(_network_payload, dashboard(request).tile_url, sized)


# ---------------------------------------------------------------- jobs


@router.get("/jobs/{job_id}")
def job_status(job_id: str, request: Request, session: Session = Depends(user)) -> Any:
    job = dashboard(request).jobs.get(job_id, session.username)
    if job is None:
        return JSONResponse({"error": {"title": "no such job (it may have expired)",
                                       "problems": []}}, status_code=404)
    return job.as_dict()


# ---------------------------------------------------------------- footprint


def _upload_name(raw: str | None) -> str:
    name = Path((raw or "upload.csv").replace("\\", "/")).name
    name = re.sub(r"[^A-Za-z0-9._ -]", "_", name).strip() or "upload.csv"
    return name[:120]


def _row_count(path: Path) -> int | None:
    """Rows of an uploaded table, cheaply (CSV lines, Parquet metadata), for progress."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("rb") as f:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
        return max(lines - 1, 0)
    if suffix in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        try:
            return int(pq.ParquetFile(path).metadata.num_rows)
        except (OSError, ValueError):
            return None
    return None


def _footprint_work(state: DashboardState, path: Path, label: str,
                    use_demo_factors: bool) -> Any:
    from keten.services.footprint import footprint

    def work(progress: Progress) -> JobOutput:
        tocs = hocs = None
        if use_demo_factors:
            progress(0.05, "preparing the demo carrier's TOCs and terminals' HOCs")
            tocs, hocs = state.demo_factor_files()
        progress(0.15, f"validating and computing {label}")
        total = _row_count(path)

        def rows_done(done: int) -> None:
            share = done / total if total else 0.0
            of = f" of {total:,}" if total else ""
            progress(0.15 + 0.6 * min(share, 1.0), f"{done:,}{of} rows computed")

        try:
            result = footprint(path, tocs=tocs, hocs=hocs, progress=rows_done)
        except ValidationError as exc:
            problems = [Problem(p.reason, label if p.file and str(path) in p.file else p.file,
                                p.row, p.column) for p in exc.problems]
            raise ValidationError(problems, title=f"{label}: invalid TCE input") from None
        progress(0.75, "summarising by shipment, lane, mode and month")
        view = views.footprint_view(result, path)
        figures = charts.footprint_figures(view)
        view["shipment_count"] = len(view["by_shipment"])
        view["by_shipment"] = view["by_shipment"][:50]
        view["by_lane"] = view["by_lane"][:50]
        return JobOutput({"file": label, "view": view, "figures": figures},
                         keep={"result": result, "label": label})

    return work


@router.post("/footprint")
async def upload_footprint(request: Request, session: Session = Depends(writer)) -> Any:
    """Upload a TCE file (the request body; its name in ``X-Filename``): a background job."""
    state = dashboard(request)
    label = _upload_name(request.headers.get("x-filename"))
    suffix = Path(label).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        return problem_response(ValidationError(
            [Problem(f"'{suffix or 'no extension'}' files are not read here: upload a CSV, "
                     "Parquet or JSON file of TCEs", label)], title=f"{label}: cannot read"))
    folder = Path(state.workdir.name) / "uploads" / secrets.token_hex(8)
    folder.mkdir(parents=True)
    path = folder / label
    size = 0
    with path.open("wb") as out:
        async for chunk in request.stream():
            size += len(chunk)
            out.write(chunk)
    if size == 0:
        return problem_response(ValidationError([Problem("the file is empty", label)],
                                                title=f"{label}: cannot read"))
    demo = request.query_params.get("demo_factors", "1") != "0"
    job = state.jobs.submit("footprint", session.username,
                            _footprint_work(state, path, label, demo))
    return JSONResponse(job.as_dict(), status_code=202)


@router.post("/footprint/demo")
def demo_footprint(request: Request, session: Session = Depends(writer)) -> Any:
    """The footprint of the demo shipper's TCE file, as a background job."""
    from keten.demo import demo_file

    state = dashboard(request)
    job = state.jobs.submit("footprint", session.username,
                            _footprint_work(state, demo_file("tces.csv"), "demo tces.csv", True))
    return JSONResponse(job.as_dict(), status_code=202)


def _footprint_job(request: Request, job_id: str, session: Session) -> Any:
    job = dashboard(request).jobs.get(job_id, session.username)
    if job is None or job.kind != "footprint" or "result" not in job.keep:
        return None
    return job


@router.get("/footprint/{job_id}/tces.csv")
def download_csv(job_id: str, request: Request, session: Session = Depends(user)) -> Response:
    from keten.services.footprint_output import csv_text

    job = _footprint_job(request, job_id, session)
    if job is None:
        return problem_response(KetenError("no such footprint (it may have expired)"), 404)
    text = csv_text(views.tce_rows_table(job.keep["result"]))
    return Response(text, media_type="text/csv", headers={
        "Content-Disposition": 'attachment; filename="footprint_tces.csv"'})


@router.get("/footprint/{job_id}/ileap.json")
def download_ileap(
    job_id: str, request: Request, session: Session = Depends(user), pact_version: int = 3
) -> Response:
    """PACT ProductFootprints (``?pact_version=2|3``) of a computed footprint, published by
    the user's company: the same document as ``keten footprint --format ileap``."""
    from keten.services.pact_documents import footprint_documents, publisher

    job = _footprint_job(request, job_id, session)
    if job is None:
        return problem_response(KetenError("no such footprint (it may have expired)"), 404)
    if session.company_id is None:
        return problem_response(
            KetenError("your dashboard user belongs to no company: PACT documents need one"), 400
        )
    try:
        who = publisher(dashboard(request).api.store, session.company_id)
        doc = footprint_documents(job.keep["result"], who, pact_version)
    except KetenError as exc:
        return problem_response(exc, 400)
    name = f"footprint_pact_v{pact_version}.json" if pact_version == 2 else "footprint_ileap.json"
    return Response(json.dumps(doc, indent=2), media_type="application/json", headers={
        "Content-Disposition": f'attachment; filename="{name}"'})


# ---------------------------------------------------------------- planning


def _prices(doc: dict[str, Any]) -> tuple[float, list[float]]:
    problems = []
    price: float = 100.0
    try:
        price = float(doc.get("carbon_price_eur_per_t", 100.0))
        if not 0 <= price <= 10_000:
            raise ValueError
    except (TypeError, ValueError):
        problems.append(Problem("must be a number from 0 to 10000",
                                column="carbon_price_eur_per_t"))
    sweep: list[float] = []
    raw = doc.get("sweep", "0, 50, 100, 200, 400")
    for part in str(raw).replace(";", ",").split(","):
        if not part.strip():
            continue
        try:
            value = float(part)
            if not 0 <= value <= 10_000:
                raise ValueError
            sweep.append(value)
        except ValueError:
            problems.append(Problem(f"'{part.strip()}' is not a price from 0 to 10000",
                                    column="sweep"))
    if len(sweep) > MAX_SWEEP_POINTS:
        problems.append(Problem(f"at most {MAX_SWEEP_POINTS} prices", column="sweep"))
    if problems:
        raise ValidationError(problems, title="invalid planning parameters")
    return price, sorted(set(sweep))


PLAN_FILES = ("shipments", "services", "terminals")


async def _save_upload(upload: UploadFile, folder: Path) -> Path:
    label = _upload_name(upload.filename)
    if Path(label).suffix.lower() not in UPLOAD_SUFFIXES:
        raise ValidationError([Problem("upload a CSV, Parquet or JSON file", label)],
                              title=f"{label}: cannot read")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / label
    with path.open("wb") as out:
        while chunk := await upload.read(1 << 20):
            out.write(chunk)
    return path


@router.post("/planning")
async def run_planning(request: Request, session: Session = Depends(writer)) -> Any:
    """Plan at a carbon price and sweep other prices (multipart form: ``carbon_price_eur_per_t``,
    ``sweep``, optional ``shipments``/``services``/``terminals`` files; the demo portfolio when
    no files are given): a background job."""
    state = dashboard(request)
    try:
        form = await request.form()
        price, sweep = _prices({k: v for k, v in form.items() if isinstance(v, str)})
        uploads = {k: v for k, v in form.items()
                   if k in PLAN_FILES and isinstance(v, UploadFile) and v.filename}
        if bool(uploads.get("shipments")) != bool(uploads.get("services")):
            raise ValidationError([Problem("give both a shipments and a services file, or "
                                           "neither (the demo portfolio)", column="shipments")],
                                  title="invalid planning input")
        folder = Path(state.workdir.name) / "plans" / secrets.token_hex(8)
        paths = {k: await _save_upload(v, folder / k) for k, v in uploads.items()}
    except ValidationError as exc:
        return problem_response(exc)
    def where(file: str | None) -> str | None:
        return Path(file).name if file and str(folder) in file else file

    def work(progress: Progress) -> JobOutput:
        from keten.services.planning import plan

        what = "the demo portfolio" if not paths else paths["shipments"].name
        progress(0.1, f"planning {what} at {price:g} EUR/t and {len(sweep)} sweep prices "
                 "(HiGHS)")
        try:
            result = plan(paths.get("shipments"), paths.get("services"), paths.get("terminals"),
                          carbon_price_eur_per_t=price, sweep=sweep)
        except ValidationError as exc:
            raise ValidationError([Problem(p.reason, where(p.file), p.row, p.column)
                                   for p in exc.problems],
                                  title=exc.title) from None
        progress(0.9, "summarising")
        view = views.planning_view(result, views.service_routes(paths.get("services")))
        view["input"] = what
        view["assignments"] = [
            {**_plain_row(r), "route": route} for r, route in
            zip(result.assignment_rows()[:SHOWN_PLAN_ROWS], views.plan_route_texts(result),
                strict=False)]
        view["assignment_count"] = len(result.plan.assignments)
        figures = charts.planning_figures(view)
        figures["plan_map"] = charts.plan_map(views.plan_map_view(result))
        return JobOutput({"view": view, "figures": figures},
                         keep={"result": result})

    job = state.jobs.submit("planning", session.username, work)
    return JSONResponse(job.as_dict(), status_code=202)


# rows of the per-shipment plan shown on the Planning page (all of them in plan.csv)
SHOWN_PLAN_ROWS = 60


def _plain_row(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
            for k, v in row.items()}


@router.get("/planning/{job_id}/plan.csv")
def download_plan(job_id: str, request: Request, session: Session = Depends(user)) -> Response:
    """The plan per shipment (every assignment, legs as text), as ``keten plan -f csv``."""
    import csv
    import io

    job = dashboard(request).jobs.get(job_id, session.username)
    if job is None or job.kind != "planning" or "result" not in job.keep:
        return problem_response(KetenError("no such plan (it may have expired)"), 404)
    rows = job.keep["result"].assignment_rows()
    buf = io.StringIO()
    writer = csv.DictWriter(buf, list(rows[0]) if rows else ["shipment_id"],
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return Response(buf.getvalue(), media_type="text/csv", headers={
        "Content-Disposition": 'attachment; filename="plan.csv"'})


# ---------------------------------------------------------------- resilience


def _lowwater_payload(discharge: float, tile_url: str | None,
                      capacity: dict[str, Any] | None = None) -> dict[str, Any]:
    view = views.lowwater_view(discharge, capacity)
    network_view = views.resilience_network_view(a["link_id"] for a in view["affected"])
    figures = charts.impact_figures(view)
    figures["map"] = charts.lowwater_map(network_view, view, tile_url)
    return {"view": view, "figures": figures}


def _capacity_params(rail_paths: str | None, trucks: str | None,
                     fleet_utilisation: str | None) -> dict[str, Any]:
    """The page's capacity settings as a scenario ``capacity:`` section (checked there)."""
    def num(raw: str, field: str) -> float:
        try:
            return float(raw)
        except ValueError:
            raise ValidationError([Problem(f"'{raw}' is not a number", column=field)],
                                  title="invalid capacity") from None

    cap: dict[str, Any] = {}
    if rail_paths:
        # the Betuweroute and the Venlo lines together: on the national network the border
        # is what limits rail into Germany (resilience.capacity, border_paths_per_day)
        cap["rail"] = {"border_paths_per_day": {"NL-DE": num(rail_paths, "rail_paths")}}
    if trucks:
        n = num(trucks, "trucks")
        cap["road"] = {"trucks_per_day": {"NL": n}}
    if fleet_utilisation:
        cap["barge"] = {"normal_utilisation": num(fleet_utilisation, "fleet_utilisation")}
    return cap


@router.get("/resilience/lowwater")
async def lowwater(request: Request, discharge_m3s: str = "800", rail_paths: str | None = None,
                   trucks: str | None = None, fleet_utilisation: str | None = None,
                   session: Session = Depends(user)) -> Any:
    try:
        value = float(discharge_m3s)
    except ValueError:
        value = float("nan")
    try:
        capacity = _capacity_params(rail_paths, trucks, fleet_utilisation)
        return await run_in_threadpool(_lowwater_payload, value, dashboard(request).tile_url,
                                       capacity)
    except ValidationError as exc:
        return problem_response(exc)


SWEEP_LABELS = {"param:disruptions.0.discharge_m3s": "Lobith discharge (m³/s), sampled",
                "param:disruptions.0.duration_days": "duration (days), sampled"}


def sweep_label(metric: str) -> str:
    """A readable label for a sweep column (``param:disruptions.0.discharge_m3s`` -> ...)."""
    if metric in SWEEP_LABELS:
        return SWEEP_LABELS[metric]
    name = metric.removeprefix("param:").rsplit(".", 1)[-1]
    for suffix, unit in (("_eur", " (EUR)"), ("_kg", " (kg)"), ("_t", " (t)"),
                         ("_tkm", " (tkm)"), ("_days", " (days)"), ("_m3s", " (m³/s)")):
        if name.endswith(suffix):
            name = name[: -len(suffix)] + unit
            break
    name = name.replace("shift_tkm_", "tkm shift ").replace("co2e_wtw", "CO2e WTW")
    name = name.replace("nox", "NOx").replace("pm ", "PM ").replace("_", " ")
    return name + (", sampled" if metric.startswith("param:") else "")


def _criticality_payload(tile_url: str | None) -> dict[str, Any]:
    view = views.criticality_view()
    network = views.resilience_network_view([r["link_id"] for r in view["links"]])
    return {"figure": charts.criticality_map(network, view, tile_url),
            "top": view["table"][:15], "basis": view["basis"], "network": view["network"]}


@router.get("/resilience/criticality")
async def criticality(request: Request, session: Session = Depends(user)) -> Any:
    return await run_in_threadpool(_criticality_payload, dashboard(request).tile_url)


@router.post("/resilience/exposure")
async def run_exposure(request: Request, session: Session = Depends(writer)) -> Any:
    """Risk exposure of the demo network's busiest terminals and most critical links, as a
    background job (each element is simulated out of service for its time to recover)."""
    tile_url = dashboard(request).tile_url

    def work(progress: Progress) -> JobOutput:
        from keten.services.resilience import risk_exposure

        progress(0.05, "taking each terminal and link out for its time to recover")
        # on the national network, as the rest of the page: about a minute and a half for
        # the ten elements (a terminal's two weeks out of service cost the most rounds)
        table = risk_exposure(top_links=6, top_terminals=4)
        rows = [{str(k): (None if isinstance(v, float) and not math.isfinite(v) else
                          bool(v) if type(v).__name__ == "bool_" else v)
                 for k, v in r.items()} for r in table.to_dict("records")]
        return JobOutput({"rows": rows,
                          "figure": charts.exposure_map(views.resilience_network_view(
                              [str(r["element_id"]) for r in rows if r["kind"] != "terminal"]),
                              rows, tile_url)})

    job = dashboard(request).jobs.submit("exposure", session.username, work)
    return JSONResponse(job.as_dict(), status_code=202)


MAX_SWEEP_RUNS = 500


@router.post("/resilience/sweep")
async def run_sweep(request: Request, session: Session = Depends(writer)) -> Any:
    """A Monte Carlo sweep of the demo low-water distribution (JSON ``{"runs": N}``) on a Dask
    LocalCluster of threads, as a background job with progress."""
    try:
        doc = _json(request, await request.body())
        runs = doc.get("runs", 20) if isinstance(doc, dict) else None
        if not isinstance(runs, int) or isinstance(runs, bool) or not 1 <= runs <= MAX_SWEEP_RUNS:
            raise ValidationError([Problem(f"runs must be a whole number from 1 to "
                                           f"{MAX_SWEEP_RUNS}", column="runs")],
                                  title="invalid sweep")
    except ValidationError as exc:
        return problem_response(exc)

    def work(progress: Progress) -> JobOutput:
        from keten.services.resilience import sweep

        progress(0.02, f"starting {runs} runs on a Dask LocalCluster")
        # national network: a run takes 3-10 s (a month or two of low water)
        result = sweep("demo", runs=runs, workers=2, processes=False,
                       progress=lambda done, total: progress(
                           0.05 + 0.9 * done / max(total, 1), f"{done} of {total} runs done"))
        records = [{str(k): v for k, v in row.items()} for row in result.runs.to_dict("records")]
        summary = [{**{k: (v if not isinstance(v, float) or math.isfinite(v) else None)
                       for k, v in row.items()}, "label": sweep_label(str(row["metric"]))}
                   for row in result.summary.to_dict("records")]
        return JobOutput({"runs": runs, "scheduler": result.scheduler,
                          "distribution": result.distribution.name, "summary": summary,
                          "figures": charts.sweep_figures(records)})

    job = dashboard(request).jobs.submit("sweep", session.username, work)
    return JSONResponse(job.as_dict(), status_code=202)


# ---------------------------------------------------------------- chain


@router.get("/chain")
def chain(request: Request, session: Session = Depends(user)) -> Any:
    return views.chain_view(dashboard(request).api.store, session.company_id)


@router.post("/chain/verify")
async def verify(request: Request, session: Session = Depends(writer)) -> Any:
    """Verify a Carbon Added bundle (signatures, hash links, sums); store it when it verifies
    and the user belongs to a company."""
    from keten.exchange.chain_verify import verify_bundle
    from keten.services.chain_store import store_bundle, verify_received

    store = dashboard(request).api.store
    try:
        bundle = _json(request, await request.body())
        if not isinstance(bundle, dict) or not isinstance(bundle.get("statements"), list):
            raise ValidationError([Problem("a bundle is a JSON object with 'statements'")],
                                  title="not a Carbon Added bundle")
        # against the company's trust list and the statements it holds (newer versions)
        report = (verify_received(store, session.company_id, bundle) if session.company_id
                  else verify_bundle(bundle))
        stored = None
        if report.ok and session.company_id:
            stored = store_bundle(store, session.company_id, bundle).stored
    except KetenError as exc:
        return problem_response(exc)
    from keten.exchange.received import STATEMENT_REASONS

    issue = report.first_issue
    reason = "verified" if issue is None else STATEMENT_REASONS.get(issue.check, issue.check)
    return {"ok": report.ok, "status": report.status, "trusted": report.trusted,
            "stored": stored, "reason": reason, "report": report.as_dict()}


def install_exception_handler(app: Any) -> None:
    """Not-logged-in dashboard calls answer 401 with a JSON message."""

    async def handler(request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": {"title": "please log in again", "problems": []}},
                            status_code=401)

    app.add_exception_handler(_NotLoggedIn, handler)
