"""The untrusted side of certificates: turning results and verdicts into certificate JSON.

The format is ``certificates/FORMAT.md``; the trusted side is ``check.py`` (standard library
only).  Nothing here is trusted: the checker re-verifies every claim from the instance, the
outcome and the witness.

>>> from exactassign.economy import Economy
>>> from exactassign import run
>>> e = Economy.create(["1", "2"], ["a", "b"], preferences={"1": ["a", "b"], "2": ["a", "b"]})
>>> cert = certify_result(e, run("ps", e))
>>> cert["claim"], cert["witness"]["phases"][0]["end"]
('ps.outcome', '1/2')
"""
from __future__ import annotations

from typing import Any

from .. import __version__
from ..allocation import Allocation
from ..errors import ParameterError
from ..io.json_io import economy_to_json
from ..numbers import canonical


__all__ = ["certificate", "certify_result", "certify_property", "conjunction",
           "CERTIFIABLE_MECHANISMS"]

CERTIFICATE_FORMAT = "exactassign.certificate"


def certificate(claim: str, economy: Any, allocation: Allocation, witness: dict, *,
                mechanism: str | None = None, params: dict | None = None,
                prop: str | None = None) -> dict:
    """The certificate envelope of FORMAT.md."""
    return {"format": CERTIFICATE_FORMAT, "version": 1, "claim": claim,
            "instance": economy_to_json(economy),
            "outcome": {"allocation": allocation.to_mapping()},
            "witness": witness,
            "producer": {"package": "exactassign", "version": __version__,
                         "mechanism": mechanism, "params": dict(params or {}),
                         "property": prop}}


def _ps_witness(economy: Any, result: Any) -> dict:
    w: dict[str, Any] = {"speeds": dict(result.info["speeds"])}
    if "tiebreak" in result.params:
        w["tiebreak"] = result.params["tiebreak"].split(",")
    w["phases"] = result.trace_json()
    return w


def _eps_witness(economy: Any, result: Any) -> dict:
    """eps.outcome: the phase trace without the solver statistics (``newton_iterations``:
    nothing to check); FORMAT.md, "eps.outcome"."""
    phases = []
    for ph in result.trace_json():
        ph = dict(ph)
        ph.pop("newton_iterations", None)
        phases.append(ph)
    return {"phases": phases}


def _egalitarian_witness(economy: Any, result: Any) -> dict:
    """egalitarian: the bottleneck sequence of the mechanism's trace (the claim certifies the
    first-tier profile; the fill-up of second tiers is not part of it); FORMAT.md."""
    from ..mechanisms.egalitarian import Bottleneck
    from ..properties.egalitarian import EgalitarianWitness
    seq = tuple(step for step in result.trace if isinstance(step, Bottleneck))
    profile = {a: b.level for b in seq for a in b.agents}
    return EgalitarianWitness(seq, {a: profile[a] for a in result.allocation.agents}).to_json()


def _btm_steps(steps: Any, rule: str) -> dict:
    """btm.outcome: the rule name and the step trace, each step as ``BTMStep.to_json()`` with
    the text of system (4) dropped (``equations``: derived) and the sources under ``supply``;
    FORMAT.md, "btm.outcome"."""
    out = []
    for s in steps:
        s = dict(s.to_json())
        s.pop("equations", None)
        s["supply"] = s.pop("sources")
        out.append(s)
    return {"rule": rule, "steps": out}


def _btm_witness(economy: Any, result: Any) -> dict:
    return _btm_steps(result.trace, result.params.get("rule", "equal"))


def _psext_witness(economy: Any, result: Any) -> dict:
    """ps-ext is the equal BTM on the house-allocation economy: its phases carry the BTM steps
    (the eating-time view is not part of the claim)."""
    return _btm_steps([ph.btm for ph in result.trace], "equal")


def _pseudomarket_witness(economy: Any, result: Any) -> dict:
    """hz.outcome / sp.outcome: per turn the group, its supply and budgets, the field Q(α) when
    a number is irrational, prices, amounts and each agent's (α_x, β_x) or satiation, every
    number rational or an element of the field; ``equal_budgets`` when every budget is the same;
    FORMAT.md, "hz.outcome and sp.outcome"."""
    turns = []
    for turn in result.trace:
        eq = turn.equilibrium
        K, (P, Q) = eq.numfield, eq.elements
        d: dict[str, Any] = {"group": list(turn.group),
                             "supply": {o: canonical(x) for o, x in turn.supply.items()},
                             "budgets": {a: canonical(b) for a, b in zip(eq.agents, eq.budgets)}}
        if eq.field_json() is not None:
            d["field"] = eq.field_json()
        d["prices"] = {o: eq.element_json(p) for o, p in zip(eq.objects, P)}
        d["amounts"] = {a: {o: eq.element_json(x) for o, x in zip(eq.objects, row)
                            if K.sign(x) != 0} for a, row in zip(eq.agents, Q)}
        d["alpha"] = {a: eq.element_json(s[0]) for a, s in zip(eq.agents, eq.support) if s}
        d["beta"] = {a: eq.element_json(s[1]) for a, s in zip(eq.agents, eq.support) if s}
        d["satiated"] = [a for a, s in zip(eq.agents, eq.support) if s is None]
        turns.append(d)
    budgets = {b for d in turns for b in d["budgets"].values()}
    # the hz/sp mechanisms' default (1 each) or any common budget: say so, the checker verifies
    return {"turns": turns, **({"equal_budgets": True} if len(budgets) == 1 else {})}


def _sd_witness(economy: Any, result: Any) -> dict:
    from .build_serial import sd_witness
    return sd_witness(economy, result)


def _rsd_witness(economy: Any, result: Any) -> dict:
    from .build_serial import rsd_witness
    return rsd_witness(economy, result)


CERTIFIABLE_MECHANISMS = {"ps": ("ps.outcome", _ps_witness),
                          "eps": ("eps.outcome", _eps_witness),
                          "egalitarian": ("egalitarian", _egalitarian_witness),
                          "btm": ("btm.outcome", _btm_witness),
                          "ps-ext": ("btm.outcome", _psext_witness),
                          "hz": ("hz.outcome", _pseudomarket_witness),
                          "sp": ("sp.outcome", _pseudomarket_witness),
                          "sd": ("sd.outcome", _sd_witness),
                          "rsd": ("rsd.outcome", _rsd_witness)}
"""mechanism -> (outcome claim, witness builder ``(economy, result) -> witness``)."""


def certify_result(economy: Any, result: Any) -> dict:
    """An outcome certificate for a mechanism result (its trace is the witness)."""
    entry = CERTIFIABLE_MECHANISMS.get(result.mechanism)
    if entry is None:
        raise ParameterError(f"no outcome certificate is defined for mechanism "
                             f"{result.mechanism!r} yet (certifiable: "
                             f"{', '.join(CERTIFIABLE_MECHANISMS)}); certify a property of its "
                             f"allocation with --property instead")
    claim, make = entry
    return certificate(claim, economy, result.allocation, make(economy, result),
                       mechanism=result.mechanism, params=dict(result.params))


def certify_property(economy: Any, allocation: Allocation, name: str) -> dict:
    """A certificate for the verdict of property ``name`` (positive or negative claim)."""
    from ..properties import evaluate
    r = evaluate(name, economy, allocation)
    if r.claim is None:
        detail = r.reason or "; ".join(r.witness.get("violations", []))
        raise ParameterError(f"cannot certify {name!r}: {detail}")
    return certificate(r.claim, economy, allocation, r.witness, prop=name)




def conjunction(*certificates: dict) -> dict:
    """One ``all`` certificate from certificates of the same instance and outcome (FORMAT.md,
    "all"; checked by ``check_all.py``): each part keeps its claim and witness, the envelope
    keeps the first part's producer with the parts' properties listed.

    >>> from exactassign.economy import Economy
    >>> from exactassign import run
    >>> e = Economy.create(["1", "2"], ["a", "b"], preferences={"1": ["a", "b"], "2": ["b", "a"]})
    >>> r = run("ps", e)
    >>> doc = conjunction(certify_result(e, r), certify_property(e, r.allocation, "envy-free"))
    >>> doc["claim"], [p["claim"] for p in doc["witness"]["claims"]]
    ('all', ['ps.outcome', 'envy-free'])
    """
    if len(certificates) < 2:
        raise ParameterError(f"a conjunction needs at least two certificates, got "
                             f"{len(certificates)}")
    first = certificates[0]
    for k, cert in enumerate(certificates[1:], 1):
        for key in ("instance", "outcome"):
            if cert[key] != first[key]:
                raise ParameterError(f"certificate {k} ({cert['claim']}) has a different "
                                     f"{key} from certificate 0 ({first['claim']})")
    producer = dict(first["producer"])
    producer["property"] = [c["producer"].get("property") for c in certificates]
    return {"format": CERTIFICATE_FORMAT, "version": 1, "claim": "all",
            "instance": first["instance"], "outcome": first["outcome"],
            "witness": {"claims": [{"claim": c["claim"], "witness": c["witness"]}
                                   for c in certificates]},
            "producer": producer}
