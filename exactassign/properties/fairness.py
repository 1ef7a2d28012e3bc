"""Fairness and participation properties with witnesses: envy, IR, ETE, EENE, bounded envy.

Definitions (``shared/spec/btm.md`` §1; Bogomolnaia and Moulin 2001 for envy-freeness; Yu and
Zhang for EENE and bounded envy), all on the extended orders of
:mod:`exactassign.properties.extended` (the outside option ∅ counts in the house-allocation
model; ω_i is the zero row without endowments):

- sd-envy-free (NE): p_i ≿_i^sd p_j for all i, j.
- IR: p_i ≿_i^sd ω_i for all i.
- ETE: ≿_i = ≿_j and ω_i = ω_j ⇒ p_i = p_j.
- EENE: ω_i = ω_j ⇒ p_i ≿_i^sd p_j.
- bounded envy: max over upper contour sets U of i of Σ_{x∈U}(p_jx − p_ix)
  ≤ Σ_{o : ω_jo > ω_io}(ω_jo − ω_io).

Each ``find_*`` returns ``None`` when the property holds, else a frozen witness naming the agents
and the upper contour set with both sums.  Envy checks are O(n²·m).

>>> from exactassign.economy import Economy
>>> from exactassign.allocation import Allocation
>>> e = Economy.create(["1", "2"], ["a", "b"], preferences={"1": ["a", "b"], "2": ["a", "b"]})
>>> p = Allocation.from_mapping(e, {"1": {"b": 1}, "2": {"a": 1}})
>>> w = find_envy(e, p)
>>> (w.envious, w.envied, w.upper_contour_set, w.envious_mass, w.envied_mass)
('1', '2', ('a',), 0, 1)
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flint import fmpq

from ..allocation import Allocation
from ..numbers import ZERO
from .extended import endowment_row, extended_tiers, row_with_outside, tier_labels, ucs_masses

__all__ = ["EnvyWitness", "IRWitness", "ETEWitness", "BoundedEnvyWitness", "find_envy",
           "find_ir_violation", "find_ete_violation", "find_eene_violation",
           "find_bounded_envy_violation", "is_envy_free", "is_ir", "is_ete", "is_eene",
           "has_bounded_envy"]


@dataclass(frozen=True)
class EnvyWitness:
    """``envious`` sd-envies ``envied``: more mass on one of her upper contour sets."""

    envious: str
    envied: str
    upper_contour_set: tuple[str | None, ...]
    envious_mass: fmpq
    envied_mass: fmpq


@dataclass(frozen=True)
class IRWitness:
    """``agent`` has less on an upper contour set than her endowment."""

    agent: str
    upper_contour_set: tuple[str | None, ...]
    allocation_mass: fmpq
    endowment_mass: fmpq


@dataclass(frozen=True)
class ETEWitness:
    """Two agents with equal preferences and endowments get different amounts of ``object``."""

    agents: tuple[str, str]
    object: str | None


@dataclass(frozen=True)
class BoundedEnvyWitness:
    """i's envy towards j on an upper contour set exceeds j's endowment advantage."""

    envious: str
    envied: str
    upper_contour_set: tuple[str | None, ...]
    envy: fmpq
    bound: fmpq


def _rows(economy: Any, allocation: Allocation) -> list[list[fmpq]]:
    return [row_with_outside(economy, r) for r in allocation.rows]


def _first_excess(economy: Any, allocation: Allocation,
                  allowance: Callable[[int, int], fmpq | None]
                  ) -> tuple[int, int, list[list[int]], int, fmpq, fmpq, fmpq] | None:
    """The first pair (i, j) and tier t where i's mass difference Σ_U(p_j − p_i) on an upper
    contour set U of hers exceeds ``allowance(i, j)`` (``None``: the pair is not compared)."""
    rows = _rows(economy, allocation)
    for i in range(economy.n):
        tiers = extended_tiers(economy, i)
        own = ucs_masses(tiers, rows[i])
        for j in range(economy.n):
            bound = None if i == j else allowance(i, j)
            if bound is None:
                continue
            other = ucs_masses(tiers, rows[j])
            for t, (x, y) in enumerate(zip(own, other)):
                if y - x > bound:
                    return i, j, tiers, t, x, y, bound
    return None


def _first_envy(economy: Any, allocation: Allocation,
                pair_filter: Callable[[int, int], bool]) -> EnvyWitness | None:
    hit = _first_excess(economy, allocation, lambda i, j: ZERO if pair_filter(i, j) else None)
    if hit is None:
        return None
    i, j, tiers, t, x, y, _ = hit
    return EnvyWitness(economy.agents[i], economy.agents[j],
                       tuple(tier_labels(economy, tiers, t)), x, y)


def find_envy(economy: Any, allocation: Allocation) -> EnvyWitness | None:
    """A pair (i, j) and an upper contour set where i sd-envies j, or ``None`` (NE holds)."""
    return _first_envy(economy, allocation, lambda i, j: True)


def find_eene_violation(economy: Any, allocation: Allocation) -> EnvyWitness | None:
    """Envy between two agents with equal endowments, or ``None`` (EENE holds)."""
    rows = [endowment_row(economy, i) for i in range(economy.n)]
    return _first_envy(economy, allocation, lambda i, j: rows[i] == rows[j])


def find_ir_violation(economy: Any, allocation: Allocation) -> IRWitness | None:
    """An agent and an upper contour set where she has less than her endowment, or ``None``."""
    for i in range(economy.n):
        tiers = extended_tiers(economy, i)
        got = ucs_masses(tiers, row_with_outside(economy, allocation.rows[i]))
        had = ucs_masses(tiers, row_with_outside(economy, endowment_row(economy, i)))
        for t, (x, y) in enumerate(zip(got, had)):
            if x < y:
                return IRWitness(economy.agents[i], tuple(tier_labels(economy, tiers, t)), x, y)
    return None


def find_ete_violation(economy: Any, allocation: Allocation) -> ETEWitness | None:
    """Two equal agents (same tiers, same endowment) with different rows, or ``None``."""
    rows = _rows(economy, allocation)
    first: dict[tuple, int] = {}
    for i in range(economy.n):
        key = (tuple(economy.preferences[i]), tuple(endowment_row(economy, i)))
        j = first.setdefault(key, i)
        if j != i and rows[i] != rows[j]:
            k = next(k for k in range(economy.m + 1) if rows[i][k] != rows[j][k])
            return ETEWitness((economy.agents[j], economy.agents[i]),
                              economy.objects[k] if k < economy.m else None)
    return None


def find_bounded_envy_violation(economy: Any, allocation: Allocation
                                ) -> BoundedEnvyWitness | None:
    """A pair whose envy exceeds the endowment advantage, or ``None`` (bounded envy holds)."""
    endow = [endowment_row(economy, i) for i in range(economy.n)]

    def advantage(i: int, j: int) -> fmpq:
        return sum((y - x for x, y in zip(endow[i], endow[j]) if y > x), ZERO)

    hit = _first_excess(economy, allocation, advantage)
    if hit is None:
        return None
    i, j, tiers, t, x, y, bound = hit
    return BoundedEnvyWitness(economy.agents[i], economy.agents[j],
                              tuple(tier_labels(economy, tiers, t)), y - x, bound)


def is_envy_free(economy: Any, allocation: Allocation) -> bool:
    """True iff no agent sd-envies another."""
    return find_envy(economy, allocation) is None


def is_ir(economy: Any, allocation: Allocation) -> bool:
    """True iff every agent weakly sd-prefers her allocation to her endowment."""
    return find_ir_violation(economy, allocation) is None


def is_ete(economy: Any, allocation: Allocation) -> bool:
    """True iff equal agents are treated equally."""
    return find_ete_violation(economy, allocation) is None


def is_eene(economy: Any, allocation: Allocation) -> bool:
    """True iff no agent envies an agent with the same endowment."""
    return find_eene_violation(economy, allocation) is None


def has_bounded_envy(economy: Any, allocation: Allocation) -> bool:
    """True iff every agent's envy is bounded by the envied agent's endowment advantage."""
    return find_bounded_envy_violation(economy, allocation) is None
