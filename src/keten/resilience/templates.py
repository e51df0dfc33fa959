"""Built-in scenario templates: ``lowwater:800``, ``betuweroute:14``, ``suez:30``, ...

Each template is a scenario document (the same format as a scenario file) with a few
arguments after the name, separated by colons; see :data:`TEMPLATES`.
"""

from __future__ import annotations

from typing import Any

from keten.errors import Problem, ValidationError
from keten.resilience.scenario import Scenario, parse_scenario

# --- templates --------------------------------------------------------------------------

TEMPLATES = {
    "lowwater": "lowwater[:DISCHARGE_M3S[:DAYS]]  low water on the Rhine (default 800 m3/s, "
                "30 days, 7-day linear recovery)",
    "rail-outage": "rail-outage[:CORRIDOR[:DAYS]]  outage of a rail line (default "
                   "Betuweroute, 14 days, 2-day linear recovery)",
    "betuweroute": "betuweroute[:DAYS]  outage of the Betuweroute (default 14 days)",
    "closure": "closure[:LINK_ID_OR_CORRIDOR[:DAYS]]  closure of a lock, bridge or waterway "
               "section (default the Volkerak locks on the Schelde-Rijnverbinding, 7 days)",
    "lock": "lock[:DAYS]  closure of the Volkerak locks (Schelde-Rijnverbinding, default 7 days)",
    "congestion": "congestion[:NODE[:CAPACITY_FACTOR[:DWELL_H[:DAYS]]]]  port/terminal "
                  "congestion (default NLRTM-MV, 0.6, 48 h, 10 days)",
    "suez": "suez[:DAYS]  closure of the Suez canal: deep-sea legs via the Cape (default 30)",
    "rhine2018": "rhine2018  the 2018 Rhine low water (1 Aug - 30 Nov) from published Lobith "
                 "readings (the backtest scenario)",
}
VOLKERAK_LOCKS_LINK = "inland_waterway:NLMOE:border-srv-zandvliet"


def _num(parts: list[str], i: int, default: float, what: str, spec: str) -> float:
    if len(parts) <= i or parts[i] == "":
        return default
    try:
        return float(parts[i])
    except ValueError:
        raise ValidationError([Problem(f"'{parts[i]}' ({what}) is not a number", None, None,
                                       "template")], title=f"invalid template '{spec}'") from None


def template_document(spec: str) -> dict[str, Any]:
    """A scenario document for a built-in template such as ``lowwater:800`` (see TEMPLATES)."""
    name, _, rest = spec.strip().partition(":")
    name = name.lower()
    parts = rest.split(":") if rest else []
    if name == "lowwater":
        q = _num(parts, 0, 800.0, "discharge", spec)
        days = int(_num(parts, 1, 30, "days", spec))
        return {"name": f"Rhine low water at {q:g} m3/s (Lobith), {days} days",
                "disruptions": [{"id": "low-water", "type": "low_water", "discharge_m3s": q,
                                 "start_day": 0, "duration_days": days,
                                 "recovery": {"kind": "linear", "days": 7}}]}
    if name in ("rail-outage", "betuweroute"):
        if name == "betuweroute":
            corridor, days = "Betuweroute", int(_num(parts, 0, 14, "days", spec))
        else:
            corridor = parts[0] if parts and parts[0] else "Betuweroute"
            days = int(_num(parts, 1, 14, "days", spec))
        return {"name": f"{corridor} outage, {days} days",
                "disruptions": [{"id": "rail-outage", "type": "closure",
                                 "target": {"corridor": corridor, "mode": "rail"},
                                 "start_day": 1, "duration_days": days,
                                 "recovery": {"kind": "linear", "days": 2}}]}
    if name in ("closure", "lock"):
        days_default = 7
        if name == "lock":
            what, days = VOLKERAK_LOCKS_LINK, int(_num(parts, 0, days_default, "days", spec))
        else:
            days = days_default
            if len(parts) > 1 and parts[-1].replace(".", "", 1).isdigit():
                days = int(float(parts[-1]))
                parts = parts[:-1]
            what = ":".join(parts) or VOLKERAK_LOCKS_LINK
        # a link id has a colon (mode:from:to, or a layer's vwk:2937, rail:1-2); a corridor none
        target: dict[str, Any] = ({"links": [what]} if ":" in what else {"corridor": what})
        return {"name": f"closure of {what}, {days} days",
                "disruptions": [{"id": "closure", "type": "closure", "target": target,
                                 "start_day": 1, "duration_days": days}]}
    if name == "congestion":
        node = parts[0] if parts and parts[0] else "NLRTM-MV"
        factor = _num(parts, 1, 0.6, "capacity factor", spec)
        dwell = _num(parts, 2, 48.0, "dwell hours", spec)
        days = int(_num(parts, 3, 10, "days", spec))
        return {"name": f"congestion at {node}: {factor:g} x handling capacity, +{dwell:g} h "
                        f"dwell, {days} days",
                "disruptions": [{"id": "congestion", "type": "congestion",
                                 "target": {"node": node}, "factor": factor,
                                 "dwell_time_h": dwell, "start_day": 1, "duration_days": days,
                                 "recovery": {"kind": "linear", "days": 3}}]}
    if name == "suez":
        days = int(_num(parts, 0, 30, "days", spec))
        return {"name": f"Suez canal closed, {days} days",
                "disruptions": [{"id": "suez", "type": "closure",
                                 "target": {"chokepoint": "suez"}, "start_day": 0,
                                 "duration_days": days}]}
    if name == "rhine2018":
        from keten.resilience.backtest import backtest_2018_document

        return backtest_2018_document()
    raise ValidationError([Problem(f"unknown template '{name}'; use one of "
                                   f"{', '.join(TEMPLATES)}", None, None, "template")],
                          title="invalid template")


def template_scenario(spec: str) -> Scenario:
    """A parsed :class:`Scenario` for a built-in template (see :data:`TEMPLATES`)."""
    return parse_scenario(template_document(spec), file=f"template {spec}")
