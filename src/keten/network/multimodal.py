"""The multimodal graph: one layer per mode at every node, transshipment edges at terminals.

Vertices: for each node an *entry* and an *exit* vertex and one *layer* vertex per mode it
handles. Edges: links (in their mode layer, both ways unless one-way), transshipment between
two mode layers at a terminal (handling cost, time and hub emissions from the HOC of its hub
type), and zero-cost access edges entry -> layer -> exit. A path from entry(origin) to
exit(destination) is a mode chain; entry/exit vertices cannot be passed through.

Edge attributes are stored per tonne and per TEU so one graph serves every shipment mass:
``attributes(mass_t, teu)`` gives distance_km, time_h, cost_eur, co2e_wtw_kg, co2e_ttw_kg,
nox_kg and pm_kg per edge. Emission intensities come from the factor library's TOCs
(``DEFAULT_TOC_BY_MODE``) and HOCs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from keten.errors import FactorNotFoundError
from keten.factors import DEFAULT_TOC_BY_MODE, FactorSet
from keten.model.enums import ActivityUnit, HubActivityUnit, HubType, Mode
from keten.network.model import NON_HUB_KINDS, ModeDefaults, Network, records

ATTRIBUTES = ("distance_km", "time_h", "cost_eur", "co2e_wtw_kg", "co2e_ttw_kg", "nox_kg",
              "pm_kg")
MODES: tuple[Mode, ...] = tuple(Mode)
MODE_CODE = {m.value: i for i, m in enumerate(MODES)}
LINK, TRANSSHIPMENT, ACCESS = 0, 1, 2
DEFAULT_TEU_MASS_T = 10.0  # loaded mass per TEU when neither the shipment nor the TOC says

# The HOC used for a hub type when nothing more specific is known (ambient, per tonne).
DEFAULT_HOC_BY_HUB_TYPE: dict[HubType, str] = {
    HubType.TRANSSHIPMENT: "hub_transshipment_ambient",
    HubType.STORAGE_AND_TRANSSHIPMENT: "hub_storage_transshipment_ambient",
    HubType.WAREHOUSE: "hub_warehouse_ambient",
    HubType.LIQUID_BULK_TERMINAL: "hub_liquid_bulk_terminal",
    HubType.MARITIME_CONTAINER_TERMINAL: "hub_container_terminal_diesel_t",
}


@dataclass(frozen=True)
class Intensity:
    """Emission intensity per activity unit (tkm/TEUkm for transport, t/TEU for hubs)."""

    factor_id: str
    per_teu: bool
    co2e_wtw_kg: float
    co2e_ttw_kg: float
    nox_g: float
    pm_g: float
    mass_per_teu_t: float | None


def _f(x: object) -> float:
    return 0.0 if x is None else float(x)  # type: ignore[arg-type]


def mode_intensities(fs: FactorSet, toc_by_mode: Mapping[Mode, str] | None = None
                     ) -> dict[Mode, Intensity]:
    """Transport intensity per mode from the TOCs (pollutants TTW; unknown ones count 0)."""
    out = {}
    for mode, toc_id in {**DEFAULT_TOC_BY_MODE, **(toc_by_mode or {})}.items():
        toc = fs.toc(toc_id)
        out[Mode(mode)] = Intensity(
            toc_id, toc.activity_unit == ActivityUnit.TEUKM, _f(toc.co2e_wtw_kg_per_unit),
            _f(toc.co2e_ttw_kg_per_unit), _f(toc.nox_g_per_unit), _f(toc.pm_g_per_unit),
            None if toc.mass_per_teu_t is None else float(toc.mass_per_teu_t))
    return out


def hub_intensity(fs: FactorSet, hub_type: HubType) -> Intensity:
    """The default HOC of a hub type, else the first ambient HOC of that type."""
    hoc_id = DEFAULT_HOC_BY_HUB_TYPE.get(hub_type, "")
    hoc = fs.hocs.get(hoc_id)
    if hoc is None:
        same = [h for h in fs.hocs.values()
                if h.hub_type == hub_type and h.temperature_control.value == "ambient"]
        if not same:
            raise FactorNotFoundError(f"no HOC for hub type '{hub_type}' in the factor set")
        hoc = same[0]
    return Intensity(hoc.hoc_id, hoc.activity_unit == HubActivityUnit.TEU,
                     _f(hoc.co2e_wtw_kg_per_unit), _f(hoc.co2e_ttw_kg_per_unit),
                     _f(hoc.nox_g_per_unit), _f(hoc.pm_g_per_unit),
                     None if hoc.mass_per_teu_t is None else float(hoc.mass_per_teu_t))


@dataclass(frozen=True)
class MultimodalGraph:
    """Layered graph arrays; see the module docstring."""

    network: Network
    n_vertices: int
    entry: np.ndarray  # node index -> entry vertex
    exit: np.ndarray  # node index -> exit vertex
    vertex_node: np.ndarray  # vertex -> node index
    vertex_mode: np.ndarray  # vertex -> mode code, -1 for entry/exit
    src: np.ndarray
    dst: np.ndarray
    kind: np.ndarray  # LINK, TRANSSHIPMENT or ACCESS
    link: np.ndarray  # link row index, -1 otherwise
    mode: np.ndarray  # mode code of a link edge, -1 otherwise
    mode_to: np.ndarray  # for transshipment: the mode code entered; else = mode
    fixed: np.ndarray  # (edges, attributes) independent of the shipment
    per_t: np.ndarray  # (edges, attributes) per tonne
    per_teu: np.ndarray  # (edges, attributes) per TEU
    teu_mass_t: np.ndarray  # per edge: t per TEU to convert mass to TEU when TEU not given

    def attributes(self, mass_t: float, teu: float | None = None) -> np.ndarray:
        """Edge attributes (edges x ATTRIBUTES) for a shipment of ``mass_t`` (and ``teu``)."""
        teus = (np.full(len(self.src), teu, dtype=float) if teu is not None
                else mass_t / self.teu_mass_t)
        return self.fixed + self.per_t * mass_t + self.per_teu * teus[:, None]

    def edge_mask(self, modes: frozenset[str] | None) -> np.ndarray:
        """Edges usable when only ``modes`` are allowed (None: all)."""
        if modes is None:
            return np.ones(len(self.src), dtype=bool)
        # a lookup table by mode code (shifted by one: -1 = no mode) instead of np.isin
        allowed = np.zeros(max(MODE_CODE.values()) + 2, dtype=bool)
        allowed[[MODE_CODE[m] + 1 for m in modes]] = True
        ok_from = allowed[self.mode + 1]
        ok_to = allowed[self.mode_to + 1]
        layer_of_access = np.where(self.vertex_mode[self.src] >= 0, self.vertex_mode[self.src],
                                   self.vertex_mode[self.dst])
        access_ok = allowed[layer_of_access + 1]
        return np.where(self.kind == ACCESS, access_ok, ok_from & ok_to)


@dataclass
class _Edges:
    """Edge blocks gathered while building; concatenated once at the end."""

    rows: list[np.ndarray]  # (k, 6): src, dst, kind, link, mode, mode_to
    fixed: list[np.ndarray]
    per_t: list[np.ndarray]
    per_teu: list[np.ndarray]
    teu_mass: list[np.ndarray]

    def add(self, rows: np.ndarray, fixed: np.ndarray, per_t: np.ndarray, per_teu: np.ndarray,
            teu_mass: np.ndarray) -> None:
        self.rows.append(rows)
        self.fixed.append(fixed)
        self.per_t.append(per_t)
        self.per_teu.append(per_teu)
        self.teu_mass.append(teu_mass)


def _layers(node_modes: list[frozenset[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Layer vertex ids (after the 2n entry/exit vertices): (layer_of[node, mode],
    vertex_node, vertex_mode) with -1 where a node lacks a mode."""
    n = len(node_modes)
    has = np.zeros((n, len(MODES)), dtype=bool)
    for i, modes in enumerate(node_modes):
        for m in modes:
            has[i, MODE_CODE[m]] = True
    layer_of = np.full((n, len(MODES)), -1, dtype=np.int64)
    nodes_idx, mode_idx = np.nonzero(has)  # row-major: per node, modes in code order
    layer_of[nodes_idx, mode_idx] = 2 * n + np.arange(len(nodes_idx))
    vertex_node = np.r_[np.arange(n), np.arange(n), nodes_idx]
    vertex_mode = np.r_[np.full(2 * n, -1), mode_idx]
    return layer_of, vertex_node, vertex_mode


def _link_edges(net: Network, defaults: ModeDefaults, intensities: dict[Mode, Intensity],
                layer_of: np.ndarray, out: _Edges) -> None:
    index = net.node_index()
    links = net.links
    a = links["from_node"].map(index).to_numpy(dtype=float)
    b = links["to_node"].map(index).to_numpy(dtype=float)
    length = links["length_km"].to_numpy(dtype=float)
    codes = links["mode"].astype(str).map(MODE_CODE).to_numpy(dtype=np.int64)
    ok = np.isfinite(a) & np.isfinite(b) & np.isfinite(length) & (length > 0)
    rows = np.flatnonzero(ok)  # invalid links are reported by validate_network, never routed
    a_i, b_i, length, mc = a[rows].astype(np.int64), b[rows].astype(np.int64), length[rows], \
        codes[rows]
    times = net.link_time_h(defaults)[rows]
    table = np.zeros((len(MODES), 6))  # per mode: wtw, ttw, nox kg, pm kg, per_teu, t/TEU
    cost_per_tkm = np.zeros(len(MODES))
    for m, it in intensities.items():
        c = MODE_CODE[m.value]
        table[c] = (it.co2e_wtw_kg, it.co2e_ttw_kg, it.nox_g / 1000, it.pm_g / 1000,
                    float(it.per_teu), it.mass_per_teu_t or DEFAULT_TEU_MASS_T)
        cost_per_tkm[c] = defaults.cost_eur_per_tkm.get(m, 0.0)
    k = len(rows)
    fixed = np.zeros((k, len(ATTRIBUTES)))
    fixed[:, 0], fixed[:, 1] = length, times
    emis = np.zeros((k, len(ATTRIBUTES)))
    emis[:, 3:7] = table[mc, 0:4] * length[:, None]
    per_teu_mode = table[mc, 4] > 0
    per_t = np.zeros((k, len(ATTRIBUTES)))
    per_t[:, 2] = cost_per_tkm[mc] * length
    per_t += np.where(per_teu_mode[:, None], 0.0, emis)
    per_teu = np.where(per_teu_mode[:, None], emis, 0.0)
    u, v = layer_of[a_i, mc], layer_of[b_i, mc]
    edge = np.c_[u, v, np.full(k, LINK), rows, mc, mc]
    out.add(edge, fixed, per_t, per_teu, table[mc, 5])
    back = links["bidirectional"].to_numpy(dtype=bool)[rows]
    rev = np.c_[v, u, np.full(k, LINK), rows, mc, mc][back]
    out.add(rev, fixed[back], per_t[back], per_teu[back], table[mc, 5][back])


def build_graph(net: Network, fs: FactorSet, defaults: ModeDefaults,
                toc_by_mode: Mapping[Mode, str] | None = None) -> MultimodalGraph:
    """Build the layered graph of ``net`` with emission intensities from ``fs``."""
    intensities = mode_intensities(fs, toc_by_mode)
    n_nodes = len(net.nodes)
    node_modes = net.node_modes()
    layer_of, vertex_node, vertex_mode = _layers(node_modes)
    n_attr = len(ATTRIBUTES)
    out = _Edges([], [], [], [], [])
    _link_edges(net, defaults, intensities, layer_of, out)
    layer_ids = np.flatnonzero(vertex_mode >= 0)
    owner = vertex_node[layer_ids]
    m = len(layer_ids)
    zeros = np.zeros((2 * m, n_attr))
    access = np.r_[np.c_[owner, layer_ids], np.c_[layer_ids, n_nodes + owner]]
    out.add(np.c_[access, np.full((2 * m, 1), ACCESS), np.full((2 * m, 3), -1)], zeros, zeros,
            zeros, np.full(2 * m, DEFAULT_TEU_MASS_T))
    hub_cache: dict[HubType, Intensity] = {}
    hubs = net.nodes[(net.nodes["hub_type"] != "")
                     & ~net.nodes["kind"].isin([k.value for k in NON_HUB_KINDS])]
    for i, row in zip(hubs.index.tolist(), records(hubs), strict=True):
        codes = np.flatnonzero(layer_of[i] >= 0)
        if len(codes) < 2:
            continue
        hub_type = HubType(row["hub_type"])
        if hub_type not in hub_cache:
            hub_cache[hub_type] = hub_intensity(fs, hub_type)
        hi = hub_cache[hub_type]
        pairs = np.array([(m1, m2) for m1 in codes for m2 in codes if m1 != m2])
        k = len(pairs)
        fx = np.zeros((k, n_attr))
        fx[:, 1] = row["handling_time_h"]
        emis = np.zeros((k, n_attr))
        emis[:, 3:7] = (hi.co2e_wtw_kg, hi.co2e_ttw_kg, hi.nox_g / 1000, hi.pm_g / 1000)
        cost = np.zeros((k, n_attr))
        cost[:, 2] = row["handling_cost_eur_per_t"]
        pt, pteu = (cost, emis) if hi.per_teu else (cost + emis, np.zeros((k, n_attr)))
        edge = np.c_[layer_of[i, pairs[:, 0]], layer_of[i, pairs[:, 1]],
                     np.full(k, TRANSSHIPMENT), np.full(k, -1), pairs]
        out.add(edge, fx, pt, pteu, np.full(k, hi.mass_per_teu_t or DEFAULT_TEU_MASS_T))
    arr = np.concatenate(out.rows).astype(np.int64)
    return MultimodalGraph(
        network=net, n_vertices=len(vertex_node), entry=np.arange(n_nodes),
        exit=np.arange(n_nodes, 2 * n_nodes), vertex_node=vertex_node,
        vertex_mode=vertex_mode, src=arr[:, 0], dst=arr[:, 1], kind=arr[:, 2], link=arr[:, 3],
        mode=arr[:, 4], mode_to=arr[:, 5], fixed=np.concatenate(out.fixed),
        per_t=np.concatenate(out.per_t), per_teu=np.concatenate(out.per_teu),
        teu_mass_t=np.concatenate(out.teu_mass).astype(float))
