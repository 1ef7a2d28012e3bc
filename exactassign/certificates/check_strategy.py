"""Certificate claims that compare two runs: manipulations, bounded invariance, differing outcomes.

Standard library only, and it never imports the ``exactassign`` package nor ``check.py``: its
:data:`CLAIMS` (``{claim: function(checker, witness)}``, the style of ``check.CLAIMS``) are
merged into the checker that hooks them in, and every helper of that checker (``Instance``,
``Checker``, ``read_allocation``, ``num``, ``Malformed``, its ``CLAIMS`` for the nested outcome
claims, ...) is reached through the module of the checker object itself.  So this file works
unchanged whether ``check.py`` runs as ``python -m exactassign.certificates.check`` or as a
script.  Hook (in check.py, after ``CLAIMS``)::

    try:
        from . import check_strategy as _strategy
    except ImportError:                 # run as a script (python -I check.py): the sibling file
        import importlib.util
        import os
        _spec = importlib.util.spec_from_file_location(
            "check_strategy", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                           "check_strategy.py"))
        _strategy = importlib.util.module_from_spec(_spec)
        _spec.loader.exec_module(_strategy)
    CLAIMS.update(_strategy.CLAIMS)

Nothing here searches or runs a mechanism: both runs are replayed from their own outcome
certificates (e.g. the ``ps.outcome`` phases), which the checker verifies with its own claim
functions, on the true instance and on the instance with the misreport substituted.

Claims (the full text belongs in FORMAT.md, "Claims across runs"):

``manipulation`` -- the mechanism is not strategy-proof at the instance.  Witness::

    {"agent": i, "misreport": [weak order, as in preferences],
     "upper_contour_set": U, "truthful_mass": q, "misreport_mass": q',
     "truthful":    {"claim": C, "witness": {...}},
     "misreported": {"claim": C, "allocation": {...}, "witness": {...}}}

  Checked: ``truthful`` certifies ``outcome.allocation`` on the instance with claim C;
  ``misreported`` certifies its ``allocation`` on the instance whose agent i reports
  ``misreport`` (a valid weak order, different from her true one) with the same claim C; C is an
  outcome claim listed in :data:`OUTCOME_PARAMETERS` and both witnesses carry the same mechanism
  parameters (``ps.outcome``: ``speeds`` and ``tiebreak``; ``btm.outcome``: ``rule``, which
  must be one that determines the outcome, :data:`OUTCOME_DETERMINED`; ``eps.outcome``: none).  U is an upper contour set of i's
  *true* extended order, the two masses are i's rows' masses on U in the truthful and the
  misreported allocation, and misreport_mass > truthful_mass: the truthful row does not
  sd-dominate the misreported one (Bogomolnaia and Moulin 2001).
``strong-manipulation`` -- not even weakly strategy-proof: as ``manipulation``, and moreover
  the misreported row has at least the truthful row's mass on *every* upper contour set of
  i's true extended order (so it strictly sd-dominates it).
``not-bounded-invariance`` (dormant: in :data:`DORMANT_CLAIMS`, not in :data:`CLAIMS`, until
  a certifiable mechanism can violate it; see there) -- witness as ``manipulation`` without
  the masses, plus
  ``"object": o, "upper_contour_set": U(≿_i, o), "affected": j, "truthful_amount": q,
  "misreport_amount": q'``.  Checked: o is acceptable to i; the first tiers of the misreport
  down to o's tier are exactly i's true tiers (so U(≿'_i, o) = U(≿_i, o), ordered alike); U is
  their union; q, q' are j's amounts of o in the two allocations, and q ≠ q'.
``outcomes-differ`` -- two allocations for the same instance differ.  Witness::

    {"mechanisms": [M1, M2], "agent": i, "object": o (null: the outside option ∅),
     "first_amount": q, "second_amount": q',
     "second": {"allocation": {...}},
     "first_outcome": {"claim", "witness"} (optional), "second_outcome": {...} (optional),
     "first_properties": [{"claim", "witness"}, ...] (optional), "second_properties": [...]}

  Checked: ``second.allocation`` is feasible; the two amounts are i's amounts of o (∅: 1 − row
  sum) and differ; each optional nested claim holds for its allocation (the outcome claims tie
  the allocations to their mechanisms; the property claims, e.g. ``sd.efficient``, say what
  both satisfy).  Without outcome claims the tie to the mechanisms rests on regeneration
  (re-running them), not on this checker; ``mechanisms`` is informative.

A caveat for correspondences: ``eps.outcome`` certifies *an* extended-PS outcome (EPS fixes
every agent's amount on each of her reported tiers, not which tied objects she gets), so a
``manipulation`` certified with it is a manipulation for the certified selections; that they
are the ones the implementation returns is re-derived by regeneration, not by this checker.
(The manipulator's truthful masses on her true tiers never depend on the selection; her
masses after a misreport that splits or merges her true tiers may.)

Nested claims are the hosting checker's own (``CLAIMS`` of check.py); they may not be claims of
this file.  Violations and malformations inside a nested claim are reported with their paths
moved under the nested witness (e.g. ``witness.misreported.witness.phases[1].end``).
"""
from __future__ import annotations

import copy
import sys
from typing import Any

__all__ = ["CLAIMS", "DORMANT_CLAIMS", "OUTCOME_PARAMETERS", "OUTCOME_DETERMINED"]

# Outcome claims whose runs can be compared, with the witness keys holding the mechanism's
# parameters (equal in both runs: the same mechanism with the same parameters).  An outcome
# claim belongs here only if it pins the allocation down (up to the selection it certifies).
OUTCOME_PARAMETERS: dict = {"ps.outcome": ("speeds", "tiebreak"), "eps.outcome": (),
                            "btm.outcome": ("rule",)}
# Parameter values under which an outcome claim pins the allocation down: btm.outcome accepts
# any supply shares for a rule name it does not know, so only its two built-in rules count.
OUTCOME_DETERMINED: dict = {"btm.outcome": {"rule": ("equal", "proportional")}}

OUT = None


def _host(c: Any) -> Any:
    """The checker module that created ``c`` (check.py, under whatever name it was loaded)."""
    return sys.modules[type(c).__module__]


def _remap(path: str, moves: list) -> str:
    for old, new in moves:
        if path == old or path.startswith(old + ".") or path.startswith(old + "["):
            return new + path[len(old):]
    return path


def _spec(w: Any, key: Any, host: Any, parent: str = "witness") -> tuple:
    """A nested claim ``{"claim", "witness", ...}`` at w[key] (w a dict or list at path
    ``parent``): (claim, witness, path, the nested dict)."""
    p = host.at(parent, key)
    if isinstance(w, dict):
        d = host.get(w, key, parent, dict)
    else:
        d = host.typed(w[key], dict, p)
    claim = host.get(d, "claim", p, str)
    if claim in CLAIMS or claim in DORMANT_CLAIMS:
        raise host.Malformed(host.at(p, "claim"), f"nested claim {claim!r} is a claim across "
                                                  f"runs; nest an outcome or property claim")
    if claim not in host.CLAIMS:
        raise host.Malformed(host.at(p, "claim"), f"unsupported nested claim {claim!r}",
                             "unsupported.claim")
    return claim, host.get(d, "witness", p, dict), p, d


def _nested(c: Any, inst: Any, alloc: dict, claim: str, witness: dict, moves: list) -> None:
    """Run the host's claim on (inst, alloc, witness); report under the moved paths."""
    host = _host(c)
    sub = host.Checker(inst, alloc)
    try:
        sub.feasible(alloc, "outcome.allocation")
        host.CLAIMS[claim](sub, witness)
    except host.Malformed as exc:
        raise host.Malformed(_remap(exc.path, moves), exc.message, exc.code) from None
    for v in sub.violations:
        c.violations.append(host.Violation(v.code, _remap(v.path, moves), v.message))


def _order(c: Any, x: Any, path: str) -> list:
    """A weak order in JSON (labels and lists of tied labels) as a list of frozensets."""
    host, inst = _host(c), c.inst
    host.typed(x, list, path)
    tiers, seen = [], set()
    for k, e in enumerate(x):
        tier = [e] if type(e) is str else e
        if not isinstance(tier, list) or not tier:
            raise host.Malformed(host.at(path, k), "a preference entry is an object label or a "
                                                   "non-empty list of labels")
        for o in tier:
            host.label(o, inst.oidx, host.at(path, k), "object")
            if o in seen:
                raise host.Malformed(host.at(path, k), f"object {o!r} appears twice")
            seen.add(o)
        tiers.append(frozenset(tier))
    return tiers


def _with_order(inst: Any, agent: str, tiers: list) -> Any:
    """A copy of the instance where ``agent`` reports ``tiers``."""
    new = copy.copy(inst)
    new.tiers = dict(inst.tiers)
    new.tiers[agent] = tiers
    listed = set().union(*tiers) if tiers else set()
    rest = frozenset(o for o in inst.objects if o not in listed)
    new.ext = dict(inst.ext)
    new.ext[agent] = list(tiers) + ([] if inst.fee else [frozenset([OUT])]) + \
        ([rest] if rest else [])
    return new


def _same(a: Any, b: Any, host: Any) -> bool:
    """Equal JSON values, numbers compared exactly (so "1" and 1 agree)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return set(a) == set(b) and all(_same(a[k], b[k], host) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y, host) for x, y in zip(a, b))
    if a == b:
        return True
    try:
        return host.num(a, "") == host.num(b, "")
    except host.Malformed:
        return False


def _two_runs(c: Any, w: dict, kind: str) -> tuple:
    """Check both runs of a claim across runs; return (agent, misreported instance, its
    allocation)."""
    host, inst = _host(c), c.inst
    i = c.agent_arg(w, "agent")
    mis = _order(c, host.get(w, "misreport", "witness"), "witness.misreport")
    if mis == list(inst.tiers[i]):
        c.bad(f"{kind}.truthful", "witness.misreport", f"the misreport is agent {i}'s true "
                                                       f"preference")
    t_claim, t_w, tp, _ = _spec(w, "truthful", host)
    m_claim, m_w, mp, m = _spec(w, "misreported", host)
    if t_claim not in OUTCOME_PARAMETERS:
        raise host.Malformed(host.at(tp, "claim"), f"{t_claim!r} is not an outcome claim whose "
                             f"runs this checker compares (supported: "
                             f"{', '.join(OUTCOME_PARAMETERS)})", "unsupported.claim")
    if m_claim != t_claim:
        c.bad(f"{kind}.mechanism-differs", host.at(mp, "claim"),
              f"the misreported run is certified by {m_claim!r}, the truthful one by "
              f"{t_claim!r}: not the same mechanism")
    for key in OUTCOME_PARAMETERS[t_claim]:
        a, b = t_w.get(key), m_w.get(key)
        if not _same(a, b, host):
            c.bad(f"{kind}.parameters-differ", host.at(host.at(mp, "witness"), key),
                  f"parameter {key} differs between the two runs")
    for key, allowed in OUTCOME_DETERMINED.get(t_claim, {}).items():
        if t_w.get(key) not in allowed:
            c.bad(f"{kind}.outcome-not-determined", host.at(host.at(tp, "witness"), key),
                  f"{t_claim} with {key} {t_w.get(key)!r} does not determine the outcome "
                  f"(comparable runs need {key} in {', '.join(map(repr, allowed))})")
    mis_inst = _with_order(inst, i, mis)
    ap = host.at(mp, "allocation")
    mis_alloc = host.read_allocation(host.get(m, "allocation", mp, dict), mis_inst, ap)
    _nested(c, inst, c.alloc, t_claim, t_w, [("witness", host.at(tp, "witness"))])
    _nested(c, mis_inst, mis_alloc, m_claim, m_w,
            [("witness", host.at(mp, "witness")), ("outcome.allocation", ap),
             (f"instance.preferences.{i}", "witness.misreport")])
    return i, mis_inst, mis_alloc


def _manipulation(c: Any, w: dict, strong: bool) -> None:
    kind = "strong-manipulation" if strong else "manipulation"
    i, _, mis_alloc = _two_runs(c, w, kind)
    inst = c.inst
    ucs = c.ucs_arg(w, i, kind)
    before, after = inst.mass(c.alloc[i], ucs), inst.mass(mis_alloc[i], ucs)
    c.given(w, "truthful_mass", f"{kind}.mass-mismatch", f"mass of agent {i}'s truthful row on "
            f"{_host(c).show_set(ucs)}", before)
    c.given(w, "misreport_mass", f"{kind}.mass-mismatch", f"mass of agent {i}'s misreported "
            f"row on {_host(c).show_set(ucs)}", after)
    if not after > before:
        c.bad(f"{kind}.no-gain", "witness", f"misreporting gives agent {i} {after} on "
              f"{_host(c).show_set(ucs)}, not more than the truthful {before}")
    if strong:
        mine, theirs = inst.ucs_masses(i, c.alloc[i]), inst.ucs_masses(i, mis_alloc[i])
        for k, (x, y) in enumerate(zip(mine, theirs)):
            if y < x:
                c.bad("strong-manipulation.not-dominating", "witness.misreported.allocation",
                      f"on {inst.ucs(i, k)} agent {i} gets {y} by misreporting, {x} truthfully")
                break


def claim_manipulation(c: Any, w: dict) -> None:
    _manipulation(c, w, strong=False)


def claim_strong_manipulation(c: Any, w: dict) -> None:
    _manipulation(c, w, strong=True)


def claim_not_bounded_invariance(c: Any, w: dict) -> None:
    host, inst, kind = _host(c), c.inst, "not-bounded-invariance"
    i, mis_inst, mis_alloc = _two_runs(c, w, kind)
    o = host.label(host.get(w, "object", "witness"), inst.oidx, "witness.object", "object")
    truth, mis = inst.tiers[i], mis_inst.tiers[i]
    t = next((k for k, tier in enumerate(truth) if o in tier), None)
    if t is None:
        c.bad(f"{kind}.unacceptable", "witness.object", f"agent {i} does not list {o}")
        return
    if list(mis[:t + 1]) != list(truth[:t + 1]):
        c.bad(f"{kind}.upper-contour-differs", "witness.misreport",
              f"the misreport's tiers down to {o} differ from agent {i}'s true tiers")
    p = "witness.upper_contour_set"
    items = host.typed(host.get(w, "upper_contour_set", "witness"), list, p)
    ucs = {host.label(x, inst.oidx, host.at(p, k), "object") for k, x in enumerate(items)}
    if len(ucs) != len(items):
        raise host.Malformed(p, "an object appears twice")
    want = set().union(*truth[:t + 1])
    if ucs != want:
        c.bad(f"{kind}.not-ucs", p, f"{host.show_set(ucs)} is not U({o}) = {host.show_set(want)}"
                                    f" of agent {i}'s true order")
    j = c.agent_arg(w, "affected")
    before, after = c.alloc[j].get(o, host.ZERO), mis_alloc[j].get(o, host.ZERO)
    c.given(w, "truthful_amount", f"{kind}.amount-mismatch", f"agent {j}'s truthful amount of "
            f"{o}", before)
    c.given(w, "misreport_amount", f"{kind}.amount-mismatch", f"agent {j}'s amount of {o} "
            f"after the misreport", after)
    if before == after:
        c.bad(f"{kind}.unchanged", "witness.affected", f"agent {j} gets {before} of {o} in both "
                                                       f"runs")


def claim_outcomes_differ(c: Any, w: dict) -> None:
    host, inst, kind = _host(c), c.inst, "outcomes-differ"
    sp = "witness.second"
    second = host.get(w, "second", "witness", dict)
    ap = host.at(sp, "allocation")
    alloc2 = host.read_allocation(host.get(second, "allocation", sp, dict), inst, ap)
    c.feasible(alloc2, ap)
    i = c.agent_arg(w, "agent")
    o = host.label(host.get(w, "object", "witness"), inst.oidx, "witness.object", "object",
                   null_ok=True)
    a, b = inst.mass(c.alloc[i], [o]), inst.mass(alloc2[i], [o])
    c.given(w, "first_amount", f"{kind}.amount-mismatch", f"agent {i}'s amount of "
            f"{host.show(o)} in the first allocation", a)
    c.given(w, "second_amount", f"{kind}.amount-mismatch", f"agent {i}'s amount of "
            f"{host.show(o)} in the second allocation", b)
    if a == b:
        c.bad(f"{kind}.equal", "witness.object", f"agent {i} gets {a} of {host.show(o)} in both")
    for which, alloc, apath in (("first", c.alloc, "outcome.allocation"), ("second", alloc2, ap)):
        key = f"{which}_outcome"
        if w.get(key) is not None:
            claim, sw, p, _ = _spec(w, key, host)
            _nested(c, inst, alloc, claim, sw, [("witness", host.at(p, "witness")),
                                                ("outcome.allocation", apath)])
        key = f"{which}_properties"
        items = host.typed(w.get(key, []), list, host.at("witness", key))
        for k in range(len(items)):
            claim, sw, p, _ = _spec(items, k, host, host.at("witness", key))
            _nested(c, inst, alloc, claim, sw, [("witness", host.at(p, "witness")),
                                                ("outcome.allocation", apath)])


CLAIMS: dict = {
    "manipulation": claim_manipulation,
    "strong-manipulation": claim_strong_manipulation,
    "outcomes-differ": claim_outcomes_differ,
}

# Defined and tested, not yet active: no producer can emit it.  Its two runs must be certified
# by an outcome claim of OUTCOME_PARAMETERS, and the only one, ps.outcome, belongs to a
# mechanism that satisfies bounded invariance (every simultaneous eating algorithm does: an
# agent eats the same objects of U(o) until U(o) is used up, whatever she ranks below).  Move
# it into CLAIMS together with the first outcome claim of a mechanism that can violate it
# (e.g. eps, which the search shows is not boundedly invariant).
DORMANT_CLAIMS: dict = {"not-bounded-invariance": claim_not_bounded_invariance}
