"""Shared fixtures: the demo project's result (computed once) and the IMAER 6.0 schema."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from keten.services.construction import ConstructionResult, construction

ROOT = Path(__file__).resolve().parents[2]
STANDIN = Path(__file__).resolve().parent / "gml_standin"


def shared_dir() -> Path:
    for candidate in (ROOT.parent / "shared", Path("/work/shared")):
        if (candidate / "standards" / "imaer" / "IMAER-6.0.xsd").is_file():
            return candidate
    raise FileNotFoundError("../shared/standards/imaer/IMAER-6.0.xsd not found")


@pytest.fixture(scope="session")
def demo_result() -> ConstructionResult:
    return construction()


@pytest.fixture(scope="session")
def imaer_schema():  # type: ignore[no-untyped-def]
    import xmlschema

    xsd = shared_dir() / "standards" / "imaer" / "IMAER-6.0.xsd"
    with warnings.catch_warnings():
        # the remote GML locations are tried (and blocked) before the local stand-in
        warnings.simplefilter("ignore")
        return xmlschema.XMLSchema(
            str(xsd),
            locations=[("http://www.opengis.net/gml/3.2", str(STANDIN / "gml.xsd")),
                       ("http://www.opengis.net/gmlsf/2.0", str(STANDIN / "gmlsf.xsd"))],
            allow="local",
        )
