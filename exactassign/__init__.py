"""exactassign: exact-arithmetic verification toolkit for random-assignment mechanisms.

>>> from exactassign import Economy, run
>>> e = Economy.create(["1", "2"], ["a", "b"], preferences={"1": ["a", "b"], "2": ["a", "b"]})
>>> run("ps", e).allocation.row_map("2")
{'a': 1/2, 'b': 1/2}
"""
from __future__ import annotations

from typing import Any

from .allocation import Allocation, sd_compare, sd_weakly_dominates
from .economy import Economy
from .errors import ExactAssignError
from .mechanisms import REGISTRY, MechanismResult, get_mechanism

__version__ = "0.1.0"

__all__ = ["Economy", "Allocation", "run", "REGISTRY", "MechanismResult", "sd_compare",
           "sd_weakly_dominates", "ExactAssignError", "__version__"]


def run(mechanism: str, economy: Economy, **params: Any) -> MechanismResult:
    """Run a registered mechanism with typed Python parameters."""
    return get_mechanism(mechanism).function(economy, **params)
