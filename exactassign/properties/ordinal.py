"""Ordinal fairness (Yu and Zhang's simple economies; Hashimoto et al.'s house allocation).

**RECONSTRUCTED** definition.  The seed (Yu and Zhang, arXiv 2005.09340v2, §4, before
Proposition 3) keeps only the prose: "an economy is called *simple* if, for each i, there exists
at most one o such that ω_io > 0.  In a simple economy, an allocation satisfies ordinal fairness
if, for each object and any two owners i and j with [...]: (1) [...], and (2) [...], unless
[...].  Ordinal fairness implies generalized EENE: for each object and its any two owners i and
j with [...], [...], and for all [...] with [...], [...].  Proposition 3: in simple FEE
economies, every extension of Equal-BTM satisfies ordinal fairness."  The formulas are lost and
the body of Yu and Zhang (arXiv 2005.06878), where the strict-preference version is stated, is
not available here.  We read it as follows.

Two agents are **co-owners** when they own shares of the same object (simple economy; an agent
who owns nothing is nobody's co-owner).  In the house-allocation model (no endowments, or every
agent's endowment the same row) every two agents are co-owners: they own equal divisions of
everything.  w_i is i's endowment mass Σ_o ω_io (1 in the house-allocation model, where the
outside option ∅ takes the rest of a row).  For an agent j and an object a, write
S_j(a) = Σ_{b ≿_j a} p_jb, the mass of j's row on her (weak) upper contour set at a, in her
*extended* order (:mod:`exactassign.properties.extended`: her tiers, then ∅ in the house model,
then her unacceptable objects as one tie) -- the sets on which every sd-comparison of this
package is made.

    p is **ordinally fair** iff for all co-owners i ≠ j and every a with p_ia > 0 (a = ∅
    included in the house model): S_j(a) ≥ S_i(a), unless S_j(a) = w_j
    (equivalently: S_j(a) ≥ min(S_i(a), w_j)).

"If i gets some of a, then j has at least as much at-least-as-good-as-a as i has, unless
everything j gets is at least as good as a (j is then served entirely at a's level or above and
has no claim on a)."  Reasons for this reading:

(a) With equal endowments the ``unless`` clause is void (S_j(a) = w_j = w_i ≥ S_i(a)), and the
    condition is Hashimoto, Hirata, Kesten, Kurino and Ünver's (2014, Theoretical Economics 9)
    ordinal fairness: P_ia > 0 ⇒ Σ_{b R_j a} P_jb ≥ Σ_{b R_i a} P_ib for all j.  (The opposite
    inequality fails for PS: three agents, a top for two of them, b top for the third.)
(b) It implies the seed's "generalized EENE" (:func:`find_generalized_eene_violation`): for
    co-owners i, j and every upper contour set U of i, Σ_U p_i ≥ Σ_U p_j unless Σ_U p_i = w_i;
    in particular w_i ≥ w_j ⇒ p_i ≿_i^sd p_j (EENE when w_i = w_j).  Proof: let b ∈ U with
    p_jb > 0 be j-worst among U ∩ supp p_j; then Σ_U p_j ≤ S_j(b), and ordinal fairness for
    (j, i, b) gives S_i(b) ≥ min(S_j(b), w_i) where S_i(b) ≤ Σ_U p_i < w_i.  (The case b = ∅
    is why ∅ counts as an object in the house model.)
(c) Equal-BTM satisfies it (Proposition 3), and we checked that ``btm`` (rule ``equal``) does:
    exhaustively on every simple economy with n ≤ 3, m ≤ 3 (shares on the grid 1/2, every weak
    order, complete lists), n = 4, m = 2 and n = 3, m = 2 with incomplete lists or the grid
    1/3 (about 165 000 economies), and on about 12 000 random simple economies with n ≤ 7,
    ties, incomplete lists and dichotomous preferences.  Why, under strict preferences: every
    remaining owner of o supplies the same amount at each step and receives exactly what she
    supplies, so co-owners receive equal amounts at each step while both hold endowment;
    if i gets a, S_i(a) is her total received up to the last step at which a is available
    (or her endowment runs out), and in those steps j, while active, received only objects
    she ranks at least as high as a.  With ties the labeled trades replace an object by an
    indifferent one and leave every S unchanged (a sketch, not a proof).  The ``unless``
    clause is exactly the case where j's endowment ran out first; it is what (1)/(2) with
    "unless" in the prose suggests.
    Mechanisms that violate it: ``btm`` with rule ``proportional`` (owners with larger shares
    trade faster) and, in house allocation, serial dictatorship and random serial
    dictatorship (stored: ``counterexamples/ordinal-fair/``).  EPS and the egalitarian
    mechanism passed the same random searches (observed, not cited theorems).

Ties and the outside option: upper contour sets are *weak* (a's whole indifference class
counts), as in every sd-comparison here; with ties, equal BTM sends a contested object to the
agents who are not indifferent to an available alternative (labeling), which is what keeps
the weak version true.  The outside option ∅ is an object of the extended order in the house
model (p_i∅ = 1 − Σ_o p_io), so "i gets some ∅" triggers the condition: every co-owner must
then get nothing she finds worse than ∅.  Economies that are neither simple nor house allocation have
no definition (the property does not apply).

The "yes" answer needs no witness beyond the outcome (the checker re-checks all pairs); a "no"
names the holder i, the other agent j, the object a and the numbers p_ia, S_i(a), S_j(a), w_j
(claims ``ordinal-fair`` / ``not-ordinal-fair``, ``certificates/check_fair.py``).

>>> from exactassign.economy import Economy
>>> from exactassign.allocation import Allocation
>>> e = Economy.create(["1", "2", "3"], ["a", "b"], preferences={
...     "1": ["b", "a"], "2": ["b", "a"], "3": ["a", "b"]},
...     endowments={"1": {"a": "1/3"}, "2": {"a": "2/3"}, "3": {"b": "1/3"}})
>>> p = Allocation.from_mapping(e, {"1": {"a": "2/9", "b": "1/9"}, "2": {"a": "4/9", "b": "2/9"},
...                                 "3": {"a": "1/3"}})
>>> w = find_ordinal_fairness_violation(e, p)
>>> w.holder, w.other, w.object, w.holder_mass, w.other_mass, w.other_total
('2', '1', 'b', 2/9, 1/9, 1/3)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flint import fmpq

from ..allocation import Allocation
from ..numbers import ONE, ZERO, canonical
from .extended import endowment_row, extended_tiers, row_with_outside, tier_labels, ucs_masses

__all__ = ["OrdinalFairnessViolation", "GeneralizedEENEViolation", "ordinal_fairness_reason",
           "co_owner_groups", "find_ordinal_fairness_violation", "is_ordinally_fair",
           "find_generalized_eene_violation"]


@dataclass(frozen=True)
class OrdinalFairnessViolation:
    """``holder`` gets some of ``object`` (None: ∅) and her co-owner ``other`` has less on her
    own upper contour set at that object (``other_mass`` < ``holder_mass``) without being
    served entirely at or above it (``other_mass`` < ``other_total``)."""

    holder: str
    other: str
    object: str | None
    holder_amount: fmpq
    holder_mass: fmpq
    other_mass: fmpq
    other_total: fmpq

    def to_json(self) -> dict:
        """The witness of claim ``not-ordinal-fair`` (certificates/FORMAT.md)."""
        return {"holder": self.holder, "other": self.other, "object": self.object,
                "holder_amount": canonical(self.holder_amount),
                "holder_mass": canonical(self.holder_mass),
                "other_mass": canonical(self.other_mass),
                "other_total": canonical(self.other_total)}


@dataclass(frozen=True)
class GeneralizedEENEViolation:
    """Co-owners ``envious`` and ``envied``: on an upper contour set of ``envious`` that does
    not hold her whole row, ``envied`` has more."""

    envious: str
    envied: str
    upper_contour_set: tuple[str | None, ...]
    envious_mass: fmpq
    envied_mass: fmpq


def _house_like(economy: Any) -> bool:
    ends = economy.endowments
    return ends is None or all(r == ends[0] for r in ends)


def ordinal_fairness_reason(economy: Any) -> str | None:
    """Why ordinal fairness is not defined for ``economy`` (None: it is).

    >>> from exactassign.economy import Economy
    >>> e = Economy.create(["1", "2"], ["a", "b"], preferences={"1": ["a", "b"], "2": ["a"]},
    ...                    endowments={"1": {"a": "1/2", "b": "1/2"}, "2": {"a": "1/2"}})
    >>> ordinal_fairness_reason(e).split(" (")[0]
    "the economy is not simple: agent '1' owns shares of 2 objects"
    """
    if _house_like(economy):
        return None
    for a, row in zip(economy.agents, economy.endowments):
        k = sum(1 for x in row if x)
        if k > 1:
            return (f"the economy is not simple: agent {a!r} owns shares of {k} objects "
                    f"(ordinal fairness is defined for simple economies, where each agent owns "
                    f"at most one object, and for house allocation)")
    return None


def co_owner_groups(economy: Any) -> list[list[int]]:
    """The classes of co-owners (agent indices), by owned object in a simple economy; one class
    of all agents in the house-allocation model.  Call only when
    :func:`ordinal_fairness_reason` is None."""
    if _house_like(economy):
        return [list(range(economy.n))]
    groups: dict[int, list[int]] = {}
    for i, row in enumerate(economy.endowments):
        owned = [k for k, x in enumerate(row) if x]
        if owned:
            groups.setdefault(owned[0], []).append(i)
    return [groups[k] for k in sorted(groups)]


def _total(economy: Any, i: int) -> fmpq:
    return ONE if economy.endowments is None else sum(endowment_row(economy, i), ZERO)


def _level_masses(economy: Any, i: int, row: list[fmpq]) -> list[fmpq]:
    """S_i at every object index (∅ = m): the mass on i's upper contour set at its tier."""
    tiers = extended_tiers(economy, i)
    out = [ZERO] * (economy.m + 1)
    for tier, mass in zip(tiers, ucs_masses(tiers, row)):
        for k in tier:
            out[k] = mass
    return out


def find_ordinal_fairness_violation(economy: Any, allocation: Allocation
                                    ) -> OrdinalFairnessViolation | None:
    """The first (holder, object, other) violating ordinal fairness, or None.  The economy must
    be simple or house allocation (:func:`ordinal_fairness_reason`).  O(n² m)."""
    rows = [row_with_outside(economy, r) for r in allocation.rows]
    house = economy.endowments is None
    level = [_level_masses(economy, i, rows[i]) for i in range(economy.n)]
    for group in co_owner_groups(economy):
        for i in group:
            for k in range(economy.m + 1 if house else economy.m):
                if rows[i][k] <= 0:
                    continue
                si = level[i][k]
                for j in group:
                    sj, wj = level[j][k], _total(economy, j)
                    if j != i and sj < si and sj < wj:
                        return OrdinalFairnessViolation(
                            economy.agents[i], economy.agents[j],
                            economy.objects[k] if k < economy.m else None,
                            rows[i][k], si, sj, wj)
    return None


def is_ordinally_fair(economy: Any, allocation: Allocation) -> bool:
    """True iff no co-owner pair violates ordinal fairness."""
    return find_ordinal_fairness_violation(economy, allocation) is None


def find_generalized_eene_violation(economy: Any, allocation: Allocation
                                    ) -> GeneralizedEENEViolation | None:
    """The seed's "generalized EENE", as reconstructed (reason (b) of the module docstring):
    co-owners i, j and an upper contour set U of i with Σ_U p_i < w_i and Σ_U p_j > Σ_U p_i.
    Implied by ordinal fairness; not registered as a property of its own."""
    rows = [row_with_outside(economy, r) for r in allocation.rows]
    for group in co_owner_groups(economy):
        for i in group:
            tiers = extended_tiers(economy, i)
            own, wi = ucs_masses(tiers, rows[i]), _total(economy, i)
            for j in group:
                if j == i:
                    continue
                for t, (x, y) in enumerate(zip(own, ucs_masses(tiers, rows[j]))):
                    if x < wi and y > x:
                        return GeneralizedEENEViolation(
                            economy.agents[i], economy.agents[j],
                            tuple(tier_labels(economy, tiers, t)), x, y)
    return None
