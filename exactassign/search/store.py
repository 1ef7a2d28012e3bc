"""Storing counterexamples: certificate documents with provenance, the README table, regeneration.

A stored counterexample is one standard certificate document (``"format":
"exactassign.certificate"``, so the corpus tests re-verify it with the standard-library checker
and regenerate it) whose ``producer.search`` records how it was found::

    "producer": {..., "mechanism": "ps", "params": {}, "property": "strategy-proof",
                 "search": {"target": {...}, "domain": {...}, "mode": "exhaustive", "seed": 0,
                            "index": 17, "found_size": [3, 3], "shrink_steps": 2,
                            "command": "exactassign search strategy-proof --mechanism ps ..."}}

It is written to ``counterexamples/<property>/<mechanism>__<short-hash>.json`` (a comparison
goes to ``differs-from-<M2>/``), the hash being that of the target and the instance, so the same
counterexample found twice is one file.  :func:`write_readme` regenerates
``counterexamples/README.md`` from the files.  :func:`regenerate` recomputes a stored
counterexample's certificate from its instance (the provenance is copied: it cannot be
recomputed); ``certificates/regenerate.py`` delegates to it for documents with
``producer.search``.
"""
from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

from ..errors import FormatError
from .domains import Domain, default_domain
from .targets import DIFFERS, Target

__all__ = ["provenance", "attach", "filename", "write", "write_readme", "regenerate",
           "command_line", "load_corpus", "CERTIFICATE_MARK"]

CERTIFICATE_MARK = '"exactassign.certificate"'


def command_line(target: Target, domain: Domain, mode: str, seed: Any, budget: Any) -> str:
    """The ``exactassign search`` command that reproduces a search."""
    parts = ["exactassign", "search"]
    if target.property != DIFFERS:
        parts.append(target.property)
    parts += ["--mechanism", target.mechanism]
    parts += [f"--param {k}={v}" for k, v in target.params]
    if target.other is not None:
        parts += ["--differs-from", target.other]
        parts += [f"--param2 {k}={v}" for k, v in target.other_params]
    parts += [f"--given {g}" for g in target.given]
    base = default_domain(target.mechanism)

    def rng(r: Any) -> str:
        return str(r[0]) if r[0] == r[1] else f"{r[0]}-{r[1]}"
    parts += ["--agents", rng(domain.agents)]
    if domain.objects is not None:
        parts += ["--objects", rng(domain.objects)]
    for key, flag in (("preferences", "--preferences"), ("model", "--model"),
                      ("supply", "--supply"), ("values", "--values")):
        if getattr(domain, key) != getattr(base, key):
            parts += [flag, str(getattr(domain, key))]
    if domain.complete != base.complete:
        parts.append("--complete" if domain.complete else "--incomplete")
    parts += ["--mode", mode, "--seed", str(seed)]
    if budget is not None:
        parts += ["--budget", budget.describe()]
    return " ".join(parts)


def provenance(report: Any, reference: str | None = None) -> dict:
    """``producer.search`` of a finding (``reference``: what the counterexample illustrates,
    e.g. a citation)."""
    f = report.finding
    out = {"target": report.target.to_json(), "domain": report.domain.to_json(),
           "mode": report.mode, "seed": report.seed, "index": f.index,
           "found_size": [f.economy.n, f.economy.m], "shrink_steps": f.shrink_steps,
           "command": command_line(report.target, report.domain, report.mode, report.seed,
                                   report.budget)}
    if reference:
        out["reference"] = reference
    return out


def attach(cert: dict, prov: dict) -> dict:
    """A copy of the certificate with ``producer.search`` set."""
    doc = copy.deepcopy(cert)
    doc.setdefault("producer", {})["search"] = prov
    return doc


def short_hash(doc: dict) -> str:
    key = json.dumps({"target": doc["producer"]["search"]["target"],
                      "instance": doc["instance"]}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]


def filename(doc: dict) -> Path:
    """``<property dir>/<mechanism>__<hash>.json`` (relative to the counterexamples root);
    a paper's counterexample (``producer.paper``, :mod:`.papers`) is ``paper__<name>.json``."""
    if doc["producer"].get("paper"):
        from .papers import filename as paper_filename
        return paper_filename(doc)
    target = Target.from_json(doc["producer"]["search"]["target"])
    return Path(target.directory()) / f"{target.mechanism}__{short_hash(doc)}.json"


def write(doc: dict, root: str | Path) -> Path:
    """Write a counterexample document under ``root``; returns its path."""
    from ..io.json_io import dumps_canonical
    path = Path(root) / filename(doc)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps_canonical(doc), encoding="utf-8")
    return path


def load_corpus(root: str | Path) -> list[tuple[Path, dict]]:
    """Every counterexample certificate under ``root`` (path, document), sorted."""
    out = []
    for p in sorted(Path(root).rglob("*.json")):
        text = p.read_text(encoding="utf-8")
        if CERTIFICATE_MARK in text[:200]:
            out.append((p, json.loads(text)))
    return out


def _row(root: Path, path: Path, doc: dict) -> list[str]:
    prod = doc.get("producer") or {}
    s = prod.get("search") or {}
    t = s.get("target") or {}
    inst = doc["instance"]
    paper = prod.get("paper") or {}
    props = prod.get("property")
    prop = f"`{t.get('property') or (props[0] if isinstance(props, list) else props) or '?'}`"
    if t.get("property") == DIFFERS:
        prop = f"differs from `{t.get('differs_from')}`"
    if t.get("given"):
        prop += " given " + ", ".join(f"`{g}`" for g in t["given"])
    mech = t.get("mechanism") or prod.get("mechanism") or ("paper" if paper else "?")
    params = t.get("params") or {}
    if params:
        mech += " (" + ", ".join(f"{k}={v}" for k, v in params.items()) + ")"
    size = f"{len(inst['agents'])} × {len(inst['objects'])}"
    if s:
        dom = Domain.from_json(s["domain"]).describe() if s.get("domain") else "?"
        found = s.get("found_size")
        grown = f", shrunk from {found[0]} × {found[1]}" if found else ""
        source = f"search ({s.get('mode')}, seed {s.get('seed')}, economy #{s.get('index')}" \
                 f"{grown}): `{s.get('command')}`; domain: {dom}"
    elif paper:
        source = f"{paper['reference']}; stated in the paper, certified by "\
                 f"`exactassign/search/papers.py`"
    else:
        source = prod.get("source") or "hand-made"
    rel = path.relative_to(root).as_posix()
    if s.get("reference"):
        source = f"{s['reference']}. " + source
    parts = doc["witness"]["claims"] if doc["claim"] == "all" else [doc]
    claim = " + ".join(f"`{p['claim']}`" + (" (equal budgets)" if isinstance(
        p.get("witness"), dict) and p["witness"].get("budgets") == "equal" else "")
        for p in parts)
    return [prop, f"`{mech}`", size, claim, source, f"[{rel}]({rel})"]


def write_readme(root: str | Path) -> Path:
    """Regenerate ``root/README.md`` (a table of every counterexample file)."""
    root = Path(root)
    rows = [_row(root, p, d) for p, d in load_corpus(root)]
    rows.sort(key=lambda r: (r[0], r[1], r[5]))
    lines = [
        "# Counterexamples",
        "",
        "Generated by `exactassign search` (regenerate this table with",
        "`python -m exactassign.search.store counterexamples`). Each file is one certificate",
        "document (`exactassign.certificate`): the standard-library checker re-verifies it",
        "(`exactassign verify FILE`; the claims across runs -- `manipulation`,",
        "`strong-manipulation`, `outcomes-differ` -- are in",
        "`exactassign/certificates/check_strategy.py`), `make test` regenerates it from its",
        "instance and fails on drift, and `producer.search` records how it was found (target,",
        "domain, seed, index of the economy before shrinking, the command).",
        "",
        "| property | mechanism | size (agents × objects) | claim | source | file |",
        "|---|---|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    if not rows:
        lines.append("| (none yet) | | | | | |")
    path = root / "README.md"
    root.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def regenerate(cert: dict) -> dict:
    """Recompute a stored counterexample from its instance (provenance copied)."""
    from ..certificates.build import certificate
    from ..io.json_io import economy_from_json
    prov = (cert.get("producer") or {}).get("search")
    if not isinstance(prov, dict) or "target" not in prov:
        raise FormatError("not a search counterexample (no producer.search.target)")
    target = Target.from_json(prov["target"])
    domain = Domain.from_json(prov["domain"]) if prov.get("domain") else \
        default_domain(target.mechanism)
    economy = economy_from_json(cert["instance"], "certificate instance")
    doc, note = target.certify(economy, domain)
    if doc is None:   # no longer a counterexample: a document whose drift says so plainly
        from ..mechanisms import get_mechanism
        alloc = get_mechanism(target.mechanism).run(economy, dict(target.params)).allocation
        doc = certificate(f"none ({note})", economy, alloc, {}, mechanism=target.mechanism,
                          params=dict(target.params), prop=target.property)
    return attach(doc, prov)


def main(argv: list | None = None) -> int:
    """``python -m exactassign.search.store [DIR]``: regenerate DIR/README.md."""
    import sys
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0] if args else "counterexamples")
    path = write_readme(root)
    print(f"wrote {path} ({len(load_corpus(root))} counterexamples)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
