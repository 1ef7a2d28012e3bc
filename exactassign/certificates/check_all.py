"""The conjunction claim ``all``: several claims about one instance and one outcome.

Standard library only; a plugin of ``check.py`` (listed in its ``PLUGINS``, loaded by path), and
like ``check_strategy.py`` it reaches the host's helpers (``Checker``, ``Malformed``, ``CLAIMS``,
...) through the module of the checker object, so it never imports the package or ``check.py``.

A paper's counterexample is often a conjunction: the seed's Theorem 1 assignment is a
sequential-pseudomarket outcome *and* in the weak core *and* not ex-ante Pareto optimal; an
allocation found with ``search --given weak-core`` violates one property while satisfying
another.  One certificate document then carries every part.  Witness::

    {"claims": [{"claim": C1, "witness": W1}, {"claim": C2, "witness": W2}, ...]}

Checked: at least two parts, no part is ``all`` itself, every part is a claim the host checker
supports, no part is repeated (the same claim may appear twice with different witnesses: a
witness can select the claim's reading, e.g. ``sp.decomposition`` with free incomes and with
``"budgets": "equal"``), and every part holds for the envelope's ``instance`` and
``outcome.allocation`` (each part is checked exactly as if it were a certificate of its own with
that instance, outcome and witness).  Violations inside part k are reported under
``witness.claims[k].witness...``; a malformed part makes the whole document malformed.  The
verdict is valid only if every part is.
"""
from __future__ import annotations

import json
import sys
from typing import Any

__all__ = ["CLAIMS"]


def _host(c: Any) -> Any:
    """The checker module that created ``c`` (check.py, under whatever name it was loaded)."""
    return sys.modules[type(c).__module__]


def _moved(path: str, prefix: str) -> str:
    """A nested part's path ``witness...`` as a path of the conjunction document."""
    if path == "witness" or path.startswith(("witness.", "witness[")):
        return prefix + path[len("witness"):]
    return path


def claim_all(c: Any, w: dict) -> None:
    """Every part of ``witness.claims`` holds for the same instance and outcome."""
    host = _host(c)
    parts = host.get(w, "claims", "witness", list)
    if len(parts) < 2:
        raise host.Malformed("witness.claims", f"a conjunction needs at least two claims, got "
                                               f"{len(parts)}")
    seen = set()
    for k, part in enumerate(parts):
        path = host.at("witness.claims", k)
        host.typed(part, dict, path)
        claim = host.get(part, "claim", path, str)
        if claim == "all":
            raise host.Malformed(host.at(path, "claim"), "a part of a conjunction may not be a "
                                                         "conjunction")
        if claim not in host.CLAIMS:
            raise host.Malformed(host.at(path, "claim"), f"unsupported claim {claim!r} in a "
                                                         f"conjunction", "unsupported.claim")
        witness = host.get(part, "witness", path, dict)
        try:        # documents built in Python may hold Fractions (check.num reads them)
            key = (claim, json.dumps(witness, sort_keys=True, default=str))
        except (TypeError, ValueError, RecursionError):   # not JSON-like: no duplicate test
            key = (claim, id(witness))
        if key in seen:
            raise host.Malformed(host.at(path, "claim"), f"the part {claim!r} appears twice "
                                                         f"with the same witness")
        seen.add(key)
        sub = host.Checker(c.inst, c.alloc)
        doc = getattr(c, "doc", None)
        sub.doc = dict(doc, claim=claim, witness=witness) if isinstance(doc, dict) else None
        prefix = host.at(path, "witness")
        sub.feasible(c.alloc, "outcome.allocation")     # reported once, by the envelope
        known = len(sub.violations)
        try:
            host.CLAIMS[claim](sub, witness)
        except host.Malformed as exc:
            raise host.Malformed(_moved(exc.path, prefix), f"{claim}: {exc.message}",
                                 exc.code) from None
        for v in sub.violations[known:]:
            c.violations.append(host.Violation(v.code, _moved(v.path, prefix),
                                               f"{claim}: {v.message}"))


CLAIMS: dict = {"all": claim_all}
