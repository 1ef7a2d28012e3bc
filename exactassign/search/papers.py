"""Counterexamples stated in the papers: fixed instances, certified as conjunctions.

The search engine re-finds counterexamples from scratch (:mod:`.catalogue`); some belong in
``counterexamples/`` because a paper states them, on one given instance.  Each
:class:`PaperCounterexample` names the instance, the assignment and the properties to certify,
the refuted one first; :func:`document` certifies each property of the assignment and joins
the certificates in one ``all`` conjunction (``certificates/check_all.py``), written to
``counterexamples/<directory>/paper__<name>.json``.  ``producer.paper`` records the entry and
its reference; regeneration (``certificates/regenerate.py``) re-certifies every part.

>>> doc = document(PAPERS[0])
>>> doc["claim"], [part["claim"] for part in doc["witness"]["claims"]]
('all', ['ex-ante.not-po', 'sp.decomposition', 'core.weak', 'sp.decomposition'])
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

__all__ = ["PaperCounterexample", "PAPERS", "document", "filename", "write_all"]

SEQ = "the sequential-pseudomarket paper (seed 000)"


@dataclass(frozen=True)
class PaperCounterexample:
    """One counterexample of a paper: ``properties`` are certified in order (the first is the
    property the example refutes and names the directory)."""

    name: str
    reference: str
    economy: Callable[[], Any]
    allocation: Callable[[Any], Any]
    properties: tuple[str, ...]

    @property
    def directory(self) -> str:
        return self.properties[0]


def _two_agents() -> Any:
    from ..economy import Economy
    return Economy.create(["x", "y"], ["i", "j"],
                          valuations={"x": {"i": 1, "j": 1}, "y": {"i": 1, "j": 0}})


def _two_agents_q(e: Any) -> Any:
    from ..allocation import Allocation
    return Allocation.from_mapping(e, {"x": {"i": 1}, "y": {"j": 1}}, "paper allocation")


def _proofs() -> Path:
    return Path(__file__).resolve().parents[2] / "proofs" / "theorem1"


def _theorem1() -> Any:
    from ..io.json_io import parse_economy
    return parse_economy((_proofs() / "economy.json").read_text(encoding="utf-8"),
                         "proofs/theorem1/economy.json")


def _theorem1_q(e: Any) -> Any:
    from ..io.json_io import parse_allocation
    return parse_allocation((_proofs() / "Q.json").read_text(encoding="utf-8"), e,
                            "proofs/theorem1/Q.json")


PAPERS: list[PaperCounterexample] = [
    PaperCounterexample(
        "seed000-two-agents",
        SEQ + ", after Theorem 2: two agents, x indifferent between i and j, y wants i; x "
        "picks i in the first turn and y gets j, which is not Pareto optimal. Under the "
        "seed's equilibrium definition (free incomes; a satiated agent imposes no price "
        "condition) the assignment is even a one-turn SP outcome (exactassign/decompose.py), "
        "and it is in the weak core (Theorem 3). With the sp mechanism's equal budgets "
        "(HZ's cheapest-bundle rule binds the satiated x) it is an SP outcome only for "
        "[x][y], as the seed reads it",
        _two_agents, _two_agents_q,
        ("ex-ante-po", "sp-outcome", "weak-core", "sp-outcome-equal-budgets")),
    PaperCounterexample(
        "seed000-theorem1",
        SEQ + ", Theorem 1 instance (shared/spec/pseudomarkets.md §1): Q is an SP outcome "
        "for [x1, x2, y1, y2][z] and in the weak core, but contrary to the seed it is not "
        "ex-ante Pareto optimal (a three-way trade makes z better off). The same partition "
        "works with equal budgets, i.e. Q is an outcome of the sp mechanism (prices (2, 1, 0, "
        "0) scaled to budget 1)",
        _theorem1, _theorem1_q,
        ("ex-ante-po", "sp-outcome", "weak-core", "sp-outcome-equal-budgets")),
]


def document(entry: PaperCounterexample) -> dict:
    """The certified conjunction of ``entry`` (every property's verdict must certify)."""
    from ..certificates.build import certify_property, conjunction
    e = entry.economy()
    q = entry.allocation(e)
    doc = conjunction(*(certify_property(e, q, p) for p in entry.properties))
    doc["producer"]["paper"] = {"name": entry.name, "reference": entry.reference}
    return doc


def filename(doc: dict) -> Path:
    """``<refuted property>/paper__<name>.json`` (relative to the counterexamples root)."""
    props = doc["producer"]["property"]
    return Path(props[0]) / f"paper__{doc['producer']['paper']['name']}.json"


def write_all(root: str | Path) -> list[Path]:
    """Write every paper counterexample under ``root``; returns the paths."""
    from ..io.json_io import dumps_canonical
    out = []
    for entry in PAPERS:
        doc = document(entry)
        path = Path(root) / filename(doc)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dumps_canonical(doc), encoding="utf-8")
        out.append(path)
    return out
