"""exactassign: exact-arithmetic verification toolkit for random-assignment mechanisms.

The package namespace is lazy (PEP 562): importing ``exactassign`` loads nothing else, so that
the standard-library certificate checker (``python -m exactassign.certificates.check``) runs
without python-flint or any other third-party module.

>>> from exactassign import Economy, run
>>> e = Economy.create(["1", "2"], ["a", "b"], preferences={"1": ["a", "b"], "2": ["a", "b"]})
>>> run("ps", e).allocation.row_map("2")
{'a': 1/2, 'b': 1/2}
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "Economy": "exactassign.economy",
    "Allocation": "exactassign.allocation",
    "sd_compare": "exactassign.allocation",
    "sd_weakly_dominates": "exactassign.allocation",
    "ExactAssignError": "exactassign.errors",
    "REGISTRY": "exactassign.mechanisms",
    "MechanismResult": "exactassign.mechanisms",
    "PROPERTIES": "exactassign.properties",
    "check_all": "exactassign.properties",
}

__all__ = [*_LAZY, "run", "__version__"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'exactassign' has no attribute {name!r}")


def run(mechanism: str, economy: Any, **params: Any) -> Any:
    """Run a registered mechanism with typed Python parameters (see ``exactassign.mechanisms``).
    """
    from .mechanisms import get_mechanism
    return get_mechanism(mechanism).function(economy, **params)
