"""Hypothesis strategies shared by the test files: random small economies (no RNG seeding: every
random choice is a hypothesis draw, so failures shrink and replay)."""
from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from exactassign import Economy
from exactassign.allocation import Allocation
from exactassign.lp import OPTIMAL, LPBuilder, solve
from exactassign.numbers import ZERO, Q

OBJECT_LABELS = "abcdefgh"


def positive_fractions(max_num: int = 8, max_den: int = 4):
    return st.builds(Fraction, st.integers(1, max_num), st.integers(1, max_den))


@st.composite
def weak_order_json(draw, objects, ties: bool = True, incomplete: bool = True,
                    min_listed: int = 0):
    """A JSON weak order over a random subset (at least ``min_listed``) or all of ``objects``."""
    objs = draw(st.permutations(list(objects)))
    k = draw(st.integers(min_listed, len(objs))) if incomplete else len(objs)
    listed = objs[:k]
    if not ties:
        return list(listed)
    tiers, cur = [], []
    for o in listed:
        cur.append(o)
        if draw(st.booleans()):
            tiers.append(cur)
            cur = []
    if cur:
        tiers.append(cur)
    return [t[0] if len(t) == 1 else t for t in tiers]


@st.composite
def economies(draw, max_agents: int = 5, max_objects: int = 5, ties: bool = False,
              incomplete: bool = True, unit_supply: bool = False, endowments: bool = False,
              valuations: bool = False, min_agents: int = 1) -> Economy:
    """A valid random economy.  Agents are "1".."n", objects "a", "b", ..."""
    n = draw(st.integers(min_agents, max_agents))
    m = draw(st.integers(1, min(max_objects, 4) if endowments else max_objects))
    agents = [str(i) for i in range(1, n + 1)]
    objects = list(OBJECT_LABELS[:m])
    prefs = {a: draw(weak_order_json(objects, ties=ties, incomplete=incomplete))
             for a in agents}
    kw: dict = {}
    if valuations:
        vals = {}
        for a in agents:
            if draw(st.booleans()):
                vals[a] = {o: draw(st.integers(0, 4)) for o in objects}
                if draw(st.booleans()):
                    del prefs[a]  # the weak order is derived from the valuations
                else:
                    # preferences that agree: the derived order, all objects acceptable
                    tiers: dict[int, list[str]] = {}
                    for o in objects:
                        tiers.setdefault(vals[a][o], []).append(o)
                    prefs[a] = [t[0] if len(t) == 1 else t
                                for _, t in sorted(tiers.items(), reverse=True)]
        if vals:
            kw["valuations"] = vals
    if endowments:
        share = st.sampled_from([Fraction(1, 8), Fraction(1, 5), Fraction(1, 4)])
        endow = {}
        for i, a in enumerate(agents):
            row = {}
            for o in objects:
                x = draw(share) if i == 0 else draw(st.sampled_from([Fraction(0)])
                                                    | share)
                if x:
                    row[o] = x
            if row or draw(st.booleans()):
                endow[a] = row
        kw["endowments"] = endow
    elif not unit_supply:
        kw["supply"] = {o: draw(positive_fractions()) for o in objects}
    if draw(st.booleans()):
        kw["name"] = draw(st.text(min_size=1, max_size=12))
    return Economy.create(agents, objects, preferences=prefs, **kw)


@st.composite
def speeds_for(draw, economy: Economy):
    return {a: draw(positive_fractions(6, 4)) for a in economy.agents}


# ------------------------------------------------------------ cardinal model (valuations)
@st.composite
def cardinal_economies(draw, max_agents=4, max_objects=4):
    n = draw(st.integers(1, max_agents))
    m = draw(st.integers(1, max_objects))
    agents = [str(i) for i in range(1, n + 1)]
    objects = list("abcdefgh"[:m])
    vals = {a: {o: draw(st.integers(0, 4)) for o in objects} for a in agents}
    supply = [draw(st.sampled_from([Q(1), Q(1), Q(2), Q(1, 2), Q(3, 2)])) for _ in objects]
    if sum(supply, ZERO) < n:     # the seed's model needs enough supply for n lotteries
        supply[0] += n
    return Economy.create(agents, objects, supply=dict(zip(objects, supply)), valuations=vals)


def lp_assignment(e, objective):
    """A feasible assignment maximising an arbitrary objective matrix (not PO in general)."""
    b = LPBuilder()
    x = {(i, j): b.variable() for i in range(e.n) for j in range(e.m)}
    for i in range(e.n):
        b.constraint({x[i, j]: 1 for j in range(e.m)}, "=", 1)
    for j in range(e.m):
        b.constraint({x[i, j]: 1 for i in range(e.n)}, "<=", e.supply[j])
    b.maximize({x[i, j]: objective[i][j] for i in range(e.n) for j in range(e.m)})
    r = solve(b.build())
    assert r.status == OPTIMAL
    return Allocation(e.agents, e.objects, tuple(tuple(r.x[x[i, j]] for j in range(e.m))
                                                  for i in range(e.n)))


def average(*allocs):
    k = len(allocs)
    return Allocation(allocs[0].agents, allocs[0].objects, tuple(
        tuple(sum((a.rows[i][j] for a in allocs), ZERO) / k for j in range(len(allocs[0].objects)))
        for i in range(len(allocs[0].agents))))


@st.composite
def assignments(draw, e):
    """Feasible random assignments: LP vertices of random objectives, and their averages."""
    mats = [[[draw(st.integers(0, 5)) for _ in range(e.m)] for _ in range(e.n)]
            for _ in range(draw(st.integers(1, 2)))]
    return average(*[lp_assignment(e, mat) for mat in mats])
