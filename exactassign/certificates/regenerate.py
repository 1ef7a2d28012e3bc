"""Regenerating a certificate from its own instance, to catch drift in the producers.

A stored certificate names what produced it (``producer.mechanism`` with ``params``, or
``producer.property``).  :func:`regenerate` recomputes it from the instance (and, for a
property, the stored allocation) with the current code; :func:`drift` compares the two JSON
documents, ignoring only the producer's package version.

>>> from exactassign.economy import Economy
>>> from exactassign import run
>>> from exactassign.certificates.build import certify_result
>>> e = Economy.create(["1", "2"], ["a", "b"], preferences={"1": ["a", "b"], "2": ["a", "b"]})
>>> cert = certify_result(e, run("ps", e))
>>> drift(cert, regenerate(cert))
[]
"""
from __future__ import annotations

import json
from typing import Any

from ..allocation import Allocation
from ..errors import FormatError
from ..io.json_io import economy_from_json

__all__ = ["regenerate", "drift"]


def regenerate(cert: dict) -> dict:
    """Recompute a certificate from its instance with the current producers."""
    from ..mechanisms import get_mechanism
    from .build import certify_property, certify_result
    producer = cert.get("producer") or {}
    if producer.get("search") is not None:   # counterexamples/: re-derived by the search engine
        from ..search.store import regenerate as regenerate_counterexample
        return regenerate_counterexample(cert)
    economy = economy_from_json(cert["instance"], "certificate instance")
    if cert.get("claim") == "all":
        return _regenerate_conjunction(cert, economy)
    if producer.get("mechanism") and not producer.get("property"):
        params = {k: str(v) for k, v in (producer.get("params") or {}).items()}
        result = get_mechanism(producer["mechanism"]).run(economy, params)
        return certify_result(economy, result)
    if producer.get("property"):
        allocation = Allocation.from_mapping(economy, cert["outcome"]["allocation"],
                                             "certificate outcome")
        return certify_property(economy, allocation, producer["property"])
    raise FormatError("certificate names neither a producing mechanism nor a property")


def _regenerate_conjunction(cert: dict, economy: Any) -> dict:
    """An ``all`` document: each part from its own producer (``producer.property`` lists the
    parts' properties, None for the mechanism's outcome claim), merged again; the producer's
    free-text fields (``source``, ``note``, ``paper``) are kept."""
    from ..mechanisms import get_mechanism
    from .build import certify_property, certify_result, conjunction
    producer = cert.get("producer") or {}
    props = producer.get("property")
    parts = cert["witness"]["claims"]
    if not isinstance(props, list) or len(props) != len(parts):
        raise FormatError("an 'all' certificate lists one producing property per part in "
                          "producer.property (null: the mechanism's outcome claim)")
    allocation = Allocation.from_mapping(economy, cert["outcome"]["allocation"],
                                         "certificate outcome")
    new = []
    for prop in props:
        if prop:
            new.append(certify_property(economy, allocation, prop))
        else:
            params = {k: str(v) for k, v in (producer.get("params") or {}).items()}
            result = get_mechanism(producer["mechanism"]).run(economy, params)
            new.append(certify_result(economy, result))
    out = conjunction(*new)
    out["producer"].update({k: producer[k] for k in ("source", "note", "paper")
                            if k in producer})
    return out


def _normal(doc: dict) -> dict:
    doc = json.loads(json.dumps(doc))
    doc.get("producer", {}).pop("version", None)
    return doc


def drift(old: dict, new: dict) -> list[str]:
    """Paths where two certificates differ (empty: no drift); numbers compared as text."""
    out: list[str] = []

    def walk(a: Any, b: Any, path: str) -> None:
        if isinstance(a, dict) and isinstance(b, dict):
            for k in sorted(set(a) | set(b)):
                if k not in a or k not in b:
                    out.append(f"{path}.{k}: {'missing' if k not in b else 'added'}")
                else:
                    walk(a[k], b[k], f"{path}.{k}")
        elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for k, (x, y) in enumerate(zip(a, b)):
                walk(x, y, f"{path}[{k}]")
        elif a != b:
            out.append(f"{path}: {json.dumps(a)[:80]} -> {json.dumps(b)[:80]}")

    walk(_normal(old), _normal(new), "$")
    return out
