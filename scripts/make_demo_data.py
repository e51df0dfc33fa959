"""Writes keten's demo portfolio (src/keten/demo/data/tces.csv), deterministically.

Lanes use realistic actual distances (km) of Dutch hinterland corridors; sources in the lane
table. Run: .venv/bin/python scripts/make_demo_data.py
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "keten" / "demo" / "data" / "tces.csv"

# (origin, destination, main-haul TOC, main km, on-carriage km by truck, hub id at the inland end)
# Road km from the motorway routes (A15/A16/A67/A2/A12/A1); waterway km from the fairway km
# markers (Waal, Maas, Maas-Waalkanaal, Amsterdam-Rijnkanaal); rail km along the Betuweroute
# and Brabantroute. Rounded to 5 km.
LANES = [
    ("NLRTM", "NLNIJ", "carrierx_barge_waal", 125, 25, "demo_terminal_nijmegen"),
    ("NLRTM", "NLVEN", "iww_container_barge", 200, 35, "demo_terminal_venlo"),
    ("NLRTM", "DEDUI", "carrierx_barge_waal", 215, 20, "demo_terminal_duisburg"),
    ("NLRTM", "DEDUI", "rail_electric_intermodal", 230, 20, "demo_terminal_duisburg"),
    ("NLRTM", "NLTLB", "rail_electric_intermodal", 110, 15, "demo_terminal_tilburg"),
    ("NLRTM", "NLVEN", "rail_electric_intermodal", 205, 30, "demo_terminal_venlo"),
    ("NLAMS", "NLUTC", "iww_container_barge", 40, 15, "demo_terminal_utrecht"),
    ("NLRTM", "NLBOR", "iww_container_barge", 235, 30, "demo_terminal_born"),
]
ROAD_ONLY = [
    ("NLRTM", "NLVEN", 190),
    ("NLRTM", "NLTLB", 105),
    ("NLRTM", "DEDUI", 215),
    ("NLRTM", "NLNIJ", 125),
    ("NLAMS", "NLUTC", 45),
    ("NLRTM", "NLEIN", 125),
    ("NLMOE", "NLVEN", 160),
    ("NLVLI", "BEANR", 95),
]


def main() -> None:
    rng = random.Random(14083)
    rows = []
    for n in range(1, 41):
        sid = f"S{n:03d}"
        month = 1 + (n - 1) % 12
        day = 1 + (n * 7) % 27
        dep = f"2026-{month:02d}-{day:02d}T06:00:00Z"
        arr = f"2026-{month:02d}-{day:02d}T20:00:00Z"
        mass = rng.choice([4200, 8600, 12500, 16800, 21400, 24000])
        category = "4" if n % 3 else "9"
        if n % 4 == 0:
            o, d, km = ROAD_ONLY[(n // 4) % len(ROAD_ONLY)]
            toc = "carrierx_truck_hvo" if n % 8 == 0 else "road_artic_40t_diesel"
            rows.append([sid, f"{sid}-T1", "", toc, "", mass, km, o, d, dep, arr, category])
            continue
        o, d, toc, km, last, hub = LANES[n % len(LANES)]
        rows.append([sid, f"{sid}-T1", "", toc, "", mass, km, o, d, dep, arr, category])
        rows.append([sid, f"{sid}-H1", f"{sid}-T1", "", hub, mass, "", d, d, "", "", category])
        rows.append(
            [
                sid,
                f"{sid}-T2",
                f"{sid}-H1",
                "road_artic_40t_diesel",
                "",
                mass,
                last,
                d,
                "",
                "",
                "",
                category,
            ]
        )
    # Two shipments given by origin and destination only: keten finds the distance.
    rows.append(
        [
            "S041",
            "S041-T1",
            "",
            "road_artic_40t_diesel",
            "",
            18000,
            "",
            "NLRTM",
            "DEDUI",
            "2026-06-02T06:00:00Z",
            "2026-06-02T11:00:00Z",
            "4",
        ]
    )
    rows.append(
        [
            "S042",
            "S042-T1",
            "",
            "rail_electric_intermodal",
            "",
            22000,
            "",
            "51.95,4.05",
            "51.43,6.76",
            "2026-06-03T06:00:00Z",
            "2026-06-03T14:00:00Z",
            "4",
        ]
    )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "shipment_id",
                "tce_id",
                "prev_tce_ids",
                "toc_id",
                "hoc_id",
                "mass_kg",
                "distance_km",
                "origin",
                "destination",
                "departure_at",
                "arrival_at",
                "scope3_category",
            ]
        )
        w.writerows(rows)
    print(f"wrote {OUT} ({len(rows)} TCEs)")


if __name__ == "__main__":
    main()
