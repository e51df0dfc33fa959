"""The demo job behind ``make run``: intensities from primary data, then the footprint."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from keten.demo import demo_file
from keten.emissions.footprint import FootprintResult
from keten.exchange.ileap import product_footprints
from keten.factors.library import load_factor_set
from keten.io.factor_input import read_energy_file, read_hub_energy_file
from keten.io.factor_output import hoc_file_row, toc_file_row
from keten.io.tables import write_text_atomic
from keten.services.footprint import footprint
from keten.services.footprint_output import csv_text, json_document


@dataclass
class DemoRun:
    result: FootprintResult
    files: dict[str, Path]


def run_demo(out_dir: Path) -> DemoRun:
    """Carrier X's TOCs from its fuel log, the terminals' HOCs from their energy use, then the
    footprint of the shipper's portfolio with them; every file written atomically."""
    fs = load_factor_set()
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        name: out_dir / name
        for name in ("tocs.csv", "hocs.csv", "footprint.json", "footprint_tces.csv", "ileap.json")
    }
    toc_rows = [
        toc_file_row(t) for t in read_energy_file(demo_file("fuel_activity.csv"), fs).values()
    ]
    write_text_atomic(files["tocs.csv"], csv_text(pa.Table.from_pylist(toc_rows)))
    hocs = read_hub_energy_file(demo_file("hub_energy.csv"), fs)
    hoc_rows = [hoc_file_row(h) for h in hocs.values()]
    write_text_atomic(files["hocs.csv"], csv_text(pa.Table.from_pylist(hoc_rows)))
    result = footprint(demo_file("tces.csv"), tocs=files["tocs.csv"], hocs=files["hocs.csv"])
    write_text_atomic(files["footprint.json"], json.dumps(json_document(result), indent=2))
    write_text_atomic(files["footprint_tces.csv"], csv_text(result.tce_table))
    write_text_atomic(
        files["ileap.json"],
        json.dumps(
            product_footprints(
                result, "Demo Shipper B.V.", ["urn:keten:company:demo-shipper"], "demo-shipper"
            ),
            indent=2,
        ),
    )
    return DemoRun(result, files)
