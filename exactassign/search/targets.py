"""What a search looks for: a :class:`Target` says when an economy is a counterexample.

Three kinds, all reaching the registries by name, so every mechanism in
``exactassign.mechanisms.REGISTRY`` and every property in ``exactassign.properties.PROPERTIES``
or ``MECHANISM_PROPERTIES`` plugs in without changes here:

* an **allocation property** P of mechanism M's outcome (``search sd-efficient --mechanism
  rsd``): a counterexample is an economy where P fails for M's outcome;
* a **mechanism property** (``strategy-proof``, ``weakly-strategy-proof``,
  ``bounded-invariance``): a counterexample is an economy where some agent's misreport (from the
  domain's preference space) violates it;
* a **comparison** (``--differs-from M2``): an economy where M and M2 give different outcomes.

``given`` adds preconditions: allocation properties that M's outcome must satisfy for the
economy to count (``search ex-ante-po --mechanism ps --given weak-core``: an outcome in the weak
core that is not PO).  Economies outside a mechanism's domain (``DomainError``), beyond an exact
algorithm's limit (``LimitExceeded``) or where a property does not apply are *skipped*.

:meth:`Target.status` is the fast test used by the workers; :meth:`Target.certify` recomputes
the verdict on one economy and returns the certificate document (``certificates/FORMAT.md``;
the claims across runs are in ``certificates/check_strategy.py``), or why there is none.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import DomainError, LimitExceeded, ParameterError

__all__ = ["Target", "HOLDS", "VIOLATED", "SKIPPED", "DIFFERS", "DIFFERS_PROPERTIES",
           "all_property_names"]

HOLDS, VIOLATED, SKIPPED = "holds", "violated", "skipped"
DIFFERS = "differs"
# positive claims attached to both allocations of an outcomes-differ certificate (when they hold)
DIFFERS_PROPERTIES = ("sd-efficient", "envy-free")


def all_property_names() -> list[str]:
    """Every property a search can target (allocation properties, then mechanism properties)."""
    from ..properties import MECHANISM_PROPERTIES, PROPERTIES
    return [*PROPERTIES, *MECHANISM_PROPERTIES]


def _params(p: Any) -> tuple[tuple[str, str], ...]:
    if not p:
        return ()
    items = p.items() if isinstance(p, dict) else p
    return tuple(sorted((str(k), str(v)) for k, v in items))


@dataclass(frozen=True)
class Target:
    """A property of a mechanism's outcomes (or a comparison) to find counterexamples to."""

    property: str
    mechanism: str
    params: tuple[tuple[str, str], ...] = ()
    other: str | None = None
    other_params: tuple[tuple[str, str], ...] = ()
    given: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _params(self.params))
        object.__setattr__(self, "other_params", _params(self.other_params))
        object.__setattr__(self, "given", tuple(self.given))

    # -- validation and description ---------------------------------------------------------
    def validate(self) -> Target:
        """Raise :class:`ParameterError` for unknown mechanisms, properties or parameters."""
        from ..mechanisms import get_mechanism
        from ..properties import MECHANISM_PROPERTIES, PROPERTIES
        for name, params in ((self.mechanism, self.params), (self.other, self.other_params)):
            if name is None:
                continue
            mech = get_mechanism(name)
            unknown = [k for k, _ in params if k not in mech.param_help]
            if unknown:
                raise ParameterError(f"mechanism {name!r} has no parameter {unknown[0]!r} "
                                     f"(known: {', '.join(mech.param_help) or 'none'})")
        if self.property == DIFFERS:
            if self.other is None:
                raise ParameterError("a 'differs' search needs --differs-from MECHANISM")
        else:
            if self.other is not None:
                raise ParameterError("--differs-from compares outcomes: give no PROPERTY (or "
                                     "'differs')")
            if self.property not in PROPERTIES and self.property not in MECHANISM_PROPERTIES:
                raise ParameterError(f"unknown property {self.property!r} (searchable: "
                                     f"{', '.join(all_property_names())}, or --differs-from)")
        for g in self.given:
            if g not in PROPERTIES:
                raise ParameterError(f"--given {g!r}: not an allocation property (known: "
                                     f"{', '.join(PROPERTIES)})")
        return self

    @property
    def kind(self) -> str:
        from ..properties import MECHANISM_PROPERTIES
        if self.property == DIFFERS:
            return "differs"
        return "mechanism" if self.property in MECHANISM_PROPERTIES else "allocation"

    def directory(self) -> str:
        """The counterexamples/ subdirectory for this target."""
        return f"differs-from-{self.other}" if self.property == DIFFERS else self.property

    def describe(self) -> str:
        def mech(name: str, params: tuple) -> str:
            return name + (f"({', '.join(f'{k}={v}' for k, v in params)})" if params else "")
        if self.property == DIFFERS:
            text = f"{mech(self.mechanism, self.params)} differs from " \
                   f"{mech(self.other or '?', self.other_params)}"
        else:
            text = f"{self.property} of {mech(self.mechanism, self.params)}"
        if self.given:
            text += f" given {', '.join(self.given)}"
        return text

    def to_json(self) -> dict:
        out: dict[str, Any] = {"property": self.property, "mechanism": self.mechanism,
                               "params": dict(self.params)}
        if self.other is not None:
            out["differs_from"] = self.other
            out["differs_from_params"] = dict(self.other_params)
        if self.given:
            out["given"] = list(self.given)
        return out

    @classmethod
    def from_json(cls, d: dict) -> Target:
        return cls(d["property"], d["mechanism"], _params(d.get("params")),
                   d.get("differs_from"), _params(d.get("differs_from_params")),
                   tuple(d.get("given", ())))

    # -- evaluation -------------------------------------------------------------------------
    def _run(self, name: str, params: tuple, economy: Any) -> Any:
        from ..mechanisms import get_mechanism
        return get_mechanism(name).run(economy, dict(params))

    def _given_hold(self, economy: Any, allocation: Any) -> bool:
        from ..properties import evaluate
        return all(evaluate(g, economy, allocation).holds is True for g in self.given)

    def status(self, economy: Any, domain: Any = None) -> str:
        """HOLDS, VIOLATED or SKIPPED for one economy (the workers' hot path)."""
        from ..properties import evaluate, evaluate_mechanism_property
        try:
            result = self._run(self.mechanism, self.params, economy)
        except (DomainError, LimitExceeded):
            return SKIPPED
        if not result.allocation.is_rational:    # properties need rational amounts
            return SKIPPED
        if self.given and not self._given_hold(economy, result.allocation):
            return SKIPPED
        kind = self.kind
        if kind == "differs":
            try:
                other = self._run(self.other, self.other_params, economy)
            except (DomainError, LimitExceeded):
                return SKIPPED
            return VIOLATED if other.allocation != result.allocation else HOLDS
        if kind == "mechanism":
            orders = domain.misreports(economy) if domain is not None else None
            try:
                r = evaluate_mechanism_property(self.property, self.mechanism, economy,
                                                dict(self.params), orders=orders,
                                                truthful=result)
            except DomainError:
                return SKIPPED
        else:
            r = evaluate(self.property, economy, result.allocation)
        if r.holds is None:
            return SKIPPED
        return HOLDS if r.holds else VIOLATED

    def certify(self, economy: Any, domain: Any = None) -> tuple[dict | None, str]:
        """(certificate document, note) for a counterexample economy.  The document is None
        when the economy is no counterexample or its verdict has no certificate; the note
        says why (or names the claim)."""
        from ..certificates.build import certificate
        from ..properties import evaluate, evaluate_mechanism_property
        result = self._run(self.mechanism, self.params, economy)
        alloc = result.allocation
        kw = {"mechanism": self.mechanism, "params": dict(self.params)}
        if self.given and not self._given_hold(economy, alloc):
            return None, f"the outcome does not satisfy {', '.join(self.given)}"
        if self.kind == "differs":
            other = self._run(self.other, self.other_params, economy)
            if other.allocation == alloc:
                return None, f"{self.mechanism} and {self.other} give the same outcome"
            return certificate("outcomes-differ", economy, alloc,
                               self._differs_witness(economy, result, other), **kw,
                               prop=DIFFERS), "outcomes-differ"
        if self.kind == "mechanism":
            orders = domain.misreports(economy) if domain is not None else None
            r = evaluate_mechanism_property(self.property, self.mechanism, economy,
                                            dict(self.params), orders=orders, truthful=result)
        else:
            r = evaluate(self.property, economy, alloc)
        if r.holds is not False:
            return None, f"{self.property} {'holds' if r.holds else 'does not apply'}"
        if r.claim is None:
            return None, r.reason or f"the violation of {self.property} has no certificate"
        from ..certificates import check
        if r.claim not in check.CLAIMS:
            return None, (f"the standard-library checker does not support the claim "
                          f"{r.claim!r} (yet): the violation is reported without a certificate")
        doc = certificate(r.claim, economy, alloc, r.witness, **kw, prop=self.property)
        return self._with_given(doc, economy, alloc), r.claim

    def _with_given(self, doc: dict, economy: Any, alloc: Any) -> dict:
        """The violation certificate and a certificate of each ``given`` property in one
        conjunction (claim ``all``, ``check_all.py``), so the checker verifies the
        preconditions too; a given property without a supported claim is left to
        regeneration."""
        from ..certificates import check
        from ..certificates.build import conjunction, certify_property
        from ..errors import ParameterError
        parts = [doc]
        for g in self.given:
            try:
                part = certify_property(economy, alloc, g)
            except ParameterError:
                continue
            if part["claim"] in check.CLAIMS and part["claim"] != doc["claim"]:
                parts.append(part)
        if len(parts) == 1:
            return doc
        out = conjunction(*parts)
        out["producer"]["property"] = self.property
        return out

    def _differs_witness(self, economy: Any, first: Any, second: Any) -> dict:
        from ..numbers import canonical
        from ..properties import evaluate
        from ..properties.strategy import outcome_witness
        p, q = first.allocation, second.allocation
        i, k = next((i, k) for i in range(economy.n) for k in range(economy.m)
                    if p.rows[i][k] != q.rows[i][k])
        w: dict[str, Any] = {"mechanisms": [self.mechanism, self.other],
                             "agent": economy.agents[i], "object": economy.objects[k],
                             "first_amount": canonical(p.rows[i][k]),
                             "second_amount": canonical(q.rows[i][k]),
                             "second": {"allocation": q.to_mapping()}}
        for which, res in (("first", first), ("second", second)):
            ow = outcome_witness(economy, res)
            if ow is not None:
                w[f"{which}_outcome"] = {"claim": ow[0], "witness": ow[1]}
            held = []
            for name in DIFFERS_PROPERTIES:
                r = evaluate(name, economy, res.allocation)
                if r.holds and r.claim is not None:
                    held.append({"claim": r.claim, "witness": r.witness})
            w[f"{which}_properties"] = held
        return w
