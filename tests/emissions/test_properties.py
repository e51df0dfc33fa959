"""Properties of the ISO 14083 calculation that must hold for any input."""

from __future__ import annotations

from dataclasses import fields
from decimal import Decimal, localcontext
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import keten
from keten.emissions.results import RESULT_QUANTUM
from keten.factors import load_factor_set

FS = load_factor_set()
TOC_IDS = sorted(t for t, toc in FS.tocs.items() if toc.activity_unit.value == "tkm")
HOC_IDS = sorted(h for h, hoc in FS.hocs.items() if hoc.activity_unit.value == "t")

masses = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("40000"), places=3)
distances = st.decimals(min_value=Decimal("0"), max_value=Decimal("20000"), places=2)


@st.composite
def shipments(draw: st.DrawFn) -> list[dict[str, str]]:
    rows = []
    for s in range(draw(st.integers(1, 4))):
        mass = draw(masses)
        prev = ""
        for k in range(draw(st.integers(1, 4))):
            tce = f"S{s}-T{k}"
            if HOC_IDS and draw(st.booleans()):
                rows.append(
                    {
                        "shipment_id": f"S{s}",
                        "tce_id": tce,
                        "prev_tce_ids": prev,
                        "hoc_id": draw(st.sampled_from(HOC_IDS)),
                        "mass_kg": str(mass),
                    }
                )
            else:
                rows.append(
                    {
                        "shipment_id": f"S{s}",
                        "tce_id": tce,
                        "prev_tce_ids": prev,
                        "toc_id": draw(st.sampled_from(TOC_IDS)),
                        "mass_kg": str(mass),
                        "distance_km": str(draw(distances)),
                    }
                )
            prev = tce
    return rows


@settings(max_examples=60, deadline=None)
@given(shipments())
def test_wtw_is_wtt_plus_ttw_and_totals_are_sums(rows: list[dict[str, str]]) -> None:
    result = keten.footprint(rows)
    for s in result.shipments:
        for t in s.tces:
            assert t.co2e_wtw_kg == t.co2e_wtt_kg + t.co2e_ttw_kg
            assert t.co2e_wtw_kg >= t.co2e_ttw_kg >= 0
        assert s.co2e_wtw_kg == sum((t.co2e_wtw_kg for t in s.tces), Decimal(0))
        assert s.co2e_ttw_kg == sum((t.co2e_ttw_kg for t in s.tces), Decimal(0))
        assert s.transport_activity_tkm == sum(
            (t.transport_activity_tkm for t in s.tces), Decimal(0)
        )
        # chain order follows prev_tce_ids
        seen: set[str] = set()
        for t in s.tces:
            assert set(t.prev_tce_ids) <= seen
            seen.add(t.tce_id)


@settings(max_examples=60, deadline=None)
@given(shipments(), st.integers(2, 7))
def test_emissions_are_linear_in_mass(rows: list[dict[str, str]], k: int) -> None:
    base = keten.footprint(rows)
    scaled = keten.footprint([{**r, "mass_kg": str(Decimal(r["mass_kg"]) * k)} for r in rows])
    for a, b in zip(base.shipments, scaled.shipments, strict=True):
        # Each TCE figure is rounded once to RESULT_QUANTUM (error <= q/2), so k x a rounded
        # TCE and the rounded k-fold TCE differ by at most (k + 1) q / 2.
        bound = (k + 1) * len(a.tces) * RESULT_QUANTUM / 2
        assert abs(b.co2e_wtw_kg - a.co2e_wtw_kg * k) <= bound
        assert abs(b.transport_activity_tkm - a.transport_activity_tkm * k) <= bound


def _decimals(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


@settings(max_examples=60, deadline=None)
@given(shipments())
def test_result_values_have_at_most_12_decimals_and_totals_are_sums(
    rows: list[dict[str, str]],
) -> None:
    """What a user of keten.footprint sees: every figure at RESULT_QUANTUM (1e-12), each TCE
    within half a quantum of the product recomputed here at 50 digits from the factor table,
    and every shipment total exactly the sum of its TCEs."""
    result = keten.footprint(rows)
    by_id = {(r["shipment_id"], r["tce_id"]): r for r in rows}
    with localcontext() as ctx:
        ctx.prec = 50
        for s in result.shipments:
            seen = [v for f in fields(s) if isinstance(v := getattr(s, f.name), Decimal)]
            seen += [*s.data_source_shares.values(), *s.factor_status_shares.values()]
            seen += [v for v in (s.co2e_intensity_wtw_kg_per_tkm,
                                 s.co2e_intensity_wtw_incl_hubs_kg_per_tkm) if v is not None]
            for t in s.tces:
                seen += [v for f in fields(t) if isinstance(v := getattr(t, f.name), Decimal)]
                row = by_id[(t.shipment_id, t.tce_id)]
                mass_t = Decimal(row["mass_kg"]) / 1000
                if t.kind == "transport":
                    toc = FS.toc(row["toc_id"])
                    activity = mass_t * Decimal(row["distance_km"])
                    wtw = activity * toc.distance_scale(t.distance_type) * toc.co2e_wtw_kg_per_unit
                else:
                    activity = mass_t
                    wtw = activity * FS.hoc(row["hoc_id"]).co2e_wtw_kg_per_unit
                assert abs(t.activity - activity) <= RESULT_QUANTUM / 2
                assert abs(t.co2e_wtw_kg - wtw) <= RESULT_QUANTUM / 2
            assert all(_decimals(v) <= 12 for v in seen), seen
            for name in ("co2e_wtw_kg", "co2e_ttw_kg", "transport_activity_tkm", "nox_kg",
                         "pm_kg", "sox_kg", "co2_biogenic_kg"):
                parts = [getattr(t, name) for t in s.tces if getattr(t, name) is not None]
                if parts:
                    assert getattr(s, name) == sum(parts, Decimal(0)), name


@settings(max_examples=40, deadline=None)
@given(shipments())
def test_bulk_float_path_agrees_with_exact_path(rows: list[dict[str, str]]) -> None:
    result = keten.footprint(rows)
    exact = {t.tce_id: t for s in result.shipments for t in s.tces}
    for rec in result.tce_table.to_pylist():
        e = exact[rec["tce_id"]]
        for col in ("co2e_wtw_kg", "co2e_ttw_kg", "transport_activity_tkm"):
            assert abs(rec[col] - float(getattr(e, col))) <= 1e-9 * max(1.0, abs(rec[col]))


def test_progress_is_reported_per_batch(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    rows = "".join(f"S{i},T{i},road_artic_40t_diesel,1000,10\n" for i in range(5))
    path.write_text("shipment_id,tce_id,toc_id,mass_kg,distance_km\n" + rows)
    seen: list[int] = []
    keten.footprint(path, progress=seen.append)
    assert seen == [5]
