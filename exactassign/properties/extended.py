"""Extended orders: an agent's tiers plus the outside option and her unacceptable objects.

In the house-allocation model (no endowments) an agent may end with less than one unit: the
remainder ``1 - Σ_o p_io`` is the outside option ∅ (formats.md, "Each agent demands one unit").
Her *extended order* is her preference tiers, then ``{∅}``, then her unacceptable objects (one
tie).  In the FEE model (endowments; rows are fixed) there is no ∅ tier.  Upper contour sets of
the extended order are the sets on which stochastic dominance is tested
(certificates/FORMAT.md).  Object indices ``0..m-1`` are the economy's objects; index ``m`` is ∅.

>>> from exactassign.economy import Economy
>>> e = Economy.create(["1"], ["a", "b", "c"], preferences={"1": [["a", "b"]]})
>>> extended_tiers(e, 0)
[[0, 1], [3], [2]]
"""
from __future__ import annotations

from typing import Any

from flint import fmpq

from ..numbers import ONE, ZERO

__all__ = ["house_model", "extended_tiers", "row_with_outside", "ucs_masses", "tier_labels",
           "endowment_row"]


def house_model(economy: Any) -> bool:
    """True when the economy has no endowments (rows may sum to less than 1)."""
    return economy.endowments is None


def extended_tiers(economy: Any, i: int) -> list[list[int]]:
    """The extended order of agent ``i`` as lists of object indices (∅ is index ``m``)."""
    idx = economy.object_index
    order = economy.preferences[i]
    tiers = [[idx[o] for o in tier] if len(tier) == 1 else sorted(idx[o] for o in tier)
             for tier in order]
    if house_model(economy):
        tiers.append([economy.m])
    if sum(map(len, order)) < economy.m:
        listed = frozenset().union(*order)
        tiers.append([k for k, o in enumerate(economy.objects) if o not in listed])
    return tiers


def row_with_outside(economy: Any, row: tuple[fmpq, ...]) -> list[fmpq]:
    """The row with the outside option's mass appended (0 in the FEE model)."""
    out = list(row)
    out.append(ONE - sum(row, ZERO) if house_model(economy) else ZERO)
    return out


def endowment_row(economy: Any, i: int) -> tuple[fmpq, ...]:
    """Agent ``i``'s endowment row (the zero row without endowments)."""
    if economy.endowments is None:
        return (ZERO,) * economy.m
    return economy.endowments[i]


def ucs_masses(tiers: list[list[int]], row: list[fmpq]) -> list[fmpq]:
    """Cumulative mass of ``row`` on the upper contour sets of ``tiers``."""
    out, acc = [], ZERO
    for tier in tiers:
        for k in tier:
            acc += row[k]
        out.append(acc)
    return out


def tier_labels(economy: Any, tiers: list[list[int]], upto: int) -> list[str | None]:
    """Labels of the union of the first ``upto + 1`` tiers (∅ as ``None``), in tier order."""
    out: list[str | None] = []
    for tier in tiers[: upto + 1]:
        out.extend(economy.objects[k] if k < economy.m else None for k in tier)
    return out
