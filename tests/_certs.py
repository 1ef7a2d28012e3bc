"""Shared helpers for certificate tests: single-number mutations of a certificate; checking a
document after a JSON round trip."""
from __future__ import annotations

import copy
import json
from fractions import Fraction


def verdict(doc: dict):
    """The standard-library checker's report on ``doc`` (after a JSON round trip)."""
    from exactassign.certificates import check
    return check.check_certificate(json.loads(json.dumps(doc)))


def assert_valid(doc: dict) -> dict:
    report = verdict(doc)
    assert report.verdict == "valid", [v.as_dict() for v in report.violations]
    return doc


def numeric_mutations(doc: dict, delta: Fraction = Fraction(1, 7)):
    """Yield (path, mutated copy) for every exact-number string in ``outcome`` and ``witness``,
    each changed by ``delta`` (one at a time)."""
    def walk(node, path):
        if isinstance(node, dict):
            for k, v in node.items():
                yield from walk(v, path + [k])
        elif isinstance(node, list):
            for k, v in enumerate(node):
                yield from walk(v, path + [k])
        elif isinstance(node, str) and node and all(c in "0123456789/-" for c in node):
            yield path
    for root in ("outcome", "witness"):
        for path in walk(doc.get(root, {}), [root]):
            mutated = copy.deepcopy(doc)
            node = mutated
            for k in path[:-1]:
                node = node[k]
            node[path[-1]] = str(Fraction(node[path[-1]]) + delta)
            yield path, mutated
