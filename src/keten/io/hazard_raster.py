"""Hazard rasters in: a GeoTIFF (flood depth, water level, ...) read with rasterio into a
:class:`keten.resilience.hazard.Raster` (band 1, its transform, CRS and nodata).

Keep rasterio out of processes that load SpatiaLite (both bundle GDAL).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from keten.errors import Problem, ValidationError
from keten.resilience.hazard import Raster


def read_raster(path: str | Path, band: int = 1) -> Raster:
    """Band ``band`` of a raster file; a missing, unreadable or CRS-less file is one error."""
    import rasterio
    from rasterio.errors import RasterioIOError

    path = Path(path)
    problems: list[Problem] = []
    if not path.exists():
        raise ValidationError([Problem("raster file not found", str(path))],
                              title="invalid hazard raster")
    try:
        with rasterio.open(path) as src:
            if band < 1 or band > src.count:
                problems.append(Problem(f"band {band} not in 1..{src.count}", str(path), None,
                                        "band"))
            if src.crs is None:
                problems.append(Problem("the raster has no coordinate reference system",
                                        str(path)))
            if problems:
                raise ValidationError(problems, title="invalid hazard raster")
            values = src.read(band).astype(float)
            t = src.transform
            return Raster(values=values, transform=(t.a, t.b, t.c, t.d, t.e, t.f),
                          crs=src.crs.to_wkt(),
                          nodata=None if src.nodata is None else float(src.nodata),
                          source=path.name)
    except RasterioIOError as exc:
        raise ValidationError([Problem(f"not a readable raster: {exc}", str(path))],
                              title="invalid hazard raster") from None


def write_raster(path: str | Path, values: np.ndarray,
                 transform: tuple[float, float, float, float, float, float], crs: str,
                 nodata: float | None = None) -> Path:
    """Write a single-band float32 GeoTIFF (for examples and tests)."""
    import rasterio
    from rasterio.transform import Affine

    path = Path(path)
    with rasterio.open(path, "w", driver="GTiff", height=values.shape[0],
                       width=values.shape[1], count=1, dtype="float32", crs=crs,
                       transform=Affine(*transform), nodata=nodata) as dst:
        dst.write(values.astype("float32"), 1)
    return path
