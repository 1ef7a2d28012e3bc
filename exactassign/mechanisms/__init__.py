"""Mechanisms, reachable by name through :data:`REGISTRY` (see :mod:`.base`)."""
from __future__ import annotations

from .base import REGISTRY, Mechanism, MechanismResult, get_mechanism, register
from .ps import EatingPhase, probabilistic_serial

__all__ = ["REGISTRY", "Mechanism", "MechanismResult", "get_mechanism", "register",
           "probabilistic_serial", "EatingPhase"]
