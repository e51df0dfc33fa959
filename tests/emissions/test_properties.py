"""Properties of the ISO 14083 calculation that must hold for any input."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import keten
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
        assert b.co2e_wtw_kg == a.co2e_wtw_kg * k
        assert b.transport_activity_tkm == a.transport_activity_tkm * k


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
