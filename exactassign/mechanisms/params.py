"""Reading ``--param KEY=VALUE`` strings into typed mechanism arguments.

>>> from exactassign.economy import Economy
>>> e = Economy.create(["x", "y"], ["a", "b"], preferences={"x": ["a"], "y": ["b"]})
>>> agent_values(e, "1,1/2", "speeds")
{'x': 1, 'y': 1/2}
>>> agent_values(e, "y:2", "speeds", default=1)
{'x': 1, 'y': 2}
>>> object_list(e, "b,a", "tiebreak")
('b', 'a')
"""
from __future__ import annotations

from typing import Any

from flint import fmpq

from ..errors import NumberError, ParameterError
from ..numbers import parse

__all__ = ["agent_values", "object_list", "agent_list", "first_repeat"]


def first_repeat(items: Any) -> Any:
    """The first label that occurs a second time in ``items``, or ``None``.

    >>> first_repeat(["a", "b", "c", "b", "a"]), first_repeat(["a"])
    ('b', None)
    """
    seen = set()
    for x in items:
        if x in seen:
            return x
        seen.add(x)
    return None


def _items(text: str) -> list[str]:
    return [t.strip() for t in text.split(",")]


def agent_values(economy: Any, text: str, name: str, default: Any = None) -> dict[str, fmpq]:
    """``"v1,v2,..."`` (one per agent, in economy order) or ``"agent:v,agent:v"`` (the others
    get ``default``; without a default every agent must be named)."""
    items = _items(text)
    out: dict[str, fmpq] = {}
    try:
        if any(":" in t for t in items):
            for t in items:
                a, sep, v = t.rpartition(":")
                if not sep or a not in economy.agent_index:
                    raise ParameterError(f"--param {name}: {t!r} does not name an agent "
                                         f"(write agent:value)")
                if a in out:
                    raise ParameterError(f"--param {name}: agent {a!r} given twice")
                out[a] = parse(v, f"--param {name} for agent {a!r}")
            missing = [a for a in economy.agents if a not in out]
            if missing and default is None:
                raise ParameterError(f"--param {name}: no value for agent {missing[0]!r}")
            for a in missing:
                out[a] = parse(default)
            return {a: out[a] for a in economy.agents}
        if len(items) != economy.n:
            raise ParameterError(f"--param {name}: {len(items)} values for {economy.n} agents "
                                 f"(give one per agent in order, or agent:value pairs)")
        return {a: parse(v, f"--param {name} for agent {a!r}")
                for a, v in zip(economy.agents, items)}
    except NumberError as exc:
        raise ParameterError(str(exc)) from None


def object_list(economy: Any, text: str, name: str) -> tuple[str, ...]:
    """A comma-separated list of distinct known object labels."""
    items = _items(text)
    for o in items:
        if o not in economy.object_index:
            raise ParameterError(f"--param {name}: unknown object {o!r}")
    twice = first_repeat(items)
    if twice is not None:
        raise ParameterError(f"--param {name}: object {twice!r} is listed twice")
    return tuple(items)


def agent_list(economy: Any, text: str, name: str) -> tuple[str, ...]:
    """A comma-separated list of distinct known agent labels."""
    items = _items(text)
    for a in items:
        if a not in economy.agent_index:
            raise ParameterError(f"--param {name}: unknown agent {a!r}")
    twice = first_repeat(items)
    if twice is not None:
        raise ParameterError(f"--param {name}: agent {twice!r} is listed twice")
    return tuple(items)
