"""Degree-2 chain contraction for repeated shortest-path searches on one graph.

A national network is mostly chains: a road or fairway section ends at a junction that only
joins it to the next section, and every such junction is a vertex Dijkstra has to settle. A
column generation searches the same graph with new weights in every round, so the chains are
found once and each round sums their weights instead (weights may change, the graph may not).

A vertex is *contracted* when it is not one of the ``keep`` vertices (the searches' sources
and targets) and it has exactly two distinct neighbours (edges in either direction, self-loops
ignored: they are never on a shortest path with non-negative weights). A maximal run of
contracted vertices between two kept-or-junction vertices ``u`` and ``w`` becomes one
*super-edge* ``u -> w`` if every hop exists in that direction (and ``w -> u`` likewise); a run
that ends in a dead end (a non-kept vertex with one neighbour) or returns to where it started
can be on no shortest path between two remaining vertices and is dropped. Parallel edges of a
hop are kept apart: a hop weighs the least of them for the weights given, and a path expands
each hop to that edge (the lowest edge index among equals, as :class:`CsrGraph` does).

Shortest distances between remaining vertices are then those of the full graph: a shortest
path enters a chain only at one end and leaves at the other (``tests/network/
test_contraction.py`` checks it against networkx on random graphs).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.sparse import csr_matrix

from keten.errors import KetenError

_EPS = 1e-9  # as in keten.network.routing: an explicit zero is not a missing CSR entry


@dataclass(frozen=True)
class ContractedGraph:
    """A CSR of the super-edges for one weight vector, and the expansion to edges."""

    matrix: csr_matrix
    super_of_entry: np.ndarray  # CSR data position -> super-edge
    best_edge: np.ndarray  # per hop: its cheapest edge under the weights
    pattern: ContractedPattern

    def path(self, pred: np.ndarray, source: int, target: int) -> list[int] | None:
        """Edges (of the original graph) of the path source -> target in the shortest-path
        tree ``pred`` (from a search on :attr:`matrix`), or None when target was not
        reached."""
        if target != source and pred[target] < 0:
            return None
        walk = [target]
        v = target
        while v != source:
            v = int(pred[v])
            walk.append(v)
        walk.reverse()
        if len(walk) < 2:
            return []
        us = np.asarray(walk[:-1], dtype=np.int64)
        vs = np.asarray(walk[1:], dtype=np.int64)
        pos = np.searchsorted(self._keys, us * self.matrix.shape[0] + vs)
        p = self.pattern
        supers = self.super_of_entry[pos]
        hops = np.concatenate([p.hop_list[p.hop_ptr[s]:p.hop_ptr[s + 1]] for s in supers])
        return self.best_edge[hops].tolist()

    @cached_property
    def _keys(self) -> np.ndarray:
        """row x n + column per CSR entry: sorted (CSR rows, then columns), so one search
        finds every step of a path."""
        m = self.matrix
        rows = np.repeat(np.arange(m.shape[0], dtype=np.int64), np.diff(m.indptr))
        return rows * m.shape[0] + m.indices


@dataclass(frozen=True)
class ContractedPattern:
    """The chains of a graph, found once; :meth:`graph` weighs them for a weight vector."""

    n: int
    edges: np.ndarray  # edge indices in (src, dst, edge) order: the hops' parallel edges
    hop_start: np.ndarray  # per hop: first position in ``edges``; one more at the end
    hop_list: np.ndarray  # the hops of each super-edge, in order
    hop_ptr: np.ndarray  # super-edge s has hops hop_list[hop_ptr[s]:hop_ptr[s + 1]]
    super_src: np.ndarray  # super-edges sorted by (src, dst)
    super_dst: np.ndarray
    group_start: np.ndarray  # first super-edge of each (src, dst) group
    group: np.ndarray  # per super-edge: its (src, dst) group
    hop_of: np.ndarray  # per position in ``edges``: its hop
    contracted: int  # vertices removed

    @classmethod
    def build(cls, n: int, src: np.ndarray, dst: np.ndarray, edges: np.ndarray,
              keep: np.ndarray) -> ContractedPattern:
        """``src``/``dst``/``edges``: the usable edges (their indices in the caller's graph);
        ``keep``: vertex ids that must remain (sources and targets of the searches)."""
        src, dst, edges = (np.asarray(a, dtype=np.int64) for a in (src, dst, edges))
        loop = src == dst
        src, dst, edges = src[~loop], dst[~loop], edges[~loop]
        order = np.lexsort((edges, dst, src))
        s, d, e = src[order], dst[order], edges[order]
        first = np.ones(len(s), dtype=bool)
        first[1:] = (s[1:] != s[:-1]) | (d[1:] != d[:-1])
        starts = np.flatnonzero(first)
        hop_u, hop_v = s[starts], d[starts]
        hop_key = hop_u * n + hop_v  # sorted, unique
        # distinct undirected neighbours per vertex
        lo, hi = np.minimum(hop_u, hop_v), np.maximum(hop_u, hop_v)
        pair = np.unique(lo * n + hi)
        a_end, b_end = pair // n, pair % n
        degree = np.bincount(np.concatenate([a_end, b_end]), minlength=n)
        kept = np.zeros(n, dtype=bool)
        kept[np.asarray(keep, dtype=np.int64)] = True
        chain = (degree == 2) & ~kept
        dead = (degree <= 1) & ~kept
        # the two neighbours of each chain vertex
        ends = np.concatenate([a_end, b_end])
        other = np.concatenate([b_end, a_end])
        by_end = np.argsort(ends, kind="stable")
        ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(ends, minlength=n), out=ptr[1:])
        nbr_sorted = other[by_end]

        seqs: list[list[int]] = []
        nbr: list[int] = nbr_sorted.tolist()
        first_nbr: list[int] = ptr.tolist()
        is_chain: list[bool] = chain.tolist()
        is_dead: list[bool] = dead.tolist()
        for u in np.flatnonzero(~chain & ~dead & (degree > 0)).tolist():
            for x in nbr[first_nbr[u]:first_nbr[u + 1]]:
                seq = [u, x]
                prev, cur = u, x
                while is_chain[cur]:
                    a, b = nbr[first_nbr[cur]], nbr[first_nbr[cur] + 1]
                    nxt = b if a == prev else a
                    seq.append(nxt)
                    prev, cur = cur, nxt
                    if cur == u:
                        break
                w = seq[-1]
                if w == u or is_dead[w]:
                    continue  # a loop back or a dead end: on no shortest path
                if u > w:
                    continue  # a hop or chain is found from both ends: the smaller one's
                seqs.append(seq)
                seqs.append(seq[::-1])

        hop_lists: list[np.ndarray] = []
        sup_src: list[int] = []
        sup_dst: list[int] = []
        for seq in seqs:
            arr = np.asarray(seq, dtype=np.int64)
            keys = arr[:-1] * n + arr[1:]
            at = np.searchsorted(hop_key, keys)
            at = np.minimum(at, len(hop_key) - 1)
            if len(hop_key) == 0 or np.any(hop_key[at] != keys):
                continue  # a hop missing in this direction (a one-way section)
            hop_lists.append(at)
            sup_src.append(seq[0])
            sup_dst.append(seq[-1])
        ss = np.asarray(sup_src, dtype=np.int64)
        sd = np.asarray(sup_dst, dtype=np.int64)
        lengths = np.array([len(h) for h in hop_lists], dtype=np.int64)
        sorder = np.lexsort((np.arange(len(ss)), sd, ss))
        ss, sd = ss[sorder], sd[sorder]
        hop_lists = [hop_lists[i] for i in sorder]
        lengths = lengths[sorder]
        hop_ptr = np.zeros(len(ss) + 1, dtype=np.int64)
        np.cumsum(lengths, out=hop_ptr[1:])
        gfirst = np.ones(len(ss), dtype=bool)
        gfirst[1:] = (ss[1:] != ss[:-1]) | (sd[1:] != sd[:-1])
        return cls(
            n=n, edges=e, hop_start=np.append(starts, len(e)),
            hop_list=(np.concatenate(hop_lists) if hop_lists else np.zeros(0, dtype=np.int64)),
            hop_ptr=hop_ptr, super_src=ss, super_dst=sd, group_start=np.flatnonzero(gfirst),
            group=np.cumsum(gfirst) - 1, hop_of=np.cumsum(first) - 1,
            contracted=int(chain.sum()))

    def graph(self, weight: np.ndarray) -> ContractedGraph:
        """The CSR of the super-edges under ``weight`` (per edge of the caller's graph; inf
        closes an edge, and a super-edge with every edge of one hop closed is left out)."""
        w = np.asarray(weight, dtype=float)[self.edges]
        if np.any(np.isnan(w)) or np.any(w < 0):
            raise KetenError("edge weights must be >= 0 (Dijkstra)")
        if len(self.super_src) == 0:
            return ContractedGraph(csr_matrix((self.n, self.n)), np.zeros(0, dtype=np.int64),
                                   np.zeros(0, dtype=np.int64), self)
        hop_w = np.minimum.reduceat(w, self.hop_start[:-1])
        best_pos = _first_at_minimum(w, hop_w, self.hop_of)
        sup_w = np.add.reduceat(hop_w[self.hop_list], self.hop_ptr[:-1])
        best = np.minimum.reduceat(sup_w, self.group_start)
        keep = _first_at_minimum(sup_w, best, self.group, np.isfinite(sup_w))
        indptr = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.super_src[keep], minlength=self.n), out=indptr[1:])
        matrix = csr_matrix((sup_w[keep] + _EPS, self.super_dst[keep], indptr),
                            shape=(self.n, self.n))
        return ContractedGraph(matrix, keep, self.edges[best_pos], self)


def _first_at_minimum(values: np.ndarray, minimum: np.ndarray, group: np.ndarray,
                      usable: np.ndarray | None = None) -> np.ndarray:
    """Per group (``group``: sorted group of each value; ``minimum``: per group), the first
    position whose value is the group's minimum; ``usable`` leaves positions out."""
    at = values == minimum[group]
    at = np.flatnonzero(at if usable is None else at & usable)
    if len(at) == 0:
        return at
    return at[np.r_[True, group[at[1:]] != group[at[:-1]]]]
