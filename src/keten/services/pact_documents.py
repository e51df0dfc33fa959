"""PACT documents of computed footprints, for every writer (``keten footprint --format
ileap``, the dashboard's download): the company named from the store, the one builder
:func:`keten.exchange.ileap.product_footprints`, PACT v2.3 or v3.0."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from keten.errors import NotFoundError, Problem, ValidationError
from keten.exchange import ileap
from keten.services.companies import slug
from keten.store import Store
from keten.store import repository as repo

PACT_VERSIONS = (2, 3)


@dataclass(frozen=True)
class Publisher:
    """Who a document names as data owner: ``companyName``, ``companyIds``, and the company
    id and secret key its footprint ids are made from (the key of a company of the store, so
    a file and the host give a shipment the same id; None outside a store)."""

    company_id: str
    name: str
    urns: tuple[str, ...]
    footprint_id_key: bytes | None = None


def publisher(
    store: Store | None,
    company_id: str | None = None,
    name: str | None = None,
    urns: Sequence[str] = (),
) -> Publisher:
    """The publishing company: ``company_id`` from the store; else ``name`` and ``urns`` as
    given; else the store's only company. Never a placeholder."""
    problems: list[Problem] = []
    if company_id is not None:
        if store is None:
            raise NotFoundError(f"no company '{company_id}' (no store)")
        with store.transaction() as session:
            row = repo.get_company(session, company_id)
            if row is None:
                raise NotFoundError(f"no company '{company_id}' in the store")
            key = repo.footprint_id_key(session, row)
            return Publisher(row.id, row.name, tuple(row.company_urns), key)
    if name:
        for urn in urns:
            if not urn.lower().startswith("urn:"):
                problems.append(Problem(f"'{urn}' is not a URN", column="--company-urn"))
        if not urns:
            problems.append(
                Problem("give the company's PACT id as a URN", column="--company-urn")
            )
        if problems:
            raise ValidationError(problems, "invalid company")
        return Publisher(slug(name), name, tuple(urns))
    if store is not None:
        with store.transaction() as session:
            rows = repo.list_companies(session)
            if len(rows) == 1:
                key = repo.footprint_id_key(session, rows[0])
                return Publisher(rows[0].id, rows[0].name, tuple(rows[0].company_urns), key)
    raise ValidationError(
        [
            Problem(
                "say who publishes these footprints: --company ID (a company of the store) "
                "or --company-name NAME --company-urn URN",
                column="--company",
            )
        ],
        "no company",
    )


def footprint_documents(result: Any, who: Publisher, pact_version: int) -> list[dict[str, Any]]:
    """ProductFootprints of a FootprintResult as ``who`` publishes them (PACT v2.3 or v3)."""
    if pact_version not in PACT_VERSIONS:
        raise ValidationError(
            [Problem("use 2 or 3", column="--pact-version")], "invalid PACT version"
        )
    return ileap.product_footprints(
        result,
        who.name,
        who.urns,
        who.company_id,
        pact_version,
        footprint_id_key=who.footprint_id_key,
    )
