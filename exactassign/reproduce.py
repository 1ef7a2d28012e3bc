"""Paper examples as checked artefacts: the ``proofs/`` catalogue and ``exactassign reproduce``.

A proof file (``proofs/**/*.json``) names an economy (a path relative to the proof file, or the
economy object itself) and the claims a paper makes about it:

.. code-block:: json

    {"format": "exactassign.proof", "version": 1, "name": "bm2001-example",
     "title": "...", "source": "Bogomolnaia and Moulin (2001), ...",
     "economy": "../economies/bm2001.json",
     "claims": [{"kind": "outcome", "mechanism": "ps", "params": {},
                 "allocation": {"1": {"a": "1/2", "c": "1/2"}, ...}}]}

``reproduce`` re-runs every claim from scratch and compares exactly; a mismatch is reported with
the differing entries (like abcvoting's instance files that carry expected results).

Two more claim kinds check statements rather than mechanism outcomes:

* ``{"kind": "property", "property": NAME, "allocation": PATH-or-mapping, "holds": BOOL}`` —
  the verdict of a registered property (``exactassign check``), whose certificate is then
  re-verified by the standard-library checker; an optional ``"witness_includes": {key: value}``
  also pins top-level entries of the witness (e.g. the ``partition`` of ``sp-outcome``);
* ``{"kind": "argument", "argument": NAME, ...}`` — a step-by-step argument registered in
  :mod:`exactassign.arguments` (e.g. ``pseudomarket-theorem1``), which re-establishes each part
  of a paper's claim with certificates and reports it as text.

For these kinds :attr:`ClaimOutcome.text` holds the report to print.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .allocation import Allocation
from .errors import FormatError
from .io.json_io import economy_from_json, parse_json
from .mechanisms import get_mechanism
from .numbers import canonical

__all__ = ["ProofFile", "ClaimOutcome", "find_proofs_dir", "load_proofs", "check_claim"]

PROOF_FORMAT = "exactassign.proof"
CLAIM_KEYS = {"outcome": ("mechanism", "allocation"), "property": ("property", "allocation",
                                                                   "holds"),
              "argument": ("argument",)}


@dataclass(frozen=True)
class ProofFile:
    """A parsed proof file."""

    path: Path
    name: str
    title: str
    source: str
    economy: Any
    claims: tuple[dict, ...]


@dataclass(frozen=True)
class ClaimOutcome:
    """The result of re-checking one claim."""

    proof: ProofFile
    claim: dict
    ok: bool
    result: Any
    differences: tuple[str, ...]
    text: str = ""


def find_proofs_dir() -> Path:
    """``proofs/`` beside the package (a source checkout or editable install)."""
    here = Path(__file__).resolve().parent.parent / "proofs"
    if here.is_dir():
        return here
    cwd = Path.cwd() / "proofs"
    if cwd.is_dir():
        return cwd
    raise FormatError("cannot find the proofs/ directory (run from the repository, or pass "
                      "--dir)")


def parse_proof(path: Path) -> ProofFile:
    """Read and validate one proof file."""
    from .io import read_text
    data = parse_json(read_text(path), str(path))
    where = str(path)
    if not isinstance(data, dict) or data.get("format") != PROOF_FORMAT:
        raise FormatError(f"{where}: not an {PROOF_FORMAT} file")
    for key in ("name", "economy", "claims"):
        if key not in data:
            raise FormatError(f"{where}: missing field {key!r}")
    claims = data["claims"]
    if not isinstance(claims, list) or not claims:
        raise FormatError(f"{where}: 'claims' must be a non-empty list")
    for k, c in enumerate(claims):
        if not isinstance(c, dict) or c.get("kind") not in CLAIM_KEYS:
            raise FormatError(f"{where}: claim {k + 1} has unknown kind "
                              f"{c.get('kind') if isinstance(c, dict) else c!r}")
        for key in CLAIM_KEYS[c["kind"]]:
            if key not in c:
                raise FormatError(f"{where}: claim {k + 1} misses {key!r}")
    eco = data["economy"]
    if isinstance(eco, str):
        from .io import load_economy
        economy = load_economy(path.parent / eco)
    else:
        economy = economy_from_json(eco, f"{where}: economy")
    return ProofFile(path=path, name=data["name"], title=data.get("title", data["name"]),
                     source=data.get("source", ""), economy=economy, claims=tuple(claims))


def load_proofs(directory: Path | None = None) -> list[ProofFile]:
    """Every proof file under ``directory`` (default :func:`find_proofs_dir`), sorted by path."""
    from .io import read_text
    root = directory or find_proofs_dir()
    if not root.is_dir():
        raise FormatError(f"{root}: not a directory of proof files")
    return [parse_proof(p) for p in sorted(root.rglob("*.json"))
            if '"exactassign.proof"' in read_text(p)[:400]]


def _diff(expected: Allocation, got: Allocation) -> list[str]:
    out = []
    for a, r1, r2 in zip(expected.agents, expected.rows, got.rows):
        for o, x, y in zip(expected.objects, r1, r2):
            if x != y:
                out.append(f"agent {a}, object {o}: expected {canonical(x)}, got {canonical(y)}")
    return out


def claim_allocation(proof: ProofFile, value: Any, what: str = "allocation") -> Allocation:
    """An allocation given in a claim: a mapping, or a path (relative to the proof file) of an
    allocation file."""
    if isinstance(value, str):
        from .io import load_allocation
        return load_allocation(proof.path.parent / value, proof.economy)
    return Allocation.from_mapping(proof.economy, value, f"{proof.path}: {what}")


def _check_property(proof: ProofFile, claim: dict) -> ClaimOutcome:
    """A property verdict, with its certificate re-verified by the standard-library checker."""
    import json

    from .certificates import check_cardinal
    from .certificates.build import certificate
    from .properties import evaluate
    alloc = claim_allocation(proof, claim["allocation"])
    r = evaluate(claim["property"], proof.economy, alloc)
    diffs: list[str] = []
    if r.claim is None:
        diffs.append(f"{claim['property']}: {r.reason}")
        return ClaimOutcome(proof, claim, False, r, tuple(diffs), f"   {diffs[0]}\n")
    cert = json.loads(json.dumps(certificate(r.claim, proof.economy, alloc, r.witness,
                                             prop=claim["property"])))
    if cert["claim"] in check_cardinal.CLAIMS:
        problems = [f"{c} at {p}: {m}" for c, p, m in check_cardinal.check_cardinal(cert)]
    else:
        from .certificates import check
        problems = [f"{v.code} at {v.path}: {v.message}"
                    for v in check.check_certificate(cert).violations]
    diffs += [f"certificate {cert['claim']} rejected: {p}" for p in problems]
    if r.holds != bool(claim["holds"]):
        diffs.append(f"{claim['property']}: expected holds={claim['holds']}, got {r.holds}")
    for key, want in (claim.get("witness_includes") or {}).items():
        got = cert["witness"].get(key)
        if got != want:
            diffs.append(f"{claim['property']}: witness.{key} is {json.dumps(got)}, expected "
                         f"{json.dumps(want)}")
    text = (f"   claim: property {claim['property']} "
            f"{'holds' if claim['holds'] else 'fails'}\n"
            f"   computed: {'holds' if r.holds else 'fails'}; certificate {cert['claim']} "
            f"{'verified by the standard-library checker' if not problems else 'REJECTED'}\n"
            f"   witness: {json.dumps(cert['witness'], ensure_ascii=False)}\n")
    return ClaimOutcome(proof, claim, not diffs, r, tuple(diffs), text)


def check_claim(proof: ProofFile, claim: dict) -> ClaimOutcome:
    """Re-check one claim: re-run the mechanism and compare its allocation exactly (kind
    ``outcome``), or evaluate a property / an argument (kinds ``property``, ``argument``)."""
    kind = claim.get("kind", "outcome")
    if kind == "property":
        return _check_property(proof, claim)
    if kind == "argument":
        from .arguments import run_argument
        return run_argument(proof, claim)
    mech = get_mechanism(claim["mechanism"])
    params = {k: str(v) for k, v in claim.get("params", {}).items()}
    result = mech.run(proof.economy, params)
    expected = Allocation.from_mapping(proof.economy, claim["allocation"],
                                       f"{proof.path}: expected allocation")
    diffs = _diff(expected, result.allocation)
    return ClaimOutcome(proof, claim, not diffs, result, tuple(diffs))


def iter_outcomes(proofs: list[ProofFile]) -> Iterator[ClaimOutcome]:
    """Check every claim of every proof file."""
    for p in proofs:
        for c in p.claims:
            yield check_claim(p, c)
