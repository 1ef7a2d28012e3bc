"""Counterexample search: look for economies where a mechanism's outcome violates a property.

The engine behind ``exactassign search PROPERTY --mechanism M`` (formats.md, "Command line").
Pieces, each usable alone:

* :mod:`.domains` -- :class:`Domain`: strict / weak / dichotomous preferences or valuations,
  complete or incomplete lists, house allocation, house allocation as an FEE economy, random
  FEE endowments, housing markets; sizes and number ranges; exhaustive enumeration for tiny
  sizes and a seeded random stream beyond, both indexable;
* :mod:`.targets` -- :class:`Target`: a property of M's outcomes (any registered property,
  plus ``strategy-proof``, ``weakly-strategy-proof`` and ``bounded-invariance``), or a
  comparison ``--differs-from M2``, with optional ``--given`` preconditions;
* :mod:`.run` -- :func:`search`: inline, a local process pool (``workers``) or a Dask cluster
  (``dask=ADDRESS``); time or instance budget; progress bar; reproducible (the smallest index
  wins);
* :mod:`.shrink` -- delta debugging to a locally minimal counterexample;
* :mod:`.store` -- certificate documents with provenance in ``counterexamples/``, its README
  table, and regeneration for the drift test.

>>> r = find("strategy-proof", "ps", agents=3, budget="300", progress=False)
>>> r.status, r.finding.certificate["claim"], (r.finding.shrunk.n, r.finding.shrunk.m)
('found', 'manipulation', (3, 3))
>>> find("sd-efficient", "ps", agents="2-3", budget="500", progress=False).status
'exhausted'
"""
from __future__ import annotations

from typing import Any

from .domains import DEFAULT_DOMAINS, Domain, default_domain, parse_range
from .run import Budget, Finding, SearchReport, parse_budget, search
from .targets import DIFFERS, Target, all_property_names

__all__ = ["Domain", "Target", "Budget", "SearchReport", "Finding", "search", "find",
           "default_domain", "DEFAULT_DOMAINS", "parse_budget", "all_property_names", "DIFFERS"]


def find(prop: str | None, mechanism: str, *, params: dict | None = None,
         differs_from: str | None = None, differs_params: dict | None = None,
         given: tuple = (), agents: Any = None, objects: Any = None,
         preferences: str | None = None, model: str | None = None,
         complete: bool | None = None, supply: str | None = None, values: int | None = None,
         budget: Any = None, **kw: Any) -> SearchReport:
    """Convenience: build the target and the mechanism's default domain (with overrides) and
    :func:`search` it.  ``budget``: a :class:`Budget` or its text (``"500"``, ``"30s"``)."""
    target = Target(prop if prop not in (None, "") else DIFFERS, mechanism, params or {},
                    differs_from, differs_params or {}, tuple(given))
    domain = default_domain(mechanism, preferences=preferences, model=model,
                            complete=complete, supply=supply, values=values,
                            agents=parse_range(agents, "agents"),
                            objects=parse_range(objects, "objects"))
    if not isinstance(budget, Budget):
        budget = parse_budget(budget)
    return search(target, domain, budget=budget, **kw)
