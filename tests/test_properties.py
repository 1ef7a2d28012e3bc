"""Property finders against independent brute force and naive reference implementations."""
from __future__ import annotations

import itertools
from fractions import Fraction

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exactassign import run
from exactassign.allocation import Allocation, sd_compare
from exactassign.economy import Economy
from exactassign.numbers import Q, ZERO
from exactassign.properties import PROPERTIES, check_all, evaluate
from exactassign.properties.efficiency import (SdImprovement, analyse_sd_efficiency,
                                               find_sd_improvement, is_sd_efficient)
from exactassign.properties.extended import extended_tiers, row_with_outside
from exactassign.properties.fairness import (find_bounded_envy_violation, find_eene_violation,
                                             find_envy, find_ete_violation, find_ir_violation)

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
BM = Economy.create(["1", "2", "3", "4"], list("abcd"), preferences={
    "1": list("abcd"), "2": list("abcd"), "3": list("badc"), "4": list("badc")})
RSD = {a: dict(zip("abcd", ["5/12", "1/12", "5/12", "1/12"] if a in "12"
                   else ["1/12", "5/12", "1/12", "5/12"])) for a in "1234"}


# ---------------------------------------------------------------- strategies
@st.composite
def weak_order(draw, objects):
    objs = draw(st.permutations(objects))
    k = draw(st.integers(0, len(objs)))
    listed = objs[:k]
    tiers, cur = [], []
    for o in listed:
        if cur and draw(st.booleans()):
            tiers.append(cur)
            cur = []
        cur.append(o)
    if cur:
        tiers.append(cur)
    return [t[0] if len(t) == 1 else t for t in tiers]


@st.composite
def economy_and_allocation(draw, max_n=4, max_m=3, endowments=None, den=4):
    n = draw(st.integers(1, max_n))
    m = draw(st.integers(1, max_m))
    agents = [str(i + 1) for i in range(n)]
    objects = [chr(ord("a") + k) for k in range(m)]
    prefs = {a: draw(weak_order(objects)) for a in agents}
    fee = draw(st.booleans()) if endowments is None else endowments
    if fee:
        # random endowment matrix with row sums <= 1, every column positive
        rows = {a: {} for a in agents}
        for o in objects:
            owner = draw(st.sampled_from(agents))
            rows[owner][o] = Fraction(1, n)
        for a in agents:
            for o in objects:
                if draw(st.booleans()):
                    rows[a][o] = rows[a].get(o, 0) + Fraction(draw(st.integers(0, 2)), den * n)
        for a in agents:
            s = sum(rows[a].values())
            if s > 1:
                rows[a] = {o: x / s for o, x in rows[a].items()}
        e = Economy.create(agents, objects, preferences=prefs,
                           endowments={a: {o: str(x) for o, x in r.items()}
                                       for a, r in rows.items()})
        # a feasible allocation: permute mass with random transfers keeping rows/columns
        alloc = {a: dict(rows[a]) for a in agents}
        for _ in range(draw(st.integers(0, 4))):
            i, j = draw(st.sampled_from(agents)), draw(st.sampled_from(agents))
            o1, o2 = draw(st.sampled_from(objects)), draw(st.sampled_from(objects))
            t = min(alloc[i].get(o1, 0), alloc[j].get(o2, 0)) * Fraction(draw(st.integers(0, 2)), 2)
            alloc[i][o1] = alloc[i].get(o1, 0) - t
            alloc[j][o1] = alloc[j].get(o1, 0) + t
            alloc[j][o2] = alloc[j].get(o2, 0) - t
            alloc[i][o2] = alloc[i].get(o2, 0) + t
    else:
        supply = {o: Fraction(draw(st.integers(1, 3 * den)), den) for o in objects}
        e = Economy.create(agents, objects, preferences=prefs,
                           supply={o: str(x) for o, x in supply.items()})
        left = dict(supply)
        alloc = {}
        for a in agents:
            room, row = Fraction(1), {}
            for o in objects:
                x = min(Fraction(draw(st.integers(0, den)), den), left[o], room)
                if x:
                    row[o] = x
                    left[o] -= x
                    room -= x
            alloc[a] = row
    p = Allocation.from_mapping(e, {a: {o: str(x) for o, x in r.items() if x}
                                    for a, r in alloc.items()})
    assert p.is_feasible(e), p.feasibility_violations(e)
    return e, p


# ---------------------------------------------------------------- naive references
def naive_graph(e, p):
    """The object digraph of FORMAT.md built edge by edge (O(n·m²)), with networkx."""
    g = nx.DiGraph()
    m = e.m
    nodes = list(range(m + (1 if e.endowments is None else 0)))
    g.add_nodes_from(nodes)
    strict = set()
    for i in range(e.n):
        tiers = extended_tiers(e, i)
        tier_of = {k: t for t, tier in enumerate(tiers) for k in tier}
        row = row_with_outside(e, p.rows[i])
        for b in nodes:
            if row[b] > 0:
                for a in nodes:
                    if a != b and tier_of[a] <= tier_of[b]:
                        g.add_edge(b, a)
                        if tier_of[a] < tier_of[b]:
                            strict.add((b, a))
    if e.endowments is None:
        held = [m] + [k for k in range(m) if p.column_sum(k) < e.supply[k]]
        for b in held:
            for a in nodes:
                if a != b:
                    g.add_edge(b, a)
    return g, strict


def naive_efficient(e, p):
    g, strict = naive_graph(e, p)
    comp = {}
    for c, s in enumerate(nx.strongly_connected_components(g)):
        for v in s:
            comp[v] = c
    return not any(comp[b] == comp[a] for b, a in strict)


def sd_dominates(e, q, p):
    """q weakly sd-dominates p for all agents (extended orders), strictly for one."""
    strict = False
    for i in range(e.n):
        tiers = extended_tiers(e, i)
        rq, rp = row_with_outside(e, q.rows[i]), row_with_outside(e, p.rows[i])
        acc_q = acc_p = ZERO
        for tier in tiers:
            acc_q += sum((rq[k] for k in tier), ZERO)
            acc_p += sum((rp[k] for k in tier), ZERO)
            if acc_q < acc_p:
                return False
            strict |= acc_q > acc_p
    return strict


# ---------------------------------------------------------------- sd-efficiency
def test_bm_rsd_is_dominated_and_ps_is_efficient():
    rsd = Allocation.from_mapping(BM, RSD)
    imp = find_sd_improvement(BM, rsd)
    assert isinstance(imp, SdImprovement)
    assert imp.epsilon == Q(1, 12)
    assert imp.dominating.is_feasible(BM) and sd_dominates(BM, imp.dominating, rsd)
    assert is_sd_efficient(BM, run("ps", BM).allocation)


@SETTINGS
@given(economy_and_allocation())
def test_sd_efficiency_matches_naive_graph(case):
    e, p = case
    r = analyse_sd_efficiency(e, p)
    assert isinstance(r, SdImprovement) == (not naive_efficient(e, p))
    if isinstance(r, SdImprovement):
        assert r.epsilon > 0
        assert r.dominating.is_feasible(e), r.dominating.feasibility_violations(e)
        assert sd_dominates(e, r.dominating, p)
        assert any(t.strict for t in r.cycle)
    else:
        # the potential satisfies every edge of the naive graph
        g, strict = naive_graph(e, p)
        phi = [r.potential[o] for o in e.objects] + \
            ([r.outside] if e.endowments is None else [])
        for b, a in g.edges:
            assert phi[a] >= phi[b]
        for b, a in strict:
            assert phi[a] > phi[b]


def grid_allocations(e, den):
    """Every feasible allocation with entries in multiples of 1/den (tiny economies only)."""
    cells = [(i, k) for i in range(e.n) for k in range(e.m)]
    for values in itertools.product(range(den + 1), repeat=len(cells)):
        rows = [[ZERO] * e.m for _ in range(e.n)]
        for (i, k), v in zip(cells, values):
            rows[i][k] = Q(v, den)
        q = Allocation(e.agents, e.objects, tuple(tuple(r) for r in rows))
        if q.is_feasible(e):
            yield q


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(economy_and_allocation(max_n=2, max_m=2, endowments=False, den=2))
def test_sd_efficiency_against_grid_search(case):
    e, p = case
    dominated_on_grid = any(sd_dominates(e, q, p) for q in grid_allocations(e, 4))
    if dominated_on_grid:
        assert not is_sd_efficient(e, p)
    if is_sd_efficient(e, p):
        assert not dominated_on_grid


def test_outside_option_and_leftover_supply():
    e = Economy.create(["1", "2"], ["a", "b"], supply={"a": 1, "b": 2},
                       preferences={"1": ["a"], "2": ["b"]})
    # agent 2 could take more b (leftover): not efficient
    p = Allocation.from_mapping(e, {"1": {"a": 1}, "2": {"b": "1/2"}})
    imp = find_sd_improvement(e, p)
    assert imp is not None and imp.dominating.row_map("2") == {"b": Q(1)}
    # holding an unacceptable object is inefficient (free disposal to the outside option)
    p = Allocation.from_mapping(e, {"1": {"a": 1}, "2": {"a": 0, "b": 1}})
    assert is_sd_efficient(e, p)
    e2 = Economy.create(["1"], ["a", "b"], preferences={"1": ["a"]})
    p = Allocation.from_mapping(e2, {"1": {"a": "1/2", "b": "1/2"}})
    imp = find_sd_improvement(e2, p)
    assert imp is not None and imp.dominating.row_map("1") == {"a": Q(1)}


# ---------------------------------------------------------------- fairness
def naive_envy_pairs(e, p, filt=lambda i, j: True):
    out = set()
    for i in range(e.n):
        tiers = extended_tiers(e, i)
        ri = row_with_outside(e, p.rows[i])
        for j in range(e.n):
            if i != j and filt(i, j):
                rj = row_with_outside(e, p.rows[j])
                cum_i = cum_j = ZERO
                for tier in tiers:
                    cum_i += sum((ri[k] for k in tier), ZERO)
                    cum_j += sum((rj[k] for k in tier), ZERO)
                    if cum_j > cum_i:
                        out.add((e.agents[i], e.agents[j]))
                        break
    return out


def ucs_mass(e, i, row, ucs):
    idx = {o: k for k, o in enumerate(e.objects)}
    full = row_with_outside(e, row)
    return sum((full[idx[o]] if o is not None else full[e.m] for o in ucs), ZERO)


@SETTINGS
@given(economy_and_allocation())
def test_fairness_finders_match_brute_force(case):
    e, p = case
    envy = naive_envy_pairs(e, p)
    w = find_envy(e, p)
    assert (w is None) == (not envy)
    if w is not None:
        i, j = e.agent_index[w.envious], e.agent_index[w.envied]
        assert (w.envious, w.envied) in envy
        assert ucs_mass(e, i, p.rows[i], w.upper_contour_set) == w.envious_mass
        assert ucs_mass(e, i, p.rows[j], w.upper_contour_set) == w.envied_mass
        assert w.envied_mass > w.envious_mass
    endow = [tuple(e.endowments[i]) if e.endowments else () for i in range(e.n)]
    eene = naive_envy_pairs(e, p, lambda i, j: endow[i] == endow[j])
    assert (find_eene_violation(e, p) is None) == (not eene)
    # IR: compare with the endowment row (zero row without endowments)
    bad_ir = set()
    for i in range(e.n):
        zero = (ZERO,) * e.m
        w_row = e.endowments[i] if e.endowments else zero
        if sd_compare(e.preferences[i], dict(zip(e.objects, p.rows[i])),
                      dict(zip(e.objects, w_row))) in ("dominated", "incomparable"):
            bad_ir.add(i)
    ir = find_ir_violation(e, p)
    if bad_ir:
        assert ir is not None
    # ETE
    unequal = any(e.preferences[i] == e.preferences[j] and endow[i] == endow[j]
                  and p.rows[i] != p.rows[j] for i in range(e.n) for j in range(e.n))
    assert (find_ete_violation(e, p) is None) == (not unequal)
    # bounded envy: with equal endowments it is envy-freeness
    be = find_bounded_envy_violation(e, p)
    if e.endowments is None:
        assert (be is None) == (w is None)
    if be is not None:
        assert be.envy > be.bound


@SETTINGS
@given(economy_and_allocation(endowments=False))
def test_ps_outcomes_are_efficient_and_envy_free(case):
    e, _ = case
    tb = list(e.objects)
    r = run("ps", e, tiebreak=tb) if not e.is_strict() else run("ps", e)
    assert r.allocation.is_feasible(e)
    if e.is_strict():
        assert is_sd_efficient(e, r.allocation)
        assert find_envy(e, r.allocation) is None
        assert find_ir_violation(e, r.allocation) is None


def test_registry_and_applicability():
    res = check_all(BM, run("ps", BM).allocation)
    assert set(res) == {"feasible", "sd-efficient", "ir", "ete", "eene", "envy-free",
                        "ordinal-fair"}
    assert all(r.holds for r in res.values())
    assert evaluate("bounded-envy", BM, run("ps", BM).allocation).holds is None
    with pytest.raises(Exception, match="unknown property"):
        evaluate("nope", BM, run("ps", BM).allocation)
    assert "sd-efficient" in PROPERTIES
