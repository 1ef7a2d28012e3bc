"""Certificate claims ``ordinal-fair`` and ``not-ordinal-fair`` (FORMAT.md, "Ordinal fairness").

Standard library only; it imports neither the ``exactassign`` package nor ``check.py``: check.py
loads this file by path and merges :data:`CLAIMS`; its helpers (``num``, ``get``, ``label``,
``Malformed``, ``fsum``, ...) are reached through the module of the checker object.

The definition (reconstructed; ``exactassign/properties/ordinal.py`` gives the reasons):
*co-owners* are two agents owning shares of the same object in a *simple* economy (every agent
owns shares of at most one object), or any two agents in the house-allocation model (no
endowments, or every endowment row the same).  w_j is j's endowment mass (1 without
endowments), S_j(x) the mass of j's row on her upper contour set at x in her extended order
(the outside option ∅ included in the house model).  The allocation is *ordinally fair* iff for
all co-owners i ≠ j and every x with p_ix > 0 (x = ∅ included in the house model):
S_j(x) ≥ S_i(x) or S_j(x) = w_j.

* ``ordinal-fair`` (witness ``{}``): the checker enumerates every co-owner pair and every object
  the holder gets (what the claim must cover; nothing is searched).
* ``not-ordinal-fair`` (witness: ``holder``, ``other``, ``object`` -- null for ∅ --,
  ``holder_amount`` = p_ix, ``holder_mass`` = S_i(x), ``other_mass`` = S_j(x),
  ``other_total`` = w_j): the two agents are co-owners, every number equals its recomputed
  value, p_ix > 0, S_j(x) < S_i(x) and S_j(x) < w_j.

Both claims are invalid on an economy that is neither simple nor house allocation
(``*.not-simple``): the property is not defined there.
"""
from __future__ import annotations

import sys
from fractions import Fraction
from typing import Any

__all__ = ["CLAIMS"]

ZERO, ONE = Fraction(0), Fraction(1)


def _host(c: Any) -> Any:
    return sys.modules[type(c).__module__]


def _owner_of(c: Any, code: str) -> dict | None:
    """agent -> the object she owns shares of (None: nothing; "*" for everybody in the house
    model, where all agents are co-owners), or None after reporting ``code`` when the economy
    is neither simple nor house allocation."""
    inst = c.inst
    rows = list(inst.endow.values())
    if not inst.fee or all(r == rows[0] for r in rows):
        return {a: "*" for a in inst.agents}
    owner = {}
    for a in inst.agents:
        owned = sorted(inst.endow[a])
        if len(owned) > 1:
            c.bad(code, _host(c).at("instance.endowments", a),
                  f"the economy is not simple: agent {a} owns shares of {', '.join(owned)} "
                  f"(ordinal fairness is defined for simple economies and house allocation)")
            return None
        owner[a] = owned[0] if owned else None
    return owner


def _levels(c: Any, a: str, row: dict) -> dict:
    """S(x) for every x of agent a's extended order: the mass of ``row`` on a's upper contour
    set at x."""
    inst, out, acc = c.inst, {}, ZERO
    for tier in inst.ext[a]:
        acc += inst.mass(row, tier)
        for x in tier:
            out[x] = acc
    return out


def _held(c: Any, a: str) -> list:
    """The objects agent a gets a positive amount of (∅ too in the house model)."""
    row = c.alloc[a]
    out = [o for o in c.inst.objects if row.get(o, ZERO) > 0]
    if not c.inst.fee and ONE - _host(c).fsum(row.values()) > 0:
        out.append(None)
    return out


def _total(c: Any, a: str) -> Fraction:
    return _host(c).fsum(c.inst.endow[a].values()) if c.inst.fee else ONE


def claim_ordinal_fair(c: Any, w: dict) -> None:
    h = _host(c)
    owner = _owner_of(c, "ordinal-fair.not-simple")
    if owner is None:
        return
    agents = [a for a in c.inst.agents if owner[a] is not None]
    level = {a: _levels(c, a, c.alloc[a]) for a in agents}
    for i in agents:
        for x in _held(c, i):
            si = level[i][x]
            for j in agents:
                if j == i or owner[j] != owner[i]:
                    continue
                sj, wj = level[j][x], _total(c, j)
                if sj < si and sj < wj:
                    c.bad("ordinal-fair.violated", h.at(h.at("outcome.allocation", i),
                                                        h.show(x)),
                          f"agent {i} gets {h.show(x)} with {si} on her upper contour set at "
                          f"{h.show(x)}; co-owner {j} has only {sj} on hers (and {wj} in all)")
                    break


def claim_not_ordinal_fair(c: Any, w: dict) -> None:
    h, inst = _host(c), c.inst
    owner = _owner_of(c, "not-ordinal-fair.not-simple")
    if owner is None:
        return
    i, j = h.label(h.get(w, "holder", "witness"), inst.aidx, "witness.holder", "agent"), \
        h.label(h.get(w, "other", "witness"), inst.aidx, "witness.other", "agent")
    x = h.label(h.get(w, "object", "witness"), inst.oidx, "witness.object", "object", True)
    if i == j:
        c.bad("not-ordinal-fair.same-agent", "witness.other", f"holder and other are both {i}")
    if owner[i] is None or owner[i] != owner[j]:
        c.bad("not-ordinal-fair.not-co-owners", "witness.other",
              f"agents {i} and {j} do not own shares of the same object")
    if x is None and inst.fee:
        c.bad("not-ordinal-fair.outside-in-fee", "witness.object",
              "the FEE model has no outside option")
        return
    row = c.alloc[i]
    amount = ONE - h.fsum(row.values()) if x is None else row.get(x, ZERO)
    si, sj = _levels(c, i, row)[x], _levels(c, j, c.alloc[j])[x]
    wj = _total(c, j)
    for key, what, actual in (("holder_amount", f"agent {i}'s amount of {h.show(x)}", amount),
                              ("holder_mass", f"agent {i}'s mass on her upper contour set at "
                                              f"{h.show(x)}", si),
                              ("other_mass", f"agent {j}'s mass on her upper contour set at "
                                             f"{h.show(x)}", sj),
                              ("other_total", f"agent {j}'s endowment mass", wj)):
        c.given(w, key, "not-ordinal-fair.mismatch", what, actual)
    if amount <= 0:
        c.bad("not-ordinal-fair.not-held", "witness.object",
              f"agent {i} gets no {h.show(x)}")
    if not (sj < si and sj < wj):
        c.bad("not-ordinal-fair.fair", "witness", f"S_{j}({h.show(x)}) = {sj} is not below both "
              f"S_{i}({h.show(x)}) = {si} and w_{j} = {wj}")


CLAIMS: dict = {"ordinal-fair": claim_ordinal_fair, "not-ordinal-fair": claim_not_ordinal_fair}
