"""Mechanisms, reachable by name through :data:`REGISTRY` (see :mod:`.base`)."""
from __future__ import annotations

from .base import REGISTRY, Mechanism, MechanismResult, get_mechanism, register
from .ps import EatingPhase, probabilistic_serial
from . import egalitarian, eps, serial  # noqa: E402,F401  (registers eps, egalitarian, sd, rsd)
from . import btm, ttc  # noqa: F401,E402  (registers btm, ps-ext, ttc)

__all__ = ["REGISTRY", "Mechanism", "MechanismResult", "get_mechanism", "register",
           "probabilistic_serial", "EatingPhase"]
from . import pseudomarket  # noqa: F401,E402  (registers hz, sp)
