"""Step-by-step arguments behind ``"kind": "argument"`` claims of proof files.

An argument re-establishes a paper's statement from scratch — symbolic derivations, exact LPs,
certificates re-verified by the standard-library checkers — and reports each step as text,
stating plainly which parts of the paper's claim it confirms and which it refutes.  Each module
in :data:`ARGUMENTS` has ``run(proof, claim) -> ClaimOutcome``.
"""
from __future__ import annotations

import importlib
from typing import Any

__all__ = ["ARGUMENTS", "run_argument"]

ARGUMENTS = {"pseudomarket-theorem1": "exactassign.arguments.theorem1"}


def run_argument(proof: Any, claim: dict) -> Any:
    """Run the argument named by ``claim["argument"]``."""
    from ..errors import FormatError
    name = claim["argument"]
    if name not in ARGUMENTS:
        raise FormatError(f"{proof.path}: unknown argument {name!r} (known: "
                          f"{', '.join(ARGUMENTS)})")
    return importlib.import_module(ARGUMENTS[name]).run(proof, claim)
