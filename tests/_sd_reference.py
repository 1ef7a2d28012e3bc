"""An independent reference of sd / rsd with ties, written from the module docstring of
exactassign/mechanisms/serial.py (not calling it): Fractions, Hall's condition enumerated over
object sets instead of flows, the maximal tight set as the union of all tight sets, rule G as
the largest amount allowed by every Hall inequality, and rsd as the plain average over all n!
orders.  For tests only (exponential in the number of objects and agents).  Also the seeded
economy generator and witness-feature summary shared by the sd certificate tests.

Hall (fractional transportation): demands d_k on object sets A_k are realisable within
supplies s iff for every object set U, the demands of the nodes with A_k ⊆ U sum to at most
s(U).
"""
from __future__ import annotations

from fractions import Fraction
from itertools import combinations, permutations

ZERO, ONE = Fraction(0), Fraction(1)


def _subsets(items):
    items = list(items)
    for k in range(len(items) + 1):
        yield from (frozenset(c) for c in combinations(items, k))


def _types(agents, tiers):
    kinds: dict = {}
    return {a: kinds.setdefault(tuple(tiers[a]), len(kinds)) for a in agents}


def _promise(T, need, earlier, supply):
    """Largest amount of tier T (at most need) keeping every earlier (objects, amount)."""
    y = need
    for U in _subsets(supply):
        if T <= U:
            y = min(y, sum((supply[o] for o in U), ZERO)
                    - sum((d for objs, d in earlier if objs <= U), ZERO))
    assert y >= 0
    return y


def _rule_g(nodes, remaining, idx):
    """nodes: [(live objects, amount)] in order; the vector of every node (rule G)."""
    dem = [d for _, d in nodes]
    rest = [sorted(live, key=idx.get) for live, _ in nodes]
    sup = dict(remaining)
    objs = set().union(*(live for live, _ in nodes)) if nodes else set()
    out = [{} for _ in nodes]
    for j in range(len(nodes)):
        while rest[j]:
            o = rest[j].pop(0)
            x = min(dem[j], sup[o])
            for U in _subsets(objs):
                lhs = sum((dem[k] for k in range(len(nodes)) if k != j and dem[k]
                           and set(rest[k]) <= U), ZERO)
                jin = set(rest[j]) <= U
                coef = (1 if o in U else 0) - (1 if jin else 0)
                rhs = sum((sup[q] for q in U), ZERO) - lhs - (dem[j] if jin else ZERO)
                if coef == 1:
                    x = min(x, rhs)          # upper bound on x
            assert x >= 0
            if x:
                out[j][o] = out[j].get(o, ZERO) + x
            dem[j] -= x
            sup[o] -= x
        assert not dem[j], "rule G left a node short"
    return out


def _split(members, vec, idx, alloc):
    """Queue split: members (key, owner, amount) in key order take from objects by index."""
    left = dict(vec)
    for _, owner, amt in sorted(members, key=lambda m: m[0]):
        for o in sorted(left, key=idx.get):
            x = min(amt, left[o])
            if x > 0:
                alloc[owner][o] = alloc[owner].get(o, ZERO) + x
                left[o] -= x
                amt -= x
        assert not amt
    assert not any(left.values())


def _groups(open_, remaining, idx):
    g: dict = {}
    for pr in open_:
        live = frozenset(o for o in pr[1] if remaining[o] > 0)
        assert live, "a promise on used-up objects"
        g.setdefault(live, []).append(pr)
    mask = lambda s: sum(1 << idx[o] for o in s)
    return sorted(g.items(), key=lambda kv: mask(kv[0]))


def _realise(group, vec, open_, remaining, idx, alloc):
    live, members = group
    _split([(m[3], m[0], m[2]) for m in members], vec, idx, alloc)
    for m in members:
        open_.remove(m)
    for o, x in vec.items():
        remaining[o] -= x


def _normalise(open_, remaining, idx, alloc):
    while True:
        groups = _groups(open_, remaining, idx)
        forced = None
        for live, members in groups:
            amt = sum((m[2] for m in members), ZERO)
            room = sum((remaining[o] for o in live), ZERO)
            if len(live) == 1 or amt == room:
                forced = (live, members)
                vec = {next(iter(live)): amt} if len(live) == 1 else \
                    {o: remaining[o] for o in live}
                break
        if forced is not None:
            _realise(forced, vec, open_, remaining, idx, alloc)
            continue
        tight: set = set()
        objs = set().union(*(live for live, _ in groups)) if groups else set()
        for U in _subsets(objs):
            inside = [live for live, _ in groups if live <= U]
            amt = sum((m[2] for live, ms in groups if live <= U for m in ms), ZERO)
            if inside and amt == sum((remaining[o] for o in U), ZERO):
                tight |= set(inside)
        if not tight:
            return
        block = [g for g in groups if g[0] in tight]
        vecs = _rule_g([(live, sum((m[2] for m in ms), ZERO)) for live, ms in block],
                       remaining, idx)
        for g, vec in zip(block, vecs):
            _realise(g, vec, open_, remaining, idx, alloc)


def sd_reference(agents, objects, tiers, supply, order):
    """sd in ``order``: agent -> object -> Fraction (non-zero entries).  ``tiers``: agent ->
    list of frozensets; ``supply``: object -> Fraction."""
    idx = {o: k for k, o in enumerate(objects)}
    kind = _types(agents, tiers)
    remaining = dict(supply)
    earlier: list = []                       # (objects, amount) of every promise so far
    open_: list = []                         # [owner, objects, amount, queue key]
    alloc: dict = {a: {} for a in agents}
    for pos, a in enumerate(order, 1):
        need = ONE
        for T in tiers[a]:
            if not need:
                break
            y = _promise(T, need, earlier, supply)
            if y:
                earlier.append((T, y))
                open_.append([a, T, y, (kind[a], y, pos)])
            need -= y
        _normalise(open_, remaining, idx, alloc)
    groups = _groups(open_, remaining, idx)
    vecs = _rule_g([(live, sum((m[2] for m in ms), ZERO)) for live, ms in groups],
                   remaining, idx)
    for g, vec in zip(groups, vecs):
        _realise(g, vec, open_, remaining, idx, alloc)
    assert not open_
    return {a: {o: x for o, x in row.items() if x} for a, row in alloc.items()}


def rsd_reference(agents, objects, tiers, supply):
    """The exact average of :func:`sd_reference` over all orders."""
    total: dict = {a: {} for a in agents}
    k = 0
    for order in permutations(agents):
        k += 1
        for a, row in sd_reference(agents, objects, tiers, supply, order).items():
            for o, x in row.items():
                total[a][o] = total[a].get(o, ZERO) + x
    return {a: {o: x / k for o, x in row.items() if x} for a, row in total.items()}


def from_economy(e):
    """(agents, objects, tiers, supply) of an :class:`exactassign.Economy` as plain data."""
    from exactassign.numbers import to_fraction
    tiers = {a: [frozenset(t) for t in e.preferences[i]] for i, a in enumerate(e.agents)}
    supply = {o: to_fraction(s) for o, s in zip(e.objects, e.supply)}
    return list(e.agents), list(e.objects), tiers, supply


# ----------------------------------------------------------------------- shared test helpers
def random_tied_economy(rng, max_agents: int):
    """A seeded random economy for the sd certificate tests: 2..max_agents agents, 2..4
    objects, weak orders over random subsets (a tier ends after each object with probability
    0.4), supplies in {1, 2, 1/2, 3/2}."""
    from exactassign import Economy
    n, m = rng.randint(2, max_agents), rng.randint(2, 4)
    objs = "abcd"[:m]
    prefs = {}
    for i in range(n):
        order = rng.sample(objs, rng.randint(1, m))
        tiers, cur = [], []
        for o in order:
            cur.append(o)
            if rng.random() < 0.4:
                tiers.append(cur)
                cur = []
        prefs[str(i)] = tiers + ([cur] if cur else [])
    supply = {o: rng.choice(["1", "2", "1/2", "3/2"]) for o in objs}
    return Economy.create([str(i) for i in range(n)], list(objs), preferences=prefs,
                          supply=supply)


def sd_witness_features(w: dict) -> set:
    """Which parts of the ``sd.outcome`` format a witness uses: tight blocks, cuts inside
    them, final cuts, blocking sets."""
    blocks = [b for s in w["steps"] for b in s["blocks"]]
    seen = {"block"} if blocks else set()
    seen |= {"block-cut"} if any(c for b in blocks for c in b["cuts"]) else set()
    seen |= {"final-cut"} if any(w["final"]["cuts"]) else set()
    seen |= {"blocking"} if any("blocking" in p for s in w["steps"]
                                for p in s["promised"]) else set()
    return seen
