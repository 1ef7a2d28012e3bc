"""Is an allocation the Bogomolnaia-Moulin egalitarian solution?  (dichotomous preferences)

Bogomolnaia and Moulin (2004): with dichotomous preferences an agent's utility is her mass on
her first tier (her acceptable set A_i); the egalitarian solution is the leximin-optimal utility
profile, which is unique.  An allocation *is egalitarian* when its first-tier masses are that
profile (which first-tier objects, and what of the second tier, are not part of BM's
definition; test ``sd-efficient`` separately).

Both answers carry the bottleneck sequence S_1, ..., S_K (a partition of the agents) with, for
each set, its new objects Γ_k = A(S_k) minus the objects of earlier sets, their supply
c(Γ_k), the ratio c(Γ_k)/|S_k| and the level min(1, ratio) (non-decreasing in k).  This proves,
without any search, that the egalitarian profile gives every agent of S_k exactly her set's
level: any allocation gives S_1 at most c(Γ_1) in total, so its minimum over S_1 is at most the
first level; one that is leximin at least as good must give S_1 exactly that level, which uses
up Γ_1, and so on for S_2, S_3, ... (a set with level 1 cannot do better).  Attainability is
shown by an allocation with exactly these first-tier masses: the checked allocation itself when
the answer is yes, an explicit ``realisation`` (the first-tier entries of the ``egalitarian``
mechanism's allocation) when it is no, together with the first agent (in bottleneck order) whose
mass differs.

Checker recipe (no search): the sets partition the agents; Γ_k and c(Γ_k) recomputed from the
first tiers; ratio and level recomputed, levels non-decreasing; the allocation (resp. the
realisation) is feasible and gives each agent of S_k first-tier mass equal to her level; for a
"no", the named agent's first-tier mass in the checked allocation differs from her level.

>>> from exactassign.economy import Economy
>>> from exactassign.allocation import Allocation
>>> e = Economy.create(["1", "2", "3"], ["a", "b"],
...                    preferences={"1": ["a"], "2": ["a"], "3": [["a", "b"]]})
>>> p = Allocation.from_mapping(e, {"1": {"a": "1/3"}, "2": {"a": "1/3"},
...                                 "3": {"a": "1/3", "b": "2/3"}})
>>> w = find_egalitarian_violation(e, p)
>>> w.agent, w.mass, w.egalitarian
('1', 1/3, 1/2)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flint import fmpq

from ..allocation import Allocation
from ..numbers import ZERO, canonical

__all__ = ["EgalitarianWitness", "EgalitarianViolation", "analyse_egalitarian",
           "find_egalitarian_violation", "is_egalitarian", "egalitarian_applies",
           "first_tier_masses"]


@dataclass(frozen=True)
class EgalitarianWitness:
    """A "yes": the bottleneck sequence (``mechanisms.egalitarian.Bottleneck`` records)."""

    bottlenecks: tuple[Any, ...]
    profile: dict[str, fmpq]

    def to_json(self) -> dict:
        """JSON witness."""
        return {"bottlenecks": [_bottleneck_json(b) for b in self.bottlenecks],
                "profile": {a: canonical(x) for a, x in self.profile.items()}}


@dataclass(frozen=True)
class EgalitarianViolation:
    """A "no": the bottleneck sequence, an allocation realising the egalitarian profile, and
    the first agent whose first-tier mass differs from her egalitarian value."""

    bottlenecks: tuple[Any, ...]
    profile: dict[str, fmpq]
    realisation: Allocation
    agent: str
    first_tier: tuple[str, ...]
    mass: fmpq
    egalitarian: fmpq

    def to_json(self) -> dict:
        """JSON witness."""
        return {"bottlenecks": [_bottleneck_json(b) for b in self.bottlenecks],
                "profile": {a: canonical(x) for a, x in self.profile.items()},
                "realisation": self.realisation.to_mapping(),
                "agent": self.agent, "first_tier": list(self.first_tier),
                "mass": canonical(self.mass), "egalitarian": canonical(self.egalitarian)}


def _bottleneck_json(b: Any) -> dict:
    return {"agents": list(b.agents), "objects": list(b.objects),
            "supply": canonical(b.supply), "ratio": canonical(b.ratio),
            "level": canonical(b.level), "capped": b.capped}


def egalitarian_applies(economy: Any) -> str | None:
    """None when the property applies, else why not (endowments, non-dichotomous agent)."""
    if economy.endowments is not None:
        return "defined for the house-allocation model (no endowments)"
    from ..mechanisms.egalitarian import dichotomy_violation
    why = dichotomy_violation(economy)
    return None if why is None else why.split(";")[0] + " (not dichotomous)"


def first_tier_masses(economy: Any, allocation: Allocation) -> dict[str, fmpq]:
    """Each agent's mass on her first tier (0 without preferences)."""
    oidx = allocation.object_index
    out = {}
    for i, (a, order) in enumerate(zip(economy.agents, economy.preferences)):
        row = allocation.rows[i]
        out[a] = sum((row[oidx[o]] for o in order[0]), ZERO) if order else ZERO
    return out


def analyse_egalitarian(economy: Any, allocation: Allocation
                        ) -> EgalitarianWitness | EgalitarianViolation:
    """Compare the allocation's first-tier masses with the egalitarian profile."""
    from ..mechanisms.egalitarian import bottleneck_sequence, egalitarian_solution
    bottlenecks, profile = bottleneck_sequence(economy)
    masses = first_tier_masses(economy, allocation)
    for b in bottlenecks:
        for a in b.agents:
            if masses[a] != profile[a]:
                order = economy.preference_of(a)
                first = tuple(o for o in economy.objects if order and o in order[0])
                return EgalitarianViolation(
                    tuple(bottlenecks), profile, _first_tier_part(
                        economy, egalitarian_solution(economy).allocation), a,
                    first, masses[a], profile[a])
    return EgalitarianWitness(tuple(bottlenecks), profile)


def _first_tier_part(economy: Any, allocation: Allocation) -> Allocation:
    """The allocation's first-tier entries only (still feasible, same first-tier masses): the
    realisation of a "no" certificate, in which every number then matters."""
    sparse = {}
    for i, order in enumerate(economy.preferences):
        first = {allocation.object_index[o] for o in order[0]} if order else set()
        sparse[i] = {k: x for k, x in enumerate(allocation.rows[i]) if x and k in first}
    return Allocation.from_sparse(economy.agents, economy.objects, sparse)


def find_egalitarian_violation(economy: Any, allocation: Allocation
                               ) -> EgalitarianViolation | None:
    """The witness that ``allocation`` is not egalitarian, or ``None`` if it is."""
    r = analyse_egalitarian(economy, allocation)
    return r if isinstance(r, EgalitarianViolation) else None


def is_egalitarian(economy: Any, allocation: Allocation) -> bool:
    """True iff the allocation's first-tier masses are the egalitarian profile."""
    return find_egalitarian_violation(economy, allocation) is None
