"""Self-contained HTML reports of a footprint, a plan or a disruption scenario: one file with
plotly.js inlined and the charts embedded as JSON, readable offline; written atomically."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from keten.display import decimals_for, fewer_for_large, fmt_number, is_number
from keten.io.tables import write_text_atomic
from keten.services import dashboard as views
from keten.web import charts


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list[Any]]


@dataclass
class Section:
    heading: str
    text: str = ""
    figures: list[dict[str, Any]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    kpis: list[tuple[str, str]] = field(default_factory=list)


_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2933;margin:0;
background:#f5f7fa;line-height:1.45}main{max-width:1100px;margin:0 auto;padding:1rem 1.25rem 2rem}
h1{font-size:1.6rem;margin:.5rem 0}h2{font-size:1.2rem;margin:1.75rem 0 .5rem}
.meta,.text{color:#52606d}.chart{height:380px;background:#fff;border:1px solid #d9e2ec;
border-radius:6px;margin:.75rem 0}.map{height:560px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.9rem;margin:.5rem 0}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #d9e2ec}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}caption{text-align:left;font-weight:600}
dl{display:grid;grid-template-columns:repeat(auto-fill,minmax(11rem,1fr));gap:.6rem}
dl div{background:#fff;border:1px solid #d9e2ec;border-radius:6px;padding:.5rem .7rem}
dt{font-size:.8rem;color:#52606d}dd{margin:0;font-size:1.15rem;font-weight:600}
"""


def _fmt(value: Any, digits: int = 1) -> str:
    """A figure with ``digits`` decimals; a whole number without; a small one with its
    significant digits (NOx 0.00054 kg, not 0.0)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return fmt_number(int(value))
    return fmt_number(value, digits)


def _column_cells(values: list[Any]) -> list[str]:
    """A table column's cells with one number of decimals that suits the column."""
    places = decimals_for(values, 3)
    return [fmt_number(v, places if places is not None else
                       (0 if is_number(v) and float(v).is_integer()
                        else fewer_for_large(float(v), 3) if is_number(v) else 3))
            for v in values]


def _script_json(obj: Any) -> str:
    """JSON safe inside a <script> element."""
    return json.dumps(obj, separators=(",", ":")).replace("</", "<\\/")


def render_report(title: str, subtitle: str, sections: Sequence[Section]) -> str:
    """The report as one HTML document with plotly.js inlined."""
    plotly_js = charts.plotly_js_path().read_text(encoding="utf-8")
    body: list[str] = []
    figures: list[tuple[str, dict[str, Any]]] = []
    for s_index, section in enumerate(sections):
        body.append(f"<section><h2>{html.escape(section.heading)}</h2>")
        if section.text:
            body.append(f"<p class='text'>{html.escape(section.text)}</p>")
        if section.kpis:
            body.append("<dl>" + "".join(
                f"<div><dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd></div>"
                for k, v in section.kpis) + "</dl>")
        for f_index, figure in enumerate(section.figures):
            div_id = f"figure-{s_index}-{f_index}"
            is_map = any(str(t.get("meta", {}).get("role", "")).endswith("links")
                         for t in figure.get("data", []) if isinstance(t.get("meta"), dict))
            height = figure.get("layout", {}).get("height")  # one row per service line
            style = f" style='height:{int(height)}px'" if height else ""
            body.append(f"<div id='{div_id}' class='chart{' map' if is_map else ''}'{style}>"
                        "</div>")
            figures.append((div_id, figure))
        for table in section.tables:
            columns = list(zip(*table.rows, strict=True)) if table.rows else []
            numeric = [all(is_number(v) or v is None for v in col)
                       and any(is_number(v) for v in col) for col in columns]
            cells = [_column_cells(list(col)) for col in columns]
            # numeric headers align right, over their numbers
            head = "".join(
                f"<th scope='col'{' class=num' if i < len(numeric) and numeric[i] else ''}>"
                f"{html.escape(c)}</th>" for i, c in enumerate(table.columns))
            rows = "".join(
                "<tr>" + "".join(
                    f"<td class='num'>{cells[i][r]}</td>" if numeric[i]
                    else f"<td>{html.escape(cells[i][r])}</td>"
                    for i in range(len(columns))) + "</tr>" for r in range(len(table.rows)))
            body.append(f"<table><caption>{html.escape(table.caption)}</caption>"
                        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        body.append("</section>")
    calls = "\n".join(
        f"Plotly.newPlot({_script_json(div_id)}, {_script_json(fig['data'])}, "
        f"{_script_json(fig['layout'])}, {{responsive: true, displaylogo: false}});"
        for div_id, fig in figures)
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>{_CSS}</style>"
        f"<script>{plotly_js}</script></head><body><main>"
        f"<h1>{html.escape(title)}</h1><p class='meta'>{html.escape(subtitle)} · generated "
        f"{generated} by keten</p>{''.join(body)}</main><script>{calls}</script>"
        "</body></html>\n"
    )


def write_report(document: str, out: Path) -> Path:
    """Write the report atomically (a temporary file renamed over ``out``)."""
    write_text_atomic(Path(out), document)
    return Path(out)


# ---------------------------------------------------------------- the three reports


def _period(view: dict[str, Any]) -> str:
    """The reporting period: the first to the last month with a departure."""
    months = sorted({r["month"] for r in view["by_month"] if r["month"][:1].isdigit()})
    if not months:
        return "not dated (no departure_at in the input)"
    return months[0] if len(months) == 1 else f"{months[0]} to {months[-1]}"


def _primary_share(result: Any) -> float | None:
    """Share of the CO2e WTW computed with primary data (the carrier's or terminal's own
    intensities), as CountEmissionsEU asks to disclose."""
    import pyarrow.compute as pc

    table = result.tce_table
    if "data_source" not in table.column_names:
        return None
    total = pc.sum(table.column("co2e_wtw_kg")).as_py() or 0.0
    source = pc.cast(table.column("data_source"), "string")
    primary = pc.sum(pc.if_else(pc.equal(source, "primary"), table.column("co2e_wtw_kg"),
                                0.0)).as_py() or 0.0
    return primary / total if total else None


def _factor_rows(result: Any, tocs: Path | None, hocs: Path | None) -> list[list[Any]]:
    """Each TOC/HOC the footprint used, with its data source and where its figure comes from."""
    from keten.factors.library import load_factor_set

    fs = load_factor_set()
    table = result.tce_table.to_pylist()
    used: dict[tuple[str, str], dict[str, Any]] = {}
    for r in table:
        kind, fid = ("TOC", r.get("toc_id")) if r.get("toc_id") else ("HOC", r.get("hoc_id"))
        if fid:
            entry = used.setdefault((kind, str(fid)), {"tces": 0, "data": r.get("data_source")})
            entry["tces"] += 1
    rows = []
    for (kind, fid), entry in sorted(used.items()):
        defaults = fs.tocs if kind == "TOC" else fs.hocs
        rec = defaults.get(fid)
        given = tocs if kind == "TOC" else hocs
        source = (getattr(rec, "source", "") if rec is not None
                  else f"your file {given.name}" if given is not None else "your file")
        rows.append([kind, fid, entry["tces"], str(entry["data"] or ""), source])
    return rows


def footprint_report(tces: Path, tocs: Path | None = None, hocs: Path | None = None,
                     company: str | None = None) -> str:
    """Footprint of a TCE file: the company, period, totals with the primary-data share,
    charts by mode, month, lane and shipment, and the factors used with their sources."""
    from keten.services.footprint import footprint

    result = footprint(tces, tocs=tocs, hocs=hocs)
    view = views.footprint_view(result, tces)
    figs = charts.footprint_figures(view)
    t = view["totals"]
    share = _primary_share(result)
    kpis = [("company", company or "not given (--company)"),
            ("reporting period", _period(view)),
            ("primary-data share of CO2e WTW", "–" if share is None else f"{100 * share:.0f} %"),
            ("CO2e well-to-wheel", f"{_fmt(t['co2e_wtw_kg'])} kg"),
            ("CO2e tank-to-wheel", f"{_fmt(t['co2e_ttw_kg'])} kg"),
            ("transport activity", f"{_fmt(t['transport_activity_tkm'], 0)} tkm"),
            ("NOx", f"{_fmt(t['nox_kg'], 2)} kg"), ("PM", f"{_fmt(t['pm_kg'], 3)} kg"),
            ("SOx", f"{_fmt(t.get('sox_kg'), 3)} kg"),
            ("shipments / TCEs", f"{_fmt(t['shipment_count'], 0)} / {_fmt(t['tce_count'], 0)}")]
    shipments = Table("Shipments, largest first",
                      ["shipment", "CO2e WTW kg", "CO2e TTW kg", "tkm", "NOx kg", "PM kg",
                       "SOx kg"],
                      [[r["shipment_id"], r["co2e_wtw_kg"], r["co2e_ttw_kg"],
                        r["transport_activity_tkm"], r["nox_kg"], r["pm_kg"], r.get("sox_kg")]
                       for r in view["by_shipment"][:100]])
    factors = Table("Factors used (ISO 14083: TOC and HOC intensities with their sources)",
                    ["kind", "id", "TCEs", "data", "source"], _factor_rows(result, tocs, hocs))
    modes = Table("By mode and hub type", ["group", "CO2e WTW kg", "CO2e TTW kg", "tkm", "TCEs"],
                  [[charts.mode_label(r["group"]), r["co2e_wtw_kg"], r["co2e_ttw_kg"],
                    r["transport_activity_tkm"], r["tce_count"]] for r in view["by_mode"]])
    sections = [
        Section("Totals", f"Method: {view['method']}; factor set {view['factor_set']}.",
                kpis=kpis, tables=[modes]),
        Section("By mode and month", figures=[figs["mode"], figs["month"]]),
        Section("By lane and shipment", figures=[figs["lane"], figs["shipment"]],
                tables=[shipments]),
        Section("Factors and sources", "WTW = well-to-wheel (fuel production and use), TTW = "
                "tank-to-wheel (use only). 'primary' rows use the carrier's or terminal's own "
                "data; 'default' rows the cited default factors.", tables=[factors]),
    ]
    return render_report("Transport emissions footprint", f"input: {Path(tces).name}", sections)


def plan_report(shipments: Path | None = None, services: Path | None = None,
                terminals: Path | None = None, carbon_price_eur_per_t: float = 100.0,
                sweep: Sequence[float] | None = None) -> str:
    """A plan (the demo portfolio when no files are given): modal shift, trade-off, services."""
    from keten.services.planning import DEFAULT_SWEEP, plan

    result = plan(shipments, services, terminals, carbon_price_eur_per_t=carbon_price_eur_per_t,
                  sweep=DEFAULT_SWEEP if sweep is None else sweep)
    view = views.planning_view(result, views.service_routes(services))
    figs = charts.planning_figures(view)
    before, after = view["scenarios"][0], view["scenarios"][1]
    shift = view["modal_shift"].get("plan", {})
    kpis = [("CO2e WTW before", f"{_fmt(before['co2e_wtw_kg'], 0)} kg"),
            ("CO2e WTW after", f"{_fmt(after['co2e_wtw_kg'], 0)} kg"),
            ("CO2e saved", f"{_fmt(100 * (shift.get('co2e_wtw_saved_share') or 0.0))} %"),
            ("cost saved", f"{_fmt(shift.get('cost_saved_eur'), 0)} EUR"),
            ("unserved shipments", str(after["unserved_shipments"]))]
    scen = Table("Scenarios", ["scenario", "cost EUR", "CO2e WTW kg", "NOx kg", "road share %"],
                 [[charts.SCENARIO_LABELS.get(s["name"], s["name"]), s["cost_eur"],
                   s["co2e_wtw_kg"], s["nox_kg"], 100 * (s["road_tkm_share"] or 0.0)]
                  for s in view["scenarios"]])
    sweep_table = Table("Carbon-price sweep", ["EUR/t CO2e", "cost EUR", "CO2e WTW kg",
                                               "road share %"],
                        [[p["carbon_price_eur_per_t"], p["cost_eur"], p["co2e_wtw_kg"],
                          100 * (p["road_tkm_share"] or 0.0)] for p in view["sweep"]])
    source = "demo portfolio" if shipments is None else f"{Path(shipments).name}"
    sections = [
        Section("Modal shift", f"Carbon price {carbon_price_eur_per_t:g} EUR/t CO2e.",
                kpis=kpis, figures=[figs["modal_split"]], tables=[scen]),
        Section("Cost and CO2e across carbon prices", figures=[figs["tradeoff"]],
                tables=[sweep_table]),
        Section("Service utilisation", figures=[figs["utilisation"]]),
    ]
    return render_report("Synchromodal plan", f"input: {source}", sections)


def scenario_report(spec: str, tile_url: str | None = None) -> str:
    """A disruption scenario (file or template such as ``lowwater:800``) on the demo demand;
    low water also draws the affected waterways."""
    from keten.services.resilience import load_scenario

    scenario = load_scenario(spec)
    view = views.scenario_view(spec)
    lowwater = [d.discharge_m3s for d in scenario.disruptions
                if d.type == "low_water" and d.discharge_m3s is not None]
    map_figure = None
    if len(lowwater) == 1:
        view = views.with_lowwater_details(view, float(lowwater[0]))
        map_figure = charts.lowwater_map(views.resilience_network_view(
            a["link_id"] for a in view["affected"]), view, tile_url)
    figs = charts.impact_figures(view)
    t = view["totals"]
    kpis = [("extra cost", f"{_fmt(t.get('extra_cost_eur'), 0)} EUR"),
            ("extra CO2e WTW", f"{_fmt((t.get('extra_co2e_wtw_kg') or 0) / 1000, 0)} t"),
            ("peak backlog", f"{_fmt(t.get('peak_backlog_t'), 0)} t"),
            ("late tonnes", f"{_fmt(t.get('late_t'), 0)} t"),
            ("unserved at the end", f"{_fmt(t.get('unserved_t'), 0)} t")]
    affected = Table("Affected links", ["link", "disruption", "payload (% of design)"],
                     [[a["link_id"], a.get("disruption"),
                       None if a.get("payload_factor") is None else 100 * a["payload_factor"]]
                      for a in view["affected"]])
    sections = [Section("Impact", str(view["scenario"]), kpis=kpis,
                        figures=[f for f in (map_figure, figs["days"], figs["modal_split"])
                                 if f is not None], tables=[affected])]
    return render_report("Disruption scenario", f"scenario: {spec}", sections)
