"""Moving barge freight to road raises CO2e, through keten's emission engine (issue #15 item 5).

For every inland-waterway TOC of the factor library (the standard categories: container barges,
motor vessels by size, push convoys, tankers) and the standard road categories keten uses for
road haulage (articulated 40 t diesel and the heavier rigid/articulated classes), the same
tonnes over the same distance emit more CO2e WTW by road. Read through ``keten.footprint`` so
it follows whatever default factors the library ships.
"""

from __future__ import annotations

import pytest

import keten
from keten.factors import DEFAULT_TOC_BY_MODE, load_factor_set
from keten.model.enums import Mode

ROAD_STANDARD = ("road_artic_40t_diesel", "road_artic_gt33t_diesel_uk", "road_rigid_gt17t_diesel")


def _barge_tocs() -> list[str]:
    return sorted(t for t in load_factor_set().tocs if t.startswith("iww_"))


def _co2e(toc: str) -> float:
    rows = [{"shipment_id": "S", "tce_id": "T", "toc_id": toc, "mass_kg": "20000",
             "distance_km": "200"}]
    (s,) = keten.footprint(rows).shipments
    return float(s.co2e_wtw_kg)


@pytest.mark.parametrize("barge", _barge_tocs())
def test_barge_to_road_raises_co2e(barge: str) -> None:
    known = load_factor_set().tocs
    for road in (r for r in ROAD_STANDARD if r in known):
        assert _co2e(road) > _co2e(barge), (barge, road)


def test_the_resilience_graph_uses_the_library_defaults(demo_model) -> None:  # type: ignore[no-untyped-def]
    # The impact model's per-tonne-km CO2e on a road and a barge link follows the same order.
    from keten.network.multimodal import LINK, MODE_CODE

    g = demo_model.graph
    per_tkm = demo_model.unit_attrs[:, 3] / demo_model.unit_attrs[:, 0].clip(min=1e-9)
    road = per_tkm[(g.kind == LINK) & (g.mode == MODE_CODE["road"])]
    barge = per_tkm[(g.kind == LINK) & (g.mode == MODE_CODE["inland_waterway"])]
    assert road.min() > barge.max()
    assert DEFAULT_TOC_BY_MODE[Mode.ROAD] in load_factor_set().tocs
