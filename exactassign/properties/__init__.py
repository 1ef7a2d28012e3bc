"""Properties of allocations: the registry behind ``exactassign check`` and ``certify``.

Each property has a ``find_*`` witness finder (``None`` when it holds) with ``is_*`` on top
(submodules :mod:`.efficiency`, :mod:`.fairness`, :mod:`.ordinal`).  :func:`evaluate` returns a
:class:`PropertyResult` whose ``claim`` and ``witness`` are exactly the certificate claim and
witness of ``certificates/FORMAT.md``: both answers carry a witness that the standard-library
checker re-verifies.

>>> from exactassign.economy import Economy
>>> from exactassign import run
>>> e = Economy.create(["1", "2"], ["a", "b"], preferences={"1": ["a", "b"], "2": ["b", "a"]})
>>> r = evaluate("sd-efficient", e, run("ps", e).allocation)
>>> r.holds, r.claim
(True, 'sd.efficient')
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..allocation import Allocation
from ..errors import LimitExceeded, ParameterError
from ..numbers import canonical
from .efficiency import SdImprovement, analyse_sd_efficiency
from .egalitarian import EgalitarianViolation, analyse_egalitarian, egalitarian_applies
from .fairness import (find_bounded_envy_violation, find_eene_violation, find_envy,
                       find_ete_violation, find_ir_violation)
from .ordinal import find_ordinal_fairness_violation, ordinal_fairness_reason

__all__ = ["PropertyResult", "Property", "PROPERTIES", "evaluate", "check_all",
           "applicable_properties"]


@dataclass(frozen=True)
class PropertyResult:
    """Verdict of one property: ``holds`` (None: not applicable), the certificate claim and its
    JSON witness (exact numbers as canonical strings)."""

    name: str
    holds: bool | None
    claim: str | None
    witness: dict
    reason: str | None = None


@dataclass(frozen=True)
class Property:
    """A registered property."""

    name: str
    title: str
    needs_feasible: bool
    evaluate: Callable[[Any, Allocation], PropertyResult]
    applies: Callable[[Any], str | None] = lambda economy: None


def _ucs(u: Sequence[str | None]) -> list[str | None]:
    return list(u)


def _feasible(e: Any, p: Allocation) -> PropertyResult:
    v = p.feasibility_violations(e)
    if v:
        return PropertyResult("feasible", False, None, {"violations": v})
    return PropertyResult("feasible", True, "assignment.feasible", {})


def _sd_efficient(e: Any, p: Allocation) -> PropertyResult:
    r = analyse_sd_efficiency(e, p)
    if isinstance(r, SdImprovement):
        return PropertyResult("sd-efficient", False, "sd.not-efficient", {
            "cycle": [{"agent": t.agent, "gives": t.gives, "gets": t.gets} for t in r.cycle],
            "epsilon": canonical(r.epsilon),
            "dominating": r.dominating.to_mapping()})
    w: dict[str, Any] = {"potential": {o: str(v) for o, v in r.potential.items()}}
    if r.outside is not None:
        w["outside"] = str(r.outside)
    return PropertyResult("sd-efficient", True, "sd.efficient", w)


def _envy_json(w: Any) -> dict:
    return {"envious": w.envious, "envied": w.envied,
            "upper_contour_set": _ucs(w.upper_contour_set),
            "envious_mass": canonical(w.envious_mass), "envied_mass": canonical(w.envied_mass)}


def _envy_free(e: Any, p: Allocation) -> PropertyResult:
    w = find_envy(e, p)
    if w is None:
        return PropertyResult("envy-free", True, "envy-free", {})
    return PropertyResult("envy-free", False, "envy", _envy_json(w))


def _eene(e: Any, p: Allocation) -> PropertyResult:
    w = find_eene_violation(e, p)
    if w is None:
        return PropertyResult("eene", True, "eene", {})
    return PropertyResult("eene", False, "not-eene", _envy_json(w))


def _ir(e: Any, p: Allocation) -> PropertyResult:
    w = find_ir_violation(e, p)
    if w is None:
        return PropertyResult("ir", True, "ir", {})
    return PropertyResult("ir", False, "not-ir", {
        "agent": w.agent, "upper_contour_set": _ucs(w.upper_contour_set),
        "allocation_mass": canonical(w.allocation_mass),
        "endowment_mass": canonical(w.endowment_mass)})


def _ete(e: Any, p: Allocation) -> PropertyResult:
    w = find_ete_violation(e, p)
    if w is None:
        return PropertyResult("ete", True, "ete", {})
    return PropertyResult("ete", False, "not-ete", {"agents": list(w.agents),
                                                     "object": w.object})


def _bounded_envy(e: Any, p: Allocation) -> PropertyResult:
    w = find_bounded_envy_violation(e, p)
    if w is None:
        return PropertyResult("bounded-envy", True, "bounded-envy", {})
    return PropertyResult("bounded-envy", False, "not-bounded-envy", {
        "envious": w.envious, "envied": w.envied,
        "upper_contour_set": _ucs(w.upper_contour_set), "envy": canonical(w.envy),
        "bound": canonical(w.bound)})


def _ordinal_fair(e: Any, p: Allocation) -> PropertyResult:
    w = find_ordinal_fairness_violation(e, p)
    if w is None:
        return PropertyResult("ordinal-fair", True, "ordinal-fair", {})
    return PropertyResult("ordinal-fair", False, "not-ordinal-fair", w.to_json())


def _egalitarian(e: Any, p: Allocation) -> PropertyResult:
    r = analyse_egalitarian(e, p)
    if isinstance(r, EgalitarianViolation):
        return PropertyResult("egalitarian", False, "not-egalitarian", r.to_json())
    return PropertyResult("egalitarian", True, "egalitarian", r.to_json())


def _needs_endowments(e: Any) -> str | None:
    return None if e.endowments is not None else \
        "needs endowments (without them bounded envy is envy-freeness)"


PROPERTIES: dict[str, Property] = {p.name: p for p in (
    Property("feasible", "feasible allocation", False, _feasible),
    Property("sd-efficient", "sd-efficient (ordinal efficiency)", True, _sd_efficient),
    Property("ir", "individually rational (sd) w.r.t. endowments / outside option", False, _ir),
    Property("ete", "equal treatment of equals", False, _ete),
    Property("eene", "equal-endowment no envy (sd)", False, _eene),
    Property("bounded-envy", "envy bounded by endowment advantage", False, _bounded_envy,
             _needs_endowments),
    Property("envy-free", "sd-envy-free (no envy)", False, _envy_free),
    Property("ordinal-fair", "ordinal fairness among co-owners (simple economies; house "
             "allocation)", True, _ordinal_fair, ordinal_fairness_reason),
    Property("egalitarian", "Bogomolnaia-Moulin egalitarian (dichotomous preferences)", True,
             _egalitarian, egalitarian_applies),
)}


# -- cardinal properties (valuations; properties/cardinal.py, certificates/check_cardinal.py) --
def _needs_valuations(e: Any) -> str | None:
    from .cardinal import cardinal_reason
    return cardinal_reason(e)


def _cardinal(name: str, e: Any, p: Allocation, run: Callable, yes: str, no: str,
              extra: dict | None = None) -> PropertyResult:
    from .cardinal import (BlockingCoalition, FarkasCertificate, ParetoImprovement,
                           cardinal_reason, witness_json)
    reason = cardinal_reason(e, p)
    if reason is not None:
        return PropertyResult(name, None, None, {}, f"not applicable: {reason}")
    r = run(e, p)
    holds = not isinstance(r, (ParetoImprovement, BlockingCoalition, FarkasCertificate))
    w = witness_json(e, r, p)
    if extra:
        w.update(extra)
    return PropertyResult(name, holds, yes if holds else no, w)


def _ex_ante_po(e: Any, p: Allocation) -> PropertyResult:
    from .cardinal import analyse_ex_ante_po
    return _cardinal("ex-ante-po", e, p, analyse_ex_ante_po, "ex-ante.po", "ex-ante.not-po")


def _weak_core(e: Any, p: Allocation) -> PropertyResult:
    from .cardinal import analyse_weak_core
    return _cardinal("weak-core", e, p, analyse_weak_core, "core.weak", "core.blocked")


def _pm_equilibrium(e: Any, p: Allocation) -> PropertyResult:
    from .cardinal import pm_equilibrium
    return _cardinal("pm-equilibrium", e, p, pm_equilibrium, "pm.equilibrium",
                     "pm.no-equilibrium")


def _pm_quasi(e: Any, p: Allocation) -> PropertyResult:
    from .cardinal import pm_quasi_equilibrium
    return _cardinal("pm-quasi-equilibrium", e, p, pm_quasi_equilibrium,
                     "pm.quasi-equilibrium", "pm.no-quasi-equilibrium")


def _hz_equilibrium(e: Any, p: Allocation) -> PropertyResult:
    from .cardinal import hz_equilibrium
    return _cardinal("hz-equilibrium", e, p, hz_equilibrium, "hz.equilibrium",
                     "hz.no-equilibrium", {"equal_budgets": True})


def _sp(name: str, budgets: str, e: Any, p: Allocation) -> PropertyResult:
    from ..decompose import MAX_AGENTS, decompose
    from .cardinal import cardinal_reason
    reason = cardinal_reason(e, p)
    if reason is not None:
        return PropertyResult(name, None, None, {}, f"not applicable: {reason}")
    try:
        d = decompose(e, p, budgets=budgets)
    except LimitExceeded:
        return PropertyResult(name, None, None, {},
                              f"not checked: {e.n} agents > {MAX_AGENTS} (the search over "
                              f"ordered partitions is exponential), [N] does not support it "
                              f"and no coalition blocks")
    claim, witness = d.claim()
    return PropertyResult(name, d.turns is not None, claim, witness)


def _sp_outcome(e: Any, p: Allocation) -> PropertyResult:
    """Is the allocation a sequential-pseudomarket outcome for some ordered partition, with
    free incomes (the seed's definition; :mod:`exactassign.decompose`)?  Every allocation in
    the weak core is one, so the answer is always decided (by the weak-core construction
    beyond ``decompose.MAX_AGENTS`` agents)."""
    return _sp("sp-outcome", "free", e, p)


def _sp_outcome_equal(e: Any, p: Allocation) -> PropertyResult:
    """Is the allocation an outcome of the ``sp`` mechanism (HZ equilibrium with equal budgets
    in every turn) for some ordered partition?  Not checked when n > ``decompose.MAX_AGENTS``,
    [N] is no equal-budget HZ equilibrium and the allocation is in the weak core."""
    return _sp("sp-outcome-equal-budgets", "equal", e, p)


PROPERTIES.update({p.name: p for p in (
    Property("ex-ante-po", "ex-ante Pareto optimal (expected utility)", True, _ex_ante_po,
             _needs_valuations),
    Property("weak-core", "in the ex-ante weak core", True, _weak_core, _needs_valuations),
    Property("pm-equilibrium", "pseudomarket-equilibrium prices exist (free incomes)", True,
             _pm_equilibrium, _needs_valuations),
    Property("pm-quasi-equilibrium", "non-constant pseudomarket quasi-equilibrium prices exist",
             True, _pm_quasi, _needs_valuations),
    Property("hz-equilibrium", "Hylland-Zeckhauser equilibrium with equal budgets", True,
             _hz_equilibrium, _needs_valuations),
    Property("sp-outcome", "a sequential-pseudomarket outcome for some ordered partition "
             "(coarsest partition with per-turn prices; free incomes)", True, _sp_outcome,
             _needs_valuations),
    Property("sp-outcome-equal-budgets", "an outcome of the sp mechanism (HZ equilibrium with "
             "equal budgets in every turn) for some ordered partition", True, _sp_outcome_equal,
             _needs_valuations),
)})


def applicable_properties(economy: Any) -> list[str]:
    """Names of the properties that apply to ``economy``, in registry order."""
    return [n for n, p in PROPERTIES.items() if p.applies(economy) is None]


def evaluate(name: str, economy: Any, allocation: Allocation) -> PropertyResult:
    """Evaluate one property; unknown names give a :class:`ParameterError`."""
    prop = PROPERTIES.get(name)
    if prop is None:
        raise ParameterError(f"unknown property {name!r} (available: "
                             f"{', '.join(PROPERTIES)})")
    allocation.require_rational(f"property {name!r}")   # IrrationalError (exit 2)
    reason = prop.applies(economy)
    if reason is not None:
        return PropertyResult(name, None, None, {}, f"not applicable: {reason}")
    if prop.needs_feasible:
        bad = allocation.feasibility_violations(economy)
        if bad:
            return PropertyResult(name, None, None, {},
                                  f"not applicable: the allocation is infeasible ({bad[0]})")
    return prop.evaluate(economy, allocation)


def check_all(economy: Any, allocation: Allocation,
              names: Sequence[str] | None = None) -> dict[str, PropertyResult]:
    """Evaluate the named properties (default: every applicable one)."""
    chosen = list(names) if names else applicable_properties(economy)
    return {n: evaluate(n, economy, allocation) for n in chosen}


# Properties of a mechanism at an economy (they compare runs on different reports, so they are
# not in PROPERTIES, which ``check`` evaluates on one allocation): strategy-proof,
# weakly-strategy-proof, bounded-invariance.  See :mod:`.strategy`.
from .strategy import (MECHANISM_PROPERTIES, MechanismProperty,  # noqa: E402
                       evaluate_mechanism_property)

__all__ += ["MECHANISM_PROPERTIES", "MechanismProperty", "evaluate_mechanism_property"]
