"""What every mechanism returns, and the registry of mechanisms by name.

A mechanism is a pure function ``economy, **params -> MechanismResult``.  The result is frozen
and records the mechanism, its parameters (canonical strings), the exact allocation and a
replayable trace (a tuple of mechanism-specific frozen step records with ``to_json()``), in the
spirit of pygambit's solver results (architecture.md).  The command line reaches mechanisms
through :data:`REGISTRY`, which also turns ``--param KEY=VALUE`` strings into typed arguments.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..allocation import Allocation
from ..errors import ParameterError

__all__ = ["MechanismResult", "Mechanism", "REGISTRY", "register", "get_mechanism"]


@dataclass(frozen=True)
class MechanismResult:
    """Outcome of a mechanism run: allocation plus a replayable trace."""

    mechanism: str
    params: Mapping[str, str]
    allocation: Allocation
    trace: tuple[Any, ...]
    exact: bool = True
    info: Mapping[str, Any] = field(default_factory=dict)

    def trace_json(self) -> list[dict]:
        """The trace as JSON-ready dicts (exact numbers as canonical strings)."""
        return [step.to_json() for step in self.trace]


@dataclass(frozen=True)
class Mechanism:
    """A registered mechanism: its callable and how to read its ``--param`` strings."""

    name: str
    title: str
    citation: str
    function: Callable[..., MechanismResult]
    parse_params: Callable[[Any, Mapping[str, str]], dict[str, Any]]
    param_help: Mapping[str, str]

    def run(self, economy: Any, raw_params: Mapping[str, str] | None = None) -> MechanismResult:
        """Run on ``economy`` with command-line style string parameters."""
        raw = dict(raw_params or {})
        unknown = [k for k in raw if k not in self.param_help]
        if unknown:
            known = ", ".join(self.param_help) or "none"
            raise ParameterError(f"mechanism {self.name!r} has no parameter {unknown[0]!r} "
                                 f"(known: {known})")
        return self.function(economy, **self.parse_params(economy, raw))


REGISTRY: dict[str, Mechanism] = {}


def register(mechanism: Mechanism) -> Mechanism:
    """Add a mechanism to :data:`REGISTRY` (names are unique)."""
    if mechanism.name in REGISTRY:
        raise ValueError(f"mechanism {mechanism.name!r} registered twice")
    REGISTRY[mechanism.name] = mechanism
    return mechanism


def get_mechanism(name: str) -> Mechanism:
    """Look a mechanism up by name; unknown names give a :class:`ParameterError`."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise ParameterError(f"unknown mechanism {name!r} (available: "
                             f"{', '.join(sorted(REGISTRY))})") from None
