"""The standards' vocabularies accepted wherever keten's own ids are.

iLEAP v1.0.0 / PACT energy carriers (``EnergyCarrierType``, plus the common names GLEC and
carriers use: ``HVO100``, ``BioCNG``, ``BioLNG``, ``VLSFO``, ...) map to the keten carrier
that represents them by default; matching is case-insensitive, and keten's own ids are
matched case-insensitively too. Modes and hub types accept the iLEAP spellings through
``Mode`` / ``HubType`` (see ``keten.model.enums``).
"""

from __future__ import annotations

from collections.abc import Iterable

from keten.errors import KetenError

# iLEAP / GLEC name -> keten default carrier. Where the standard name is coarser than the
# library (Diesel: B7 EU blend; Electric: EU grid), the default is the EU market average;
# give a keten id (e.g. ``electricity_nl_grid``) for a more specific carrier.
STANDARD_CARRIERS: dict[str, str] = {
    "diesel": "diesel_b7_eu",
    "hvo": "hvo_nl",
    "hvo100": "hvo_nl",
    "petrol": "petrol_e10",
    "gasoline": "petrol_e10",
    "cng": "cng_fossil",
    "lng": "lng_fossil",
    "lpg": "lpg",
    "hfo": "hfo",
    "vlsfo": "vlsfo",
    "mgo": "mgo",
    "mdo": "mgo",
    "biocng": "biomethane_cng",
    "bio-cng": "biomethane_cng",
    "biolng": "bio_lng",
    "bio-lng": "bio_lng",
    "methanol": "methanol_fossil",
    "biomethanol": "methanol_bio",
    "bio-methanol": "methanol_bio",
    "hydrogen": "hydrogen_grey",
    "electric": "electricity_eu_grid",
    "electricity": "electricity_eu_grid",
    "aviation fuel": "jet_kerosene",
    "jet a-1": "jet_kerosene",
    "kerosene": "jet_kerosene",
}


def resolve_carrier(name: str, known: Iterable[str]) -> str | None:
    """The keten carrier id for a keten id or a standard name (any case); None if unknown."""
    text = name.strip()
    ids = {k.lower(): k for k in known}
    if text.lower() in ids:
        return ids[text.lower()]
    target = STANDARD_CARRIERS.get(" ".join(text.lower().split()))
    return target if target is not None and target.lower() in ids else None


def normalise_carrier_spec(spec: str, known: Iterable[str]) -> str:
    """A carrier or blend (``Diesel:0.7;HVO100:0.3``) with every name as a keten id.

    Raises KetenError naming every unknown carrier."""
    known = list(known)
    text = spec.strip()
    parts: list[tuple[str, str | None]]
    if ":" not in text:
        parts = [(text, None)]
    else:
        parts = []
        for chunk in text.split(";"):
            carrier, _, share = chunk.partition(":")
            parts.append((carrier, share.strip()))
    out: list[str] = []
    unknown: list[str] = []
    for carrier, maybe_share in parts:
        cid = resolve_carrier(carrier, known)
        if cid is None:
            unknown.append(carrier.strip())
            continue
        out.append(cid if maybe_share is None else f"{cid}:{maybe_share}")
    if unknown:
        raise KetenError(
            f"unknown energy carrier {', '.join(repr(u) for u in unknown)}"
            " (keten ids or iLEAP names such as Diesel, HVO100, Electric;"
            " see `keten factors list --kind fuel`)"
        )
    return ";".join(out)


# How the standards spell the names above (iLEAP EnergyCarrierType and common GLEC names).
DISPLAY = {
    "hvo": "HVO",
    "hvo100": "HVO100",
    "cng": "CNG",
    "lng": "LNG",
    "lpg": "LPG",
    "hfo": "HFO",
    "vlsfo": "VLSFO",
    "mgo": "MGO",
    "mdo": "MDO",
    "biocng": "BioCNG",
    "bio-cng": "Bio-CNG",
    "biolng": "BioLNG",
    "bio-lng": "Bio-LNG",
    "jet a-1": "Jet A-1",
    "biomethanol": "BioMethanol",
}


def standard_names_for(carrier_id: str) -> list[str]:
    """The standard names that map to a keten carrier by default (for `factors list`)."""
    return sorted(
        DISPLAY.get(k, k.capitalize()) for k, v in STANDARD_CARRIERS.items() if v == carrier_id
    )
