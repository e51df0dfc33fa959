"""Construction logistics: NOx and NH3 (nitrogen) of deliveries, machinery and barges, with
scenarios (construction hub, water, electric machinery). Pure: tables in, tables out.

The model is in :mod:`model`, the sourced factor tables in :mod:`tables` (``data/*.csv``), the
scenarios in :mod:`scenarios`, the sums in :mod:`results`. Reading YAML and writing IMAER GML
live in ``keten.io``; the use case in ``keten.services.construction``.
"""

#: AERIUS computes deposition from sources within this distance of the project (km).
AERIUS_DISTANCE_LIMIT_KM = 25.0
