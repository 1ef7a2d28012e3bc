"""Properties of a mechanism across profiles: strategy-proofness and bounded invariance.

These are not properties of one allocation (``PROPERTIES``) but of a *mechanism at an economy*:
they compare the outcome of the true profile with the outcomes of profiles where one agent
misreports.  Definitions (Bogomolnaia and Moulin 2001, §2; the seed of Yu and Zhang,
arXiv 2005.09340v2, §2 "Mechanism"):

* agent i **manipulates** M at ≿ by reporting ≿'_i when her truthful assignment does not
  weakly sd-dominate (for her *true* order) the one she gets by misreporting:
  ¬ (M_i(≿) ≿_i^sd M_i(≿'_i, ≿_-i)), i.e. some upper contour set of her true order gets
  strictly more mass under the misreport.  M is **strategy-proof** if nobody can manipulate.
* she **strongly manipulates** when the misreport's assignment strictly sd-dominates the
  truthful one; M is **weakly strategy-proof** if nobody can strongly manipulate.
* **bounded invariance** (the seed's formulas are lost in extraction; reconstructed from its
  prose, "an agent cannot change the allocation of an object by changing the reported ordering
  of less preferred objects", and from Hashimoto, Hirata, Kesten, Kurino and Ünver (2014)
  and Bogomolnaia and Heo (2012)): for every agent i, object o acceptable to i, and misreport ≿'_i
  with U(≿'_i, o) = U(≿_i, o) and ≿'_i = ≿_i on that set (equivalently: the first tiers of the
  two orders, down to o's tier, are the same sets), every agent j gets the same amount of o in
  both outcomes.  (Quantifying over every o, it makes no difference whether the conclusion is
  stated for o alone or for every object of U(≿_i, o).)

The sd-comparisons use the agent's *extended* order (``certificates/FORMAT.md``): her tiers,
then the outside option ∅ (house-allocation model), then her unacceptable objects; so receiving
an object she truly finds unacceptable counts as worse than nothing.

Misreports range over a *space* of orders (:func:`order_space`): by default the orders of the
same kind as the economy's (strict if every agent's is strict, else weak; complete lists if
every agent lists every object, else all subsets).  A misreport that the mechanism refuses
(``DomainError``) is skipped.  Economies with valuations are refused: cardinal misreports
(reported valuations, compared by expected utility) are not implemented.

The "no" answers carry certificates (claims ``manipulation``, ``strong-manipulation``,
``not-bounded-invariance``; checker: ``certificates/check_strategy.py``): both runs' outcome
certificates are included, so the checker replays both without the mechanism.  Only mechanisms
with an outcome claim (``certificates.build.CERTIFIABLE_MECHANISMS``) can be certified.  The
"yes" answers are exhaustive over the misreport space and carry no certificate.

>>> from exactassign.economy import Economy
>>> e = Economy.create(["1", "2", "3"], ["a", "b", "c"], preferences={
...     "1": ["a", "b", "c"], "2": ["a", "c", "b"], "3": ["b", "a", "c"]})
>>> m = find_manipulation("ps", e)
>>> m.agent, [sorted(t) for t in m.misreport], m.truthful_mass < m.misreport_mass
('3', [['a'], ['b'], ['c']], True)
>>> find_manipulation("ps", e, strong=True) is None
True
>>> evaluate_mechanism_property("strategy-proof", "ps", e).claim
'manipulation'
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flint import fmpq

from .. import preferences as prefs
from ..errors import DomainError, LimitExceeded, ParameterError
from ..numbers import canonical
from ..preferences import WeakOrder
from . import PropertyResult
from .extended import extended_tiers, row_with_outside, tier_labels, ucs_masses

__all__ = ["Manipulation", "InvarianceViolation", "MechanismProperty", "MECHANISM_PROPERTIES",
           "order_space", "default_space", "find_manipulation", "find_invariance_violation",
           "evaluate_mechanism_property", "ORDER_KINDS"]

ORDER_KINDS = ("strict", "weak", "dichotomous")


# ----------------------------------------------------------------------------- order spaces
def _weak_orders(items: tuple[str, ...]) -> list[tuple[frozenset[str], ...]]:
    """Every ordered partition of ``items`` into non-empty tiers (weak orders over all of them)."""
    if not items:
        return [()]
    out = []
    n = len(items)
    for mask in range(1, 1 << n):
        first = frozenset(items[k] for k in range(n) if mask >> k & 1)
        rest = tuple(items[k] for k in range(n) if not mask >> k & 1)
        out.extend((first, *tail) for tail in _weak_orders(rest))
    return out


@lru_cache(maxsize=256)
def order_space(objects: tuple[str, ...], kind: str = "strict",
                complete: bool = True) -> tuple[WeakOrder, ...]:
    """All weak orders of a kind over ``objects`` (a deterministic, canonical enumeration).

    ``kind``: ``strict`` (every tier one object), ``weak`` (any tiers), ``dichotomous`` (one
    acceptable tier, then -- with ``complete`` -- the rest as one tier).  ``complete``: every
    object is listed; otherwise every subset of the objects (including none) may be listed.

    >>> len(order_space(("a", "b", "c"))), len(order_space(("a", "b", "c"), "strict", False))
    (6, 16)
    >>> len(order_space(("a", "b", "c"), "weak")), len(order_space(("a", "b", "c"), "weak", False))
    (13, 26)
    >>> [[sorted(t) for t in o] for o in order_space(("a", "b"), "dichotomous")]
    [[['a'], ['b']], [['b'], ['a']], [['a', 'b']]]
    """
    if kind not in ORDER_KINDS:
        raise ParameterError(f"unknown order kind {kind!r} (known: {', '.join(ORDER_KINDS)})")
    subsets: Iterable[tuple[str, ...]]
    if complete:
        subsets = [objects]
    else:
        subsets = [c for r in range(len(objects) + 1)
                   for c in itertools.combinations(objects, r)]
    out: list[WeakOrder] = []
    for sub in subsets:
        if kind == "strict":
            out.extend(tuple(frozenset((o,)) for o in p) for p in itertools.permutations(sub))
        elif kind == "weak":
            out.extend(_weak_orders(sub))
        elif complete:      # dichotomous: an acceptable tier, then every other object tied
            for r in range(1, len(sub) + 1):
                for first in itertools.combinations(sub, r):
                    rest = frozenset(o for o in sub if o not in first)
                    out.append((frozenset(first),) + ((rest,) if rest else ()))
        else:               # dichotomous, incomplete: the listed subset is the one tier
            out.append((frozenset(sub),) if sub else ())
    return tuple(out)


def default_space(economy: Any) -> Callable[[int], Sequence[WeakOrder]]:
    """The misreport space of the same kind as the economy's orders (see the module doc)."""
    kind = "strict" if economy.is_strict() else "weak"
    complete = all(sum(map(len, o)) == economy.m for o in economy.preferences)
    space = order_space(tuple(economy.objects), kind, complete)
    return lambda i: space


def _space(economy: Any, orders: Any) -> Callable[[int], Sequence[WeakOrder]]:
    if orders is None:
        return default_space(economy)
    if callable(orders):
        return orders
    fixed = tuple(orders)
    return lambda i: fixed


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True)
class Manipulation:
    """Agent ``agent`` gains (for her true order) by reporting ``misreport``.

    ``ucs`` is an upper contour set of her true extended order (labels, ∅ as None) on which the
    misreport's row has strictly more mass; ``strong``: it also has at least as much on every
    upper contour set.  ``truthful`` and ``misreported`` are the two mechanism results."""

    agent: str
    misreport: WeakOrder
    ucs: tuple[str | None, ...]
    truthful_mass: fmpq
    misreport_mass: fmpq
    strong: bool
    truthful: Any
    misreported: Any
    misreported_economy: Any


@dataclass(frozen=True)
class InvarianceViolation:
    """Agent ``agent`` reports ``misreport``, which agrees with her true order down to the tier
    of ``object``, and agent ``affected`` gets a different amount of ``object``."""

    agent: str
    object: str
    misreport: WeakOrder
    ucs: tuple[str, ...]
    affected: str
    truthful_amount: fmpq
    misreport_amount: fmpq
    truthful: Any
    misreported: Any
    misreported_economy: Any


def _with_order(economy: Any, i: int, order: WeakOrder) -> Any:
    orders = list(economy.preferences)
    orders[i] = order
    return economy.replace(preferences=tuple(orders))


def _runs(mechanism: str, economy: Any, params: Mapping[str, str] | None, orders: Any,
          keep: Callable[[WeakOrder, WeakOrder], bool] | None = None):
    """Yield (agent index, misreport, misreported economy, result) for every misreport that the
    mechanism accepts (and ``keep(truth, misreport)`` admits), agents in order, misreports in
    the space's order."""
    from ..mechanisms import get_mechanism
    if economy.valuations is not None:
        raise DomainError("strategy-proofness and bounded invariance are implemented for "
                          "ordinal reports only; this economy has valuations")
    mech = get_mechanism(mechanism)
    space = _space(economy, orders)
    for i in range(economy.n):
        truth = economy.preferences[i]
        for order in space(i):
            if order == truth or (keep is not None and not keep(truth, order)):
                continue
            e2 = _with_order(economy, i, order)
            try:
                r2 = mech.run(e2, params)
            except (DomainError, LimitExceeded):
                continue
            yield i, order, e2, r2


def _same_head(truth: WeakOrder, order: WeakOrder) -> int:
    """How many leading tiers the two orders share (as sets)."""
    t = 0
    while t < len(truth) and t < len(order) and truth[t] == order[t]:
        t += 1
    return t


def find_manipulation(mechanism: str, economy: Any, params: Mapping[str, str] | None = None,
                      *, strong: bool = False, orders: Any = None,
                      truthful: Any = None) -> Manipulation | None:
    """The first (agent order, then misreport order) manipulation, or ``None``.

    ``strong``: look for a misreport whose row strictly sd-dominates the truthful one (a
    violation of weak strategy-proofness) instead of one that is not sd-dominated by it (a
    violation of strategy-proofness).  ``orders``: the misreport space (a sequence of weak
    orders, or ``agent index -> sequence``); default :func:`default_space`.  ``truthful``: the
    truthful result if already computed.  Raises the mechanism's ``DomainError`` if the true
    profile is outside its domain.
    """
    from ..mechanisms import get_mechanism
    if truthful is None:
        truthful = get_mechanism(mechanism).run(economy, params)
    tiers = [extended_tiers(economy, i) for i in range(economy.n)]
    mine = [ucs_masses(tiers[i], row_with_outside(economy, truthful.allocation.rows[i]))
            for i in range(economy.n)]
    for i, order, e2, r2 in _runs(mechanism, economy, params, orders):
        theirs = ucs_masses(tiers[i], row_with_outside(economy, r2.allocation.rows[i]))
        better = [k for k, (x, y) in enumerate(zip(mine[i], theirs)) if y > x]
        if not better:
            continue
        if strong and any(y < x for x, y in zip(mine[i], theirs)):
            continue
        k = better[0]
        return Manipulation(economy.agents[i], order, tuple(tier_labels(economy, tiers[i], k)),
                            mine[i][k], theirs[k], strong or all(
                                y >= x for x, y in zip(mine[i], theirs)),
                            truthful, r2, e2)
    return None


def find_invariance_violation(mechanism: str, economy: Any,
                              params: Mapping[str, str] | None = None, *, orders: Any = None,
                              truthful: Any = None) -> InvarianceViolation | None:
    """The first violation of bounded invariance (agent, misreport, object by tier, affected
    agent), or ``None``.  Only misreports that keep at least the first tier are relevant."""
    from ..mechanisms import get_mechanism
    if truthful is None:
        truthful = get_mechanism(mechanism).run(economy, params)
    p = truthful.allocation
    oidx = economy.object_index
    runs = _runs(mechanism, economy, params, orders, keep=lambda t, o: _same_head(t, o) > 0)
    for i, order, e2, r2 in runs:
        truth = economy.preferences[i]
        t = _same_head(truth, order)
        q = r2.allocation
        for k in range(t):
            for o in sorted(truth[k], key=oidx.__getitem__):
                col = oidx[o]
                for j in range(economy.n):
                    x, y = p.rows[j][col], q.rows[j][col]
                    if x != y:
                        ucs = tuple(x2 for tier in truth[:k + 1]
                                    for x2 in sorted(tier, key=oidx.__getitem__))
                        return InvarianceViolation(economy.agents[i], o, order, ucs,
                                                   economy.agents[j], x, y, truthful, r2, e2)
    return None


# ----------------------------------------------------------------------------- certificates
def outcome_witness(economy: Any, result: Any) -> tuple[str, dict] | None:
    """(outcome claim, witness) of a mechanism result, or None if the mechanism has no outcome
    certificate."""
    from ..certificates.build import CERTIFIABLE_MECHANISMS
    entry = CERTIFIABLE_MECHANISMS.get(result.mechanism)
    if entry is None:
        return None
    claim, make = entry
    return claim, make(economy, result)


def _runs_json(economy: Any, truthful: Any, misreported_economy: Any,
               misreported: Any) -> dict | None:
    a = outcome_witness(economy, truthful)
    b = outcome_witness(misreported_economy, misreported)
    if a is None or b is None:
        return None
    return {"truthful": {"claim": a[0], "witness": a[1]},
            "misreported": {"claim": b[0], "allocation": misreported.allocation.to_mapping(),
                            "witness": b[1]}}


def manipulation_json(economy: Any, m: Manipulation) -> dict:
    """The witness of a ``manipulation`` / ``strong-manipulation`` certificate (without the
    outcome certificates if the mechanism has none: then ``certifiable`` is False)."""
    w: dict[str, Any] = {"agent": m.agent,
                         "misreport": prefs.to_json(m.misreport, economy.object_index),
                         "upper_contour_set": list(m.ucs),
                         "truthful_mass": canonical(m.truthful_mass),
                         "misreport_mass": canonical(m.misreport_mass)}
    return _with_runs(w, economy, m)


def _with_runs(w: dict, economy: Any, v: Any) -> dict:
    """``w`` plus both runs' outcome certificates (or the misreported allocation alone when the
    mechanism has no outcome claim)."""
    runs = _runs_json(economy, v.truthful, v.misreported_economy, v.misreported)
    if runs is None:
        w["misreported"] = {"allocation": v.misreported.allocation.to_mapping()}
    else:
        w.update(runs)
    return w


def invariance_json(economy: Any, v: InvarianceViolation) -> dict:
    """The witness of a ``not-bounded-invariance`` certificate."""
    w: dict[str, Any] = {"agent": v.agent, "object": v.object,
                         "misreport": prefs.to_json(v.misreport, economy.object_index),
                         "upper_contour_set": list(v.ucs), "affected": v.affected,
                         "truthful_amount": canonical(v.truthful_amount),
                         "misreport_amount": canonical(v.misreport_amount)}
    return _with_runs(w, economy, v)


# ----------------------------------------------------------------------------- registry
@dataclass(frozen=True)
class MechanismProperty:
    """A property of a mechanism at an economy (compares runs on different reports)."""

    name: str
    title: str
    negative_claim: str
    find: Callable[..., Any]
    to_json: Callable[[Any, Any], dict]


def _no_cert_reason(mechanism: str) -> str:
    from ..certificates.build import CERTIFIABLE_MECHANISMS
    return (f"mechanism {mechanism!r} has no outcome certificate (certifiable: "
            f"{', '.join(CERTIFIABLE_MECHANISMS)}), so the violation cannot be certified")


MECHANISM_PROPERTIES: dict[str, MechanismProperty] = {p.name: p for p in (
    MechanismProperty("strategy-proof", "sd-strategy-proof (no manipulation)", "manipulation",
                      lambda *a, **k: find_manipulation(*a, **k), manipulation_json),
    MechanismProperty("weakly-strategy-proof", "weakly sd-strategy-proof (no strong "
                      "manipulation)", "strong-manipulation",
                      lambda *a, **k: find_manipulation(*a, strong=True, **k),
                      manipulation_json),
    MechanismProperty("bounded-invariance", "bounded invariance (reordering less preferred "
                      "objects changes nobody's amount of the better ones)",
                      "not-bounded-invariance",
                      lambda *a, **k: find_invariance_violation(*a, **k), invariance_json),
)}


def evaluate_mechanism_property(name: str, mechanism: str, economy: Any,
                                params: Mapping[str, str] | None = None, *,
                                orders: Any = None, truthful: Any = None) -> PropertyResult:
    """Evaluate a mechanism property at an economy.  A violation has ``holds`` False, its claim
    (None with a ``reason`` when the mechanism has no outcome certificate) and witness; when it
    holds, ``claim`` is None (exhaustive over the misreport space; no certificate)."""
    prop = MECHANISM_PROPERTIES.get(name)
    if prop is None:
        raise ParameterError(f"unknown mechanism property {name!r} (available: "
                             f"{', '.join(MECHANISM_PROPERTIES)})")
    found = prop.find(mechanism, economy, params, orders=orders, truthful=truthful)
    if found is None:
        return PropertyResult(name, True, None, {},
                              "holds for every misreport of the space; no certificate")
    w = prop.to_json(economy, found)
    if "truthful" not in w:
        return PropertyResult(name, False, None, w, _no_cert_reason(mechanism))
    return PropertyResult(name, False, prop.negative_claim, w)
