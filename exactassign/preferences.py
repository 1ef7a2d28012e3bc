"""Weak orders over objects: indifference tiers, unacceptable objects, upper contour sets.

A weak order is a tuple of non-empty, pairwise disjoint frozensets of object labels, best tier
first (formats.md, "Economy file").  Objects in no tier are unacceptable: the agent prefers the
outside option (getting nothing) to them.  sd-comparisons (Bogomolnaia and Moulin 2001, Def. of
stochastic dominance; Katta and Sethuraman 2006 for weak orders) need one upper contour set per
tier, which :func:`upper_contour_sets` returns.

>>> order = parse_weak_order([["a", "b"], "c"], {"a", "b", "c", "d"}, "agent 1")
>>> [sorted(t) for t in order]
[['a', 'b'], ['c']]
>>> is_strict(order), sorted(acceptable(order))
(False, ['a', 'b', 'c'])
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .errors import EconomyError
from .numbers import ExactDecimal

WeakOrder = tuple[frozenset[str], ...]

__all__ = [
    "WeakOrder", "parse_weak_order", "to_json", "is_strict", "acceptable", "rank_map",
    "upper_contour_sets", "from_valuations", "break_ties", "restrict", "strict_order",
]


def parse_weak_order(entries: Any, objects: Iterable[str] | set[str], where: str,
                     singletons: Mapping[str, frozenset[str]] | None = None) -> WeakOrder:
    """Validate a JSON weak order (entries: a label, or a list of labels for a tie).

    Raises :class:`EconomyError` naming ``where`` (e.g. ``"agent 3"``) and the object.
    ``singletons`` optionally maps each object to a shared ``frozenset({object})`` so that
    economies with many strict orders share their tiers (frozensets are immutable).
    """
    known = objects if isinstance(objects, (set, frozenset)) else set(objects)
    if not isinstance(entries, list):
        raise EconomyError(f"{where}: preferences must be a list of objects or tiers, "
                           f"got {type(entries).__name__}")
    if all(type(e) is str for e in entries) and len(set(entries)) == len(entries) \
            and known.issuperset(entries):
        if singletons is not None:
            return tuple(map(singletons.__getitem__, entries))  # fast path: a strict order
        return tuple(frozenset((e,)) for e in entries)
    seen: set[str] = set()
    tiers = []
    for k, entry in enumerate(entries):
        tier = [entry] if isinstance(entry, str) else entry
        if not isinstance(tier, list) or not tier:
            raise EconomyError(f"{where}: preference entry {k + 1} must be an object label or a "
                               f"non-empty list of labels, got {entry!r}")
        for obj in tier:
            if not isinstance(obj, str) or isinstance(obj, ExactDecimal):
                raise EconomyError(f"{where}: preference entry {k + 1} contains {obj!r}, "
                                   f"which is not an object label")
            if obj not in known:
                raise EconomyError(f"{where}: preferences name unknown object {obj!r}")
            if obj in seen:
                raise EconomyError(f"{where}: object {obj!r} appears more than once "
                                   f"in the preferences")
            seen.add(obj)
        tiers.append(frozenset(tier))
    return tuple(tiers)


def to_json(order: WeakOrder, object_order: Mapping[str, int]) -> list:
    """JSON form: singletons as labels, ties as lists sorted in the economy's object order."""
    out: list = []
    for tier in order:
        if len(tier) == 1:
            out.append(next(iter(tier)))
        else:
            out.append(sorted(tier, key=object_order.__getitem__))
    return out


def is_strict(order: WeakOrder) -> bool:
    """True when every tier is a single object."""
    return sum(map(len, order)) == len(order)


def acceptable(order: WeakOrder) -> frozenset[str]:
    """The objects the agent ranks (all others are unacceptable)."""
    return frozenset().union(*order) if order else frozenset()


def rank_map(order: WeakOrder) -> dict[str, int]:
    """Object -> tier index (0 = best).  Unacceptable objects are absent.

    >>> rank_map((frozenset("a"), frozenset("bc")))["c"]
    1
    """
    return {obj: k for k, tier in enumerate(order) for obj in tier}


def upper_contour_sets(order: WeakOrder) -> list[frozenset[str]]:
    """The upper contour sets U(o) = {o' : o' ≿ o}, one per tier, from the top tier down.

    p sd-dominates p' for the agent iff p puts at least as much on each of these sets.

    >>> [sorted(u) for u in upper_contour_sets((frozenset("a"), frozenset("bc")))]
    [['a'], ['a', 'b', 'c']]
    """
    out, acc = [], frozenset()
    for tier in order:
        acc = acc | tier
        out.append(acc)
    return out


def from_valuations(values: Mapping[str, Any]) -> WeakOrder:
    """The weak order of a vNM valuation: higher value first, equal values tied.

    Every valued object is acceptable (pseudomarket agents take a full unit).

    >>> [sorted(t) for t in from_valuations({"a": 3, "b": 1, "c": 3})]
    [['a', 'c'], ['b']]
    """
    groups: dict[Any, set[str]] = {}
    for obj, v in values.items():
        groups.setdefault(v, set()).add(obj)
    return tuple(frozenset(groups[v]) for v in sorted(groups, reverse=True))


def restrict(order: WeakOrder, keep: set[str] | frozenset[str]) -> WeakOrder:
    """The order restricted to ``keep`` (empty tiers dropped)."""
    return tuple(t for t in (tier & keep for tier in order) if t)


def break_ties(order: WeakOrder, tiebreak: Sequence[str]) -> WeakOrder:
    """Split every tie by the position of its objects in ``tiebreak`` (a list of all objects).

    >>> break_ties((frozenset("ab"), frozenset("c")), ["b", "a", "c"])
    (frozenset({'b'}), frozenset({'a'}), frozenset({'c'}))
    """
    pos = {obj: k for k, obj in enumerate(tiebreak)}
    out: list[frozenset[str]] = []
    for tier in order:
        out.extend(frozenset([o]) for o in sorted(tier, key=pos.__getitem__))
    return tuple(out)


def strict_order(order: WeakOrder) -> tuple[str, ...]:
    """The objects of a strict order, best first (the caller checks :func:`is_strict`)."""
    return tuple(next(iter(t)) for t in order)
