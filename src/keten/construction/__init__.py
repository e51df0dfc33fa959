"""Construction logistics: NOx and NH3 (nitrogen) of deliveries, machinery and barges, with
scenarios (construction hub, water, electric machinery). Pure: tables in, tables out.

The model is in :mod:`model`, the sourced factor tables in :mod:`tables` (``data/*.csv``), the
scenarios in :mod:`scenarios`, the sums in :mod:`results`. Reading YAML and writing IMAER GML
live in ``keten.io``; the use case in ``keten.services.construction``.
"""

import sys as _sys
import types as _types
from typing import Any as _Any

#: AERIUS computes deposition from sources within this distance of the project (km).
AERIUS_DISTANCE_LIMIT_KM = 25.0


# ``keten.construction(...)`` is the public use case (keten.services.construction), and
# ``keten.construction`` is also this package: once the package is imported, Python binds the
# name to it. Calling the package therefore runs the use case, so both spellings keep working.


class _CallablePackage(_types.ModuleType):
    def __call__(self, *args: _Any, **kwargs: _Any) -> _Any:
        from keten.services.construction import construction

        return construction(*args, **kwargs)


_sys.modules[__name__].__class__ = _CallablePackage
