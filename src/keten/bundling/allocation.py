"""Shares of a bundled cost among shippers.

- ``tkm``: in proportion to each shipper's transport activity (mass x shortest feasible
  distance), the rule ISO 14083 uses for emissions within a TOC (6.2); cheap, no re-planning.
- ``shapley``: the Shapley value of the cost game v(S) = cost of planning coalition S
  together (Shapley 1953): phi_i = sum over S not containing i of
  |S|! (n - |S| - 1)! / n! x (v(S + i) - v(S)). Every shipper pays its average marginal cost
  over all orders of joining; the shares add up to v(all). Needs 2^n - 1 plans, so keten
  allows it for at most ``MAX_SHAPLEY_PLAYERS`` shippers.
Emissions are always allocated by ISO 14083 (tkm within the TOC), by the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import combinations
from math import factorial

from keten.errors import KetenError

MAX_SHAPLEY_PLAYERS = 6


def by_tkm(total: float, tkm: dict[str, float]) -> dict[str, float]:
    """``total`` split in proportion to ``tkm`` per shipper (equal shares if all zero)."""
    s = sum(tkm.values())
    if s <= 0:
        return {k: total / len(tkm) for k in tkm} if tkm else {}
    # the share first: total * v underflows for subnormal tkm (1.5 * 5e-324 -> 1e-323)
    return {k: total * (v / s) for k, v in tkm.items()}


def shapley(players: Sequence[str], value: Callable[[frozenset[str]], float]
            ) -> dict[str, float]:
    """Shapley value of each player for the coalition cost function ``value``
    (``value(frozenset())`` is taken as 0; each coalition is evaluated once)."""
    n = len(players)
    if n > MAX_SHAPLEY_PLAYERS:
        raise KetenError(f"Shapley allocation needs 2^n plans; at most {MAX_SHAPLEY_PLAYERS} "
                         f"shippers (got {n}); use the tkm rule")
    cache: dict[frozenset[str], float] = {frozenset(): 0.0}

    def v(c: frozenset[str]) -> float:
        if c not in cache:
            cache[c] = float(value(c))
        return cache[c]

    out = {}
    for p in players:
        others = [q for q in players if q != p]
        phi = 0.0
        for size in range(n):
            w = factorial(size) * factorial(n - size - 1) / factorial(n)
            for c in combinations(others, size):
                s = frozenset(c)
                phi += w * (v(s | {p}) - v(s))
        out[p] = phi
    return out
