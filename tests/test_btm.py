"""Balanced trading on the full preference domain (btm), ps-ext and TTC.

Paper facts (Yu and Zhang, arXiv 2005.09340v2; ``shared/spec/btm.md``): Example 1 step by step,
the introduction's two-agent example, the regression vectors of btm.md §6, the strict
discriminating example of §2, BTM = TTC on housing markets, Equal-BTM = PS on strict house
allocation, and Propositions 1, 2 and Corollary 1 on random economies with ties (hypothesis).

Every trace is also re-checked by :func:`replay`, an independent re-implementation of the step
rules that only reads the economy and the trace JSON (standard-library ``Fraction``): it is the
specification of what a ``btm.outcome`` certificate checker has to verify.

A failure of a proved proposition prints the economy as JSON: store it under
``counterexamples/`` and report it (it means the reconstruction or the code is wrong).
"""
from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exactassign import run
from exactassign.allocation import Allocation
from exactassign.economy import Economy
from exactassign.errors import (DomainError, EconomyError, LimitExceeded, ParameterError)
from exactassign.io.json_io import dump_economy
from exactassign.io.render import TRACE_COLUMNS, render_result
from exactassign.mechanisms import REGISTRY
from exactassign.mechanisms.btm import (EQUAL, BTMRule, balanced_trading, extended_ps,
                                        get_rule)
from exactassign.numbers import to_fraction
from exactassign.properties.efficiency import find_sd_improvement
from exactassign.properties.fairness import (find_bounded_envy_violation, find_eene_violation,
                                             find_envy, find_ete_violation, find_ir_violation)

F = Fraction
PROPERTY_EXAMPLES = 500
SETTINGS = settings(max_examples=PROPERTY_EXAMPLES, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# =============================================================================================
# Independent replay of a BTM trace (what a btm.outcome checker must verify)
# =============================================================================================

def _fr(s: str) -> Fraction:
    return Fraction(s)


def _tiers(economy: Economy, a: str) -> dict[str, int]:
    order = economy.preference_of(a)
    rank = {o: k for k, t in enumerate(order) for o in t}
    for o in economy.objects:           # unlisted objects: one bottom tie
        rank.setdefault(o, len(order))
    return rank


def replay(economy: Economy, steps: list[dict], allocation: Allocation,
           rule: str | None = "equal") -> None:
    """Re-check every step of a BTM trace from the economy alone; raise AssertionError.

    Checks, per step: O^t; the labeling rounds (who labels what, with which amounts, triggered
    by which objects); participants, A^t, favourites and the pointing rounds (D_i and the round);
    the sources (suppliers are remaining owners, resp. eligible labelers: labelers of the object
    who pointed in earlier rounds than its demanders; shares ≥ 0 summing to 1; the rule's shares
    when ``rule`` is given); demand splits; system (4) x_s = Σ λ_is y_i, y_j = Σ θ_js x_s;
    constraints (5); the capacity of each source; Lemma 1 of the seed (A^{t+1} ⊆ A^t); that each listed class is closed and strongly
    connected (tree edges exist), that its stationary vector solves π = Kπ, Σπ = 1, π > 0, that
    x = απ on it and some constraint binds; that every other source has a path to a class
    (hence x = 0 there); so the solution is the maximum one.  Then the update: receipts
    λ_is y_i, supplies θ_js x_s from endowments and labeled stocks, exhausted objects and
    stocks.  Finally no endowment is left and the allocation is the replayed one.
    """
    agents, objects = economy.agents, economy.objects
    n = economy.n
    rank = {a: _tiers(economy, a) for a in agents}
    if economy.endowments is None:
        omega = {a: {o: to_fraction(q) / n for o, q in zip(objects, economy.supply)}
                 for a in agents}
    else:
        omega = {a: {o: to_fraction(x) for o, x in zip(objects, row) if x}
                 for a, row in zip(agents, economy.endowments)}
    p: dict[str, dict[str, Fraction]] = {a: {} for a in agents}
    previous_avail = set(objects)
    for step in steps:
        live = {o for o in objects if any(omega[a].get(o, 0) > 0 for a in agents)}
        assert live and set(step["endowment_objects"]) == live
        # -- labeling --
        held = {a: {o for o, v in p[a].items() if v > 0 and o not in live} for a in agents}
        labels: dict[str, set[str]] = {}
        trigger, rounds = set(live), []
        while True:
            ev = {}
            for a in agents:
                if a in labels:
                    continue
                got = {o for o in held[a] if any(rank[a][o2] == rank[a][o] for o2 in trigger)}
                if got:
                    ev[a] = got
            if not ev:
                break
            rounds.append(ev)
            labels.update(ev)
            trigger = set().union(*ev.values())
        assert len(step["labeling"]) == len(rounds)
        for r_json, ev in zip(step["labeling"], rounds):
            assert {e["agent"]: set(e["objects"]) for e in r_json["labels"]} == ev
            for e in r_json["labels"]:
                for o, amt in e["objects"].items():
                    assert _fr(amt) == p[e["agent"]][o]
                for o2 in e["indifferent_to"]:
                    assert any(rank[e["agent"]][o2] == rank[e["agent"]][o] for o in e["objects"])
        # -- pointing --
        parts = {a for a in agents if any(v > 0 for v in omega[a].values())} | set(labels)
        avail = live | {o for objs in labels.values() for o in objs}
        assert set(step["available"]) == avail
        assert avail <= previous_avail, "Lemma 1: A^{t+1} is a subset of A^t"
        previous_avail = avail
        fav = {}
        for a in parts:
            best = min(rank[a][o] for o in avail)
            fav[a] = {o for o in avail if rank[a][o] == best}
        pround: dict[str, int] = {}
        D: dict[str, set[str]] = {}
        for a in parts:
            if fav[a] & live:
                pround[a], D[a] = 1, fav[a] & live
        r = 1
        while True:
            offered = {o for b in pround for o in labels.get(b, ())}
            new = {a: fav[a] & offered for a in parts if a not in pround and fav[a] & offered}
            if not new:
                break
            r += 1
            for a, d in new.items():
                pround[a], D[a] = r, d
        assert set(pround) == parts, "every participant points"
        for r_json in step["pointing"]:
            for e in r_json["points"]:
                a = e["agent"]
                assert pround[a] == r_json["round"] and set(e["objects"]) == D[a]
                assert set(e["favourites"]) == fav[a]
        # -- sources and demand --
        src = {s["id"]: s for s in step["sources"]}
        lam = {a: {sid: _fr(v) for sid, v in d.items()} for a, d in step["demand"].items()}
        assert set(lam) == parts
        demand_round: dict[str, int] = {}
        for a in parts:
            kind = "L" if pround[a] > 1 else "E"
            allowed = {f"{kind}:{o}" for o in D[a]}
            assert set(lam[a]) <= allowed and sum(lam[a].values()) == 1
            assert all(v > 0 for v in lam[a].values())
            if rule is not None:
                assert set(lam[a]) == allowed
                assert all(v == F(1, len(allowed)) for v in lam[a].values())
            for sid in allowed:
                demand_round.setdefault(sid, pround[a])
                assert demand_round[sid] == pround[a]
        assert set(src) == set(demand_round)
        shares = {sid: {a: _fr(v) for a, v in s["shares"].items()} for sid, s in src.items()}
        holding = {}
        for sid, s in src.items():
            o = s["object"]
            assert sid == ("L:" if s["kind"] == "labeled" else "E:") + o
            if s["kind"] == "endowment":
                holders = {a: omega[a][o] for a in agents if omega[a].get(o, 0) > 0}
            else:
                holders = {a: p[a][o] for a in labels if o in labels[a]
                           and pround[a] < demand_round[sid]}
            holding[sid] = holders
            th = shares[sid]
            assert set(th) <= set(holders) and sum(th.values()) == 1
            assert all(v > 0 for v in th.values())
            if rule == "equal":
                assert set(th) == set(holders)
                assert all(v == F(1, len(holders)) for v in th.values())
            elif rule == "proportional":
                tot = sum(holders.values())
                assert th == {a: v / tot for a, v in holders.items()}
            assert _fr(s["capacity"]) == min(holders[a] / t for a, t in th.items())
        # -- the system (4)-(5) --
        x = {sid: _fr(v) for sid, v in step["x"].items()}
        y = {a: _fr(v) for a, v in step["y"].items()}
        assert set(x) == set(src) and set(y) == parts
        for sid in src:
            assert x[sid] == sum(lam[a].get(sid, 0) * y[a] for a in parts)
            for a, t in shares[sid].items():
                assert t * x[sid] <= holding[sid][a]
        for a in parts:
            assert y[a] == sum(shares[sid].get(a, 0) * x[sid] for sid in src)
        # -- maximality: closed classes, stationary vectors, binding constraints --
        succ = {sid: {s2 for a in shares[sid] for s2 in lam[a]} for sid in src}
        in_class: dict[str, int] = {}
        for c in step["classes"]:
            C = set(c["sources"])
            for sid in C:
                assert sid not in in_class
                in_class[sid] = 0
                assert succ[sid] <= C, "class is closed"
            for tree, edge in (("in_tree", lambda u, v: v in succ[u]),
                               ("out_tree", lambda u, v: u in succ[v])):
                parent = c[tree]
                assert set(parent) == C - {c["root"]}
                for u in parent:
                    assert edge(u, parent[u])
                    v, hops = u, 0
                    while v != c["root"]:
                        v, hops = parent[v], hops + 1
                        assert hops <= len(C)
            pi = {sid: _fr(v) for sid, v in c["stationary"].items()}
            assert set(pi) == C and sum(pi.values()) == 1 and all(v > 0 for v in pi.values())
            for s2 in C:
                assert pi[s2] == sum(shares[s][a] * lam[a].get(s2, 0) * pi[s]
                                     for s in C for a in shares[s])
            alpha = _fr(c["alpha"])
            assert all(x[sid] == alpha * pi[sid] for sid in C)
            assert c["binding"]
            for b in c["binding"]:
                assert b["source"] in C
                assert shares[b["source"]][b["agent"]] * x[b["source"]] == \
                    holding[b["source"]][b["agent"]]
            assert set(c["agents"]) == {a for sid in C for a in shares[sid]}
        dist = {sid: 0 for sid in in_class}
        for sid, t in sorted(step["transient"].items(), key=lambda kv: kv[1]["distance"]):
            assert t["next"] in succ[sid] and dist[t["next"]] == t["distance"] - 1
            dist[sid] = t["distance"]
            assert x[sid] == 0
        assert set(dist) == set(src), "every source is in a closed class or transient"
        # -- the update --
        received: dict[str, dict[str, Fraction]] = {}
        for a in parts:
            for sid, v in lam[a].items():
                if v * y[a]:
                    o = src[sid]["object"]
                    received.setdefault(a, {})
                    received[a][o] = received[a].get(o, 0) + v * y[a]
        assert {a: {o: _fr(v) for o, v in d.items()} for a, d in step["received"].items()} \
            == received
        sup_e: dict[str, dict[str, Fraction]] = {}
        sup_l: dict[str, dict[str, Fraction]] = {}
        gone_l = set()
        for sid, s in src.items():
            o = s["object"]
            for a, t in shares[sid].items():
                amt = t * x[sid]
                if not amt:
                    continue
                book = sup_e if s["kind"] == "endowment" else sup_l
                book.setdefault(a, {})[o] = book.setdefault(a, {}).get(o, 0) + amt
                if s["kind"] == "endowment":
                    omega[a][o] -= amt
                else:
                    p[a][o] -= amt
                    if not p[a][o]:
                        gone_l.add((a, o))
        for key, book in (("supplied_endowment", sup_e), ("supplied_labeled", sup_l)):
            assert {a: {o: _fr(v) for o, v in d.items()} for a, d in step[key].items()} == book
        for a, d in received.items():
            for o, v in d.items():
                p[a][o] = p[a].get(o, 0) + v
        for a in agents:
            p[a] = {o: v for o, v in p[a].items() if v}
        after = {o for o in objects if any(omega[a].get(o, 0) > 0 for a in agents)}
        assert set(step["exhausted"]) == live - after
        assert {(e["agent"], e["object"]) for e in step["exhausted_labeled"]} == gone_l
        assert all(v >= 0 for a in agents for v in omega[a].values())
    assert not any(v > 0 for a in agents for v in omega[a].values()), "endowments left"
    expected = {a: {o: str(v) for o, v in sorted(p[a].items(), key=lambda kv:
                                                 objects.index(kv[0]))} for a in agents}
    assert allocation.to_mapping() == expected


def replay_result(economy: Economy, result, rule: str | None = "equal") -> None:
    if result.mechanism == "ps-ext":
        steps = [ph.btm.to_json() for ph in result.trace]
        replay_eating(result)
    else:
        steps = result.trace_json()
    replay(economy, steps, result.allocation, rule)


def replay_eating(result) -> None:
    """ps-ext phases: consecutive, rates × duration = receipts, rate = 1 + labels eaten."""
    t = F(0)
    for ph in result.trace_json():
        start, end = _fr(ph["start"]), _fr(ph["end"])
        assert start == t and end > start
        dur = end - start
        btm = ph["btm"]
        for a, row in ph["eating"].items():
            for o, rate in row.items():
                assert _fr(rate) * dur == _fr(btm["received"][a][o])
            lost = sum((_fr(v) for v in ph["eaten_labels"].get(a, {}).values()), F(0))
            assert _fr(ph["rate"][a]) == 1 + lost
        for a, row in btm["supplied_endowment"].items():
            assert sum(_fr(v) for v in row.values()) == dur
        t = end


# =============================================================================================
# Economies
# =============================================================================================

def fee(prefs, endow, **kw) -> Economy:
    agents = list(prefs)
    objects = sorted({o for row in endow.values() for o in row} |
                     {o for order in prefs.values() for t in order
                      for o in ([t] if isinstance(t, str) else t)})
    return Economy.create(agents, objects, preferences=prefs, endowments=endow, **kw)


EX1_PREFS = {"1": [["a", "b"], "c"], "2": [["b", "c"], "a"], "3": ["b", "a", "c"],
             "4": ["a", "b", "c"]}


@pytest.fixture
def example1() -> Economy:
    return fee(EX1_PREFS, {i: {"a": "1/4", "b": "1/4", "c": "1/4"} for i in "1234"})


def amounts(d) -> dict:
    """agent -> amount, or agent -> object -> amount, as canonical strings."""
    return {a: ({o: str(v) for o, v in row.items()} if isinstance(row, dict) else str(row))
            for a, row in d.items()}


def labels_by_round(step) -> list[dict]:
    return [{e.agent: e.objects for e in r.events} for r in step.labeling]


def points(step) -> dict:
    out = {}
    for r in step.pointing:
        for e in r.events:
            out[e.agent] = (r.round, e.objects, e.sources)
    return out


# =============================================================================================
# Example 1 (btm.md §5), step by step
# =============================================================================================

def test_example1_step_by_step(example1):
    r = balanced_trading(example1)
    assert len(r.trace) == 4
    s1, s2, s3, s4 = r.trace
    # step 1: 1 splits over a, b; 2 over b, c; 3 -> b; 4 -> a; b exhausted
    assert labels_by_round(s1) == []
    assert points(s1) == {"1": (1, ("a", "b"), ("E:a", "E:b")), "2": (1, ("b", "c"),
                          ("E:b", "E:c")), "3": (1, ("b",), ("E:b",)), "4": (1, ("a",), ("E:a",))}
    assert amounts(s1.y) == {a: "1/2" for a in "1234"}
    assert amounts(s1.received) == {"1": {"a": "1/4", "b": "1/4"}, "2": {"b": "1/4", "c": "1/4"},
                                    "3": {"b": "1/2"}, "4": {"a": "1/2"}}
    assert all(sum(row.values()) == F(1, 2) for row in
               ({o: to_fraction(v) for o, v in d.items()}
                for d in s1.supplied_endowment.values()))
    assert s1.exhausted == ("b",)
    # step 2: 1 and 2 label b (agent 3 labels her b by the reflexive reading; unused);
    # 1 -> a, 2 -> c, 4 -> a, 3 -> labeled b supplied equally by 1 and 2; a exhausted
    assert labels_by_round(s2) == [{"1": ("b",), "2": ("b",)}, {"3": ("b",)}]
    assert points(s2) == {"1": (1, ("a",), ("E:a",)), "2": (1, ("c",), ("E:c",)),
                          "4": (1, ("a",), ("E:a",)), "3": (2, ("b",), ("L:b",))}
    lb = next(s for s in s2.sources if s.id == "L:b")
    assert lb.suppliers == ("1", "2") and [str(t) for t in lb.shares] == ["1/2", "1/2"]
    assert amounts(s2.y) == {"1": "3/20", "2": "3/20", "3": "1/10", "4": "1/10"}
    assert amounts(s2.received) == {"1": {"a": "3/20"}, "2": {"c": "3/20"}, "3": {"b": "1/10"},
                                    "4": {"a": "1/10"}}
    assert amounts(s2.supplied_labeled) == {"1": {"b": "1/20"}, "2": {"b": "1/20"}}
    for row in s2.supplied_endowment.values():
        assert sum(map(to_fraction, row.values())) == F(1, 10)
    assert s2.exhausted == ("a",)
    # step 3: 2 labels her b (c available), inducing 1 to label a (and her b); 4 labels a
    # (reflexive); 1 and 3 -> 2's b, 2 -> c, 4 -> 1's a; 2's labeled b exhausted
    assert labels_by_round(s3) == [{"2": ("b",)}, {"1": ("a", "b"), "3": ("b",)},
                                   {"4": ("a",)}]
    assert points(s3) == {"2": (1, ("c",), ("E:c",)), "1": (2, ("b",), ("L:b",)),
                          "3": (2, ("b",), ("L:b",)), "4": (3, ("a",), ("L:a",))}
    assert {s.id: s.suppliers for s in s3.sources} == {"E:c": ("1", "2", "3", "4"),
                                                       "L:a": ("1",), "L:b": ("2",)}
    assert amounts(s3.y) == {"1": "2/15", "2": "4/15", "3": "1/15", "4": "1/15"}
    assert amounts(s3.received) == {"1": {"b": "2/15"}, "2": {"c": "4/15"},
                                    "3": {"b": "1/15"}, "4": {"a": "1/15"}}
    assert amounts(s3.supplied_labeled) == {"1": {"a": "1/15"}, "2": {"b": "1/5"}}
    assert amounts(s3.supplied_endowment) == {a: {"c": "1/15"} for a in "1234"}
    assert s3.exhausted == () and s3.exhausted_labeled == (("2", "b"),)
    (cls,) = s3.classes
    assert cls.binding == (("2", "L:b"),) and str(cls.alpha) == "8/15"
    # step 4: nobody labels; everybody eats c
    assert labels_by_round(s4) == []
    assert amounts(s4.received) == {a: {"c": "1/12"} for a in "1234"}
    assert r.allocation.to_mapping() == {
        "1": {"a": "1/3", "b": "1/3", "c": "1/12"}, "2": {"c": "3/4"},
        "3": {"b": "2/3", "c": "1/12"}, "4": {"a": "2/3", "c": "1/12"}}
    replay_result(example1, r)
    p = r.allocation
    assert find_ir_violation(example1, p) is None
    assert find_sd_improvement(example1, p) is None
    assert find_envy(example1, p) is None


def test_example1_as_house_allocation_is_ps_ext():
    e = Economy.create(["1", "2", "3", "4"], ["a", "b", "c"], preferences=EX1_PREFS)
    r = extended_ps(e)
    assert [(str(ph.start), str(ph.end)) for ph in r.trace] == [
        ("0", "1/2"), ("1/2", "3/5"), ("3/5", "2/3"), ("2/3", "3/4")]
    third = r.trace[2]           # "you request my house - I get your rate"
    assert amounts(third.rate) == {"1": "2", "2": "4", "3": "1", "4": "1"}
    assert amounts(third.eaten_labels) == {"1": {"a": "1"}, "2": {"b": "3"}}
    assert r.allocation == balanced_trading(e).allocation
    replay_result(e, r)
    assert find_sd_improvement(e, r.allocation) is None and find_envy(e, r.allocation) is None


# =============================================================================================
# Introduction, §6 regression vectors, §2 discriminating example
# =============================================================================================

SWAP = {"1": {"b": "1"}, "2": {"a": "1"}}


@pytest.mark.parametrize("rule", ["equal", "proportional"])
def test_intro_housing_market(rule):
    e = fee({"1": [["a", "b"]], "2": ["a", "b"]}, {"1": {"a": 1}, "2": {"b": 1}})
    r = balanced_trading(e, rule=rule)
    assert r.allocation.to_mapping() == SWAP
    s1, s2 = r.trace
    assert amounts(s1.received) == {"1": {"a": "1/2", "b": "1/2"}, "2": {"a": "1/2"}}
    # 1 labels her a (indifferent to b); 2 then labels her a reflexively (unused supply)
    assert labels_by_round(s2) == [{"1": ("a",)}, {"2": ("a",)}]
    assert points(s2) == {"1": (1, ("b",), ("E:b",)), "2": (2, ("a",), ("L:a",))}
    replay_result(e, r, rule)


def test_intro_equal_shares_and_the_seed_prose():
    """Each agent owns 1/2 of a and of b (the seed's introduction; its formula was lost, btm.md
    §6 states the housing-market variant).  Breaking 1's tie (a over b) makes keeping the
    endowments the unique IR allocation.  The prose's run demands only a at step 1 (a demand
    split putting λ = 1 on a, the seed's footnote 3): both get 1/2 a by self-trade and a is
    exhausted; at step 2 agent 1 labels her a, 2 demands 1's a, 1 demands b: 1 receives all of
    b (her own and 2's), 2 all of a (her own and 1's)."""
    half = {"a": "1/2", "b": "1/2"}
    tied = fee({"1": [["a", "b"]], "2": ["a", "b"]}, {"1": half, "2": half})
    r = balanced_trading(tied)
    assert r.allocation.to_mapping() == SWAP
    replay_result(tied, r)
    broken = fee({"1": ["a", "b"], "2": ["a", "b"]}, {"1": half, "2": half})
    assert balanced_trading(broken).allocation.to_mapping() == {"1": half, "2": half}
    first_object = BTMRule("first-object", demand_split=lambda s, a, objs: {objs[0]: 1})
    r = balanced_trading(tied, rule=first_object)
    s1, s2 = r.trace
    assert amounts(s1.received) == {"1": {"a": "1/2"}, "2": {"a": "1/2"}}
    assert amounts(s1.supplied_endowment) == {"1": {"a": "1/2"}, "2": {"a": "1/2"}}
    assert s1.exhausted == ("a",)
    assert labels_by_round(s2)[0] == {"1": ("a",)}
    assert points(s2) == {"1": (1, ("b",), ("E:b",)), "2": (2, ("a",), ("L:a",))}
    assert amounts(s2.received) == {"1": {"b": "1"}, "2": {"a": "1/2"}}
    assert amounts(s2.supplied_labeled) == {"1": {"a": "1/2"}}
    assert r.allocation.to_mapping() == SWAP
    replay_result(tied, r, rule=None)


@pytest.mark.parametrize("mechanism", ["btm", "ps-ext"])
def test_sec6_dichotomous_vector(mechanism):
    e = Economy.create(["1", "2", "3", "4", "5"], ["a", "b", "c"],
                       supply={"a": 1, "b": 1, "c": 3},
                       preferences={"1": [["a", "b"], "c"], "2": ["a", ["b", "c"]],
                                    "3": ["b", ["a", "c"]], "4": ["b", ["a", "c"]],
                                    "5": ["b", ["a", "c"]]})
    r = run(mechanism, e)
    assert r.allocation.to_mapping() == {
        "1": {"a": "1/2", "c": "1/2"}, "2": {"a": "1/2", "c": "1/2"},
        "3": {"b": "1/3", "c": "2/3"}, "4": {"b": "1/3", "c": "2/3"},
        "5": {"b": "1/3", "c": "2/3"}}
    replay_result(e, r)


@pytest.mark.parametrize("mechanism", ["btm", "ps-ext"])
def test_sec6_later_labeling_vector(mechanism):
    e = Economy.create(["1", "2", "3", "4"], ["a", "b", "c"],
                       supply={"a": "5/2", "b": 1, "c": "1/2"},
                       preferences={"1": ["a", ["b", "c"]], "2": [["a", "c"], "b"],
                                    "3": ["c", "a", "b"], "4": [["a", "b"], "c"]})
    r = run(mechanism, e)
    assert r.allocation.to_mapping() == {"1": {"a": "1"}, "2": {"a": "1"},
                                         "3": {"a": "1/2", "c": "1/2"}, "4": {"b": "1"}}
    replay_result(e, r)


SEC2 = ({"1": ["a", "c", "b"], "2": ["c", "b", "a"], "3": ["c", "b", "a"]},
        {"1": {"b": "1/3", "c": "2/3"}, "2": {"a": "2/3", "c": "1/3"},
         "3": {"a": "1/3", "b": "2/3"}})


def test_sec2_discriminating_example_equal():
    e = fee(*SEC2)
    r = balanced_trading(e)
    assert r.allocation.to_mapping() == {"1": {"a": "1"}, "2": {"b": "1/3", "c": "2/3"},
                                         "3": {"b": "2/3", "c": "1/3"}}
    first = r.trace[0]
    assert amounts(first.y) == {"1": "1/3", "2": "1/2", "3": "1/6"}
    assert [c.binding for c in first.classes] == [(("2", "E:c"),)]
    assert e.is_strict() and all(not s.labeling for s in r.trace)
    replay_result(e, r)


def test_sec2_discriminating_example_proportional():
    e = fee(*SEC2)
    r = balanced_trading(e, rule="proportional")
    assert amounts({"2": r.allocation.row_map("2")}) == {"2": {"b": "2/9", "c": "7/9"}}
    assert r.allocation != balanced_trading(e).allocation
    replay_result(e, r, "proportional")


# =============================================================================================
# Random economies (hypothesis draws only; no RNG seeding)
# =============================================================================================

OBJS = "abcd"
SHARES = [F(0), F(1, 8), F(1, 6), F(1, 4), F(1, 3), F(1, 2)]


@st.composite
def weak_orders(draw, objects, ties=True, complete=False):
    objs = draw(st.permutations(list(objects)))
    k = len(objs) if complete else draw(st.integers(1, len(objs)))
    tiers, cur = [], []
    for o in objs[:k]:
        cur.append(o)
        if not ties or draw(st.booleans()):
            tiers.append(cur)
            cur = []
    if cur:
        tiers.append(cur)
    return [t[0] if len(t) == 1 else t for t in tiers]


@st.composite
def fee_economies(draw, max_agents=4, max_objects=4, ties=True):
    """FEE economies with ties, unequal endowments, unlisted objects and (often) clones: agent
    2 copies agent 1's endowment (EENE is tested) and sometimes her preferences (ETE)."""
    n = draw(st.integers(1, max_agents))
    m = draw(st.integers(1, max_objects))
    agents = [str(i) for i in range(1, n + 1)]
    objects = list(OBJS[:m])
    rows = []
    for _ in agents:
        row = [draw(st.sampled_from(SHARES)) for _ in objects]
        while sum(row) > 1:
            row = [x / 2 for x in row]
        rows.append(row)
    prefs = {a: draw(weak_orders(objects, ties=ties)) for a in agents}
    if n >= 2 and draw(st.booleans()):
        rows[1] = list(rows[0])
        if draw(st.booleans()):
            prefs["2"] = prefs["1"]
    clones = n >= 2 and rows[1] == rows[0]
    for k in range(m):                      # every object owned by somebody (clones alike)
        if not any(r[k] for r in rows):
            owners = [0, 1] if clones else [draw(st.integers(0, n - 1))]
            for i in owners:
                if sum(rows[i]) + F(1, 8) > 1:
                    rows[i] = [x / 2 for x in rows[i]]
                rows[i][k] = F(1, 8)
    endow = {a: {o: x for o, x in zip(objects, r) if x} for a, r in zip(agents, rows)}
    return Economy.create(agents, objects, preferences=prefs, endowments=endow)


@st.composite
def house_economies(draw, max_agents=5, max_objects=4, ties=True):
    """House allocation: complete weak orders (strict if not ``ties``), Σ supply ≤ n."""
    n = draw(st.integers(1, max_agents))
    m = draw(st.integers(1, min(n, max_objects)))
    agents = [str(i) for i in range(1, n + 1)]
    objects = list(OBJS[:m])
    prefs = {a: draw(weak_orders(objects, ties=ties, complete=True)) for a in agents}
    if n >= 2 and draw(st.booleans()):
        prefs["2"] = prefs["1"]
    supply = None
    if draw(st.booleans()):
        sup = [F(draw(st.integers(1, 4)), draw(st.integers(1, 2))) for _ in objects]
        if sum(sup) > n:
            sup = [x * n / sum(sup) for x in sup]
        supply = dict(zip(objects, sup))
    return Economy.create(agents, objects, preferences=prefs, supply=supply)


@st.composite
def housing_markets(draw, max_agents=6):
    n = draw(st.integers(1, max_agents))
    agents = [str(i) for i in range(1, n + 1)]
    objects = [f"h{a}" for a in agents]
    prefs = {a: list(draw(st.permutations(objects))) for a in agents}
    if n >= 2 and draw(st.booleans()):     # one unranked object is still a strict order
        prefs["1"] = prefs["1"][:-1]
    return Economy.create(agents, objects, preferences=prefs,
                          endowments={a: {f"h{a}": 1} for a in agents})


def _fail(what: str, economy: Economy, witness) -> str:
    return (f"{what} fails (store under counterexamples/ and report):\n{witness}\n"
            f"{dump_economy(economy)}")


def _check(economy: Economy, allocation: Allocation, props: dict) -> None:
    for name, finder in props.items():
        w = finder(economy, allocation)
        assert w is None, _fail(name, economy, w)


@SETTINGS
@given(fee_economies())
def test_prop1_ir_and_sd_efficient(e):
    for rule in ("equal", "proportional"):
        p = balanced_trading(e, rule=rule).allocation
        assert not p.feasibility_violations(e), _fail("feasibility", e, p.to_mapping())
        _check(e, p, {f"Prop. 1 IR ({rule})": find_ir_violation,
                      f"Prop. 1 sd-efficiency ({rule})": find_sd_improvement})


@SETTINGS
@given(fee_economies())
def test_prop2_ete_eene_and_equal_rule_bounded_envy(e):
    for rule in ("equal", "proportional"):   # both are stepwise ETE and stepwise EEET
        p = balanced_trading(e, rule=rule).allocation
        _check(e, p, {f"Prop. 2(1) ETE ({rule})": find_ete_violation,
                      f"Prop. 2(2) EENE ({rule})": find_eene_violation})
        if rule == "equal":                   # bounded advantage
            _check(e, p, {"Prop. 2(3) bounded envy (equal)": find_bounded_envy_violation})


@SETTINGS
@given(house_economies())
def test_corollary1_house_allocation_sd_efficient_and_envy_free(e):
    r = extended_ps(e)
    _check(e, r.allocation, {"Cor. 1 sd-efficiency": find_sd_improvement,
                             "Cor. 1 envy-freeness": find_envy})
    assert r.allocation == balanced_trading(e).allocation


@settings(max_examples=300, deadline=None)
@given(house_economies(ties=False))
def test_equal_btm_is_ps_on_strict_house_allocation(e):
    ps = run("ps", e)
    ext = extended_ps(e)
    assert ext.allocation == ps.allocation, dump_economy(e)
    assert [ph.end for ph in ext.trace] == [ph.end for ph in ps.trace]
    assert all(r == 1 for ph in ext.trace for r in ph.rate.values())


@settings(max_examples=300, deadline=None)
@given(housing_markets())
def test_btm_is_ttc_on_housing_markets(e):
    ttc = run("ttc", e).allocation
    for rule in ("equal", "proportional", CUSTOM):
        assert balanced_trading(e, rule=rule).allocation == ttc, dump_economy(e)


@settings(max_examples=200, deadline=None)
@given(fee_economies())
def test_traces_replay(e):
    for rule in ("equal", "proportional"):
        replay_result(e, balanced_trading(e, rule=rule), rule)


@settings(max_examples=100, deadline=None)
@given(house_economies())
def test_ps_ext_traces_replay(e):
    replay_result(e, extended_ps(e))


# =============================================================================================
# Custom rules (the Python API): Proposition 1 holds for any parameters
# =============================================================================================

def _weights_split(state, agent, objs):
    w = {o: k + 1 for k, o in enumerate(objs)}
    tot = sum(w.values())
    return {o: F(v, tot) for o, v in w.items()}


def _first_takes_half(state, obj, holdings):
    names = list(holdings)
    if len(names) == 1:
        return {names[0]: 1}
    rest = F(1, 2 * (len(names) - 1))
    return {a: (F(1, 2) if k == 0 else rest) for k, a in enumerate(names)}


def _last_labeler_only(state, obj, holdings):
    return {a: (1 if k == len(holdings) - 1 else 0) for k, a in enumerate(holdings)}


CUSTOM = BTMRule("test-custom", demand_split=_weights_split,
                 endowment_shares=_first_takes_half, labeled_shares=_last_labeler_only)


@settings(max_examples=300, deadline=None)
@given(fee_economies())
def test_custom_rule_is_ir_and_sd_efficient(e):
    r = balanced_trading(e, rule=CUSTOM)
    assert r.params["rule"] == "test-custom"
    _check(e, r.allocation, {"Prop. 1 IR (custom)": find_ir_violation,
                             "Prop. 1 sd-efficiency (custom)": find_sd_improvement})
    replay_result(e, r, rule=None)


def test_custom_rule_sees_the_step_state(example1):
    seen = []

    def spy(state, obj, holdings):
        seen.append((state.step, obj, dict(holdings), state.endowment_objects,
                     {a: state.labels(a) for a in "1234"},
                     {a: state.pointing_round(a) for a in "1234"},
                     {a: state.demanded(a) for a in "1234"}, state.remaining("1"),
                     state.holding("1")))
        return {a: F(1, len(holdings)) for a in holdings}

    r = balanced_trading(example1, rule=BTMRule("spy", endowment_shares=spy,
                                                labeled_shares=spy))
    assert r.allocation == balanced_trading(example1).allocation
    step2_lb = next(s for s in seen if s[0] == 2 and s[1] == "b")
    assert amounts(step2_lb[2]) == {"1": "1/4", "2": "1/4"}
    assert step2_lb[3] == ("a", "c")
    assert step2_lb[4] == {"1": ("b",), "2": ("b",), "3": ("b",), "4": ()}
    assert step2_lb[5] == {"1": 1, "2": 1, "3": 2, "4": 1}
    assert step2_lb[6]["3"] == ("b",)
    assert amounts(step2_lb[7]) == {"a": "1/16", "c": "3/16"}
    assert amounts(step2_lb[8]) == {"a": "1/4", "b": "1/4"}


@pytest.mark.parametrize("bad, message", [
    (lambda s, o, h: {a: F(1, 3) for a in h}, "sum to"),
    (lambda s, o, h: {**{a: F(1, len(h)) for a in h}, "nobody": 0}, "not one of"),
    (lambda s, o, h: {a: (2 if k == 0 else -1) for k, a in enumerate(h)}, "negative"),
    (lambda s, o, h: {a: 0.5 for a in h}, "binary float"),
    (lambda s, o, h: [1], "mapping"),
])
def test_custom_rule_bad_shares(example1, bad, message):
    with pytest.raises(ParameterError, match=message):
        balanced_trading(example1, rule=BTMRule("bad", endowment_shares=bad))


def test_custom_rule_bad_split_names_agent(example1):
    rule = BTMRule("bad", demand_split=lambda s, a, objs: {objs[0]: 2})
    with pytest.raises(ParameterError, match=r"agent '1'.*sum to 2"):
        balanced_trading(example1, rule=rule)


def test_rules_by_name():
    assert get_rule("equal") is EQUAL
    with pytest.raises(ParameterError, match="unknown BTM rule"):
        get_rule("fancy")


# =============================================================================================
# Bad input and domains (issue item 6)
# =============================================================================================

def test_economy_errors_name_agent_and_object():
    with pytest.raises(EconomyError, match=r"agent '1' sums to 3/2 > 1"):
        fee({"1": ["a", "b"]}, {"1": {"a": 1, "b": "1/2"}})
    with pytest.raises(EconomyError, match=r"supply of object 'a' is 2 but the endowments"):
        Economy.create(["1"], ["a"], preferences={"1": ["a"]}, supply={"a": 2},
                       endowments={"1": {"a": 1}})
    with pytest.raises(EconomyError, match=r"object 'b' is owned by nobody"):
        Economy.create(["1"], ["a", "b"], preferences={"1": ["a", "b"]},
                       endowments={"1": {"a": 1}})


def test_house_allocation_domain_errors():
    big = Economy.create(["1"], ["a", "b"], preferences={"1": ["a", "b"]})
    with pytest.raises(DomainError, match=r"total supply 2 > 1 agents"):
        balanced_trading(big)
    unlisted = Economy.create(["1", "2"], ["a", "b"], preferences={"1": ["a"],
                                                                   "2": ["a", "b"]})
    with pytest.raises(DomainError, match=r"agent '1' does not list object 'b'"):
        extended_ps(unlisted)
    unequal = fee({"1": ["a"], "2": ["a"]}, {"1": {"a": "1/3"}, "2": {"a": "2/3"}})
    with pytest.raises(DomainError, match=r"ps-ext: agent '2' has a different endowment"):
        extended_ps(unequal)


@pytest.mark.parametrize("kwargs, message", [
    (dict(preferences={"1": ["a", "b"], "2": ["b", "a"]}), "no endowments"),
    (dict(preferences={"1": ["a", "b"], "2": ["b", "a"]},
          endowments={"1": {"a": "1/2", "b": "1/2"}, "2": {"a": "1/2", "b": "1/2"}}),
     r"agent '1' owns a: 1/2, b: 1/2"),
    (dict(preferences={"1": ["a", "b"], "2": [["a", "b"]]},
          endowments={"1": {"a": 1}, "2": {"b": 1}}), r"agent '2' is indifferent between a, b"),
])
def test_ttc_refuses_non_housing_markets(kwargs, message):
    e = Economy.create(["1", "2"], ["a", "b"], **kwargs)
    with pytest.raises(DomainError, match=message):
        run("ttc", e)


def test_ttc_refuses_other_shapes():
    three = Economy.create(["1", "2"], ["a", "b", "c"], preferences={"1": ["a"], "2": ["b"]},
                           endowments={"1": {"a": 1}, "2": {"b": "1/2", "c": "1/2"}})
    with pytest.raises(DomainError, match="2 agents but 3 objects"):
        run("ttc", three)
    unranked = Economy.create(["1", "2", "3"], ["a", "b", "c"],
                              preferences={"1": ["a"], "2": ["b", "a", "c"], "3": ["c"]},
                              endowments={"1": {"a": 1}, "2": {"b": 1}, "3": {"c": 1}})
    with pytest.raises(DomainError, match=r"agent '1' does not rank objects 'b', 'c'"):
        run("ttc", unranked)


def test_step_limit(example1):
    with pytest.raises(LimitExceeded, match="more than 2 steps"):
        balanced_trading(example1, max_steps=2)
    with pytest.raises(ParameterError):
        balanced_trading(example1, max_steps=0)


# =============================================================================================
# Registry, CLI, rendering
# =============================================================================================

def test_registered_with_trace_columns():
    for name in ("btm", "ps-ext", "ttc"):
        assert name in REGISTRY and name in TRACE_COLUMNS
    e = fee(*SEC2)
    assert REGISTRY["btm"].run(e, {"rule": "proportional"}).params["rule"] == "proportional"
    with pytest.raises(ParameterError, match="unknown rule 'fair'"):
        REGISTRY["btm"].run(e, {"rule": "fair"})
    with pytest.raises(ParameterError, match="max_steps"):
        REGISTRY["btm"].run(e, {"max_steps": "-3"})


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex"])
def test_trace_tables(example1, fmt):
    out = render_result(balanced_trading(example1), example1, fmt, with_trace=True)
    assert "r1 1:b 2:b; r2 3:b" in out and "3:b(1,2)" in out and "4:a(1)" in out
    out = render_result(extended_ps(example1), example1, fmt, with_trace=True)
    assert "3/5" in out or "\\frac{3}{5}" in out


def test_trace_json_is_canonical(example1):
    doc = json.loads(render_result(balanced_trading(example1), example1, "json",
                                   with_trace=True))
    step3 = doc["trace"][2]
    assert step3["equations"] == ["x[E:c] = y[2]", "x[L:a] = y[4]", "x[L:b] = y[1] + y[3]",
                                  "y[1] = 1/4 x[E:c] + x[L:a]", "y[2] = 1/4 x[E:c] + x[L:b]",
                                  "y[3] = 1/4 x[E:c]", "y[4] = 1/4 x[E:c]"]
    assert step3["classes"][0]["stationary"] == {"E:c": "1/2", "L:a": "1/8", "L:b": "3/8"}
    ttc = Economy.create(["1", "2"], ["a", "b"], preferences={"1": ["b", "a"], "2": ["a", "b"]},
                         endowments={"1": {"a": 1}, "2": {"b": 1}})
    doc = json.loads(render_result(run("ttc", ttc), ttc, "json", with_trace=True))
    assert doc["trace"] == [{"round": 1, "points": {"1": "b", "2": "a"}, "cycles": [["1", "2"]],
                             "assigned": {"1": "b", "2": "a"}}]


def test_cli_run_and_errors(tmp_path, capsys):
    from exactassign.cli import main
    path = tmp_path / "ex1.json"
    path.write_text(json.dumps({"agents": ["1", "2"], "objects": ["a", "b"],
                                "preferences": {"1": [["a", "b"]], "2": ["a", "b"]},
                                "endowments": {"1": {"a": 1}, "2": {"b": 1}}}))
    assert main(["run", "btm", str(path), "--format", "json", "--trace"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["allocation"] == SWAP and len(doc["trace"]) == 2
    assert main(["run", "ttc", str(path)]) == 2
    assert "indifferent between a, b" in capsys.readouterr().err
    assert main(["run", "btm", str(path), "--param", "rule=fair"]) == 2
    assert "unknown rule 'fair'" in capsys.readouterr().err


def test_proof_files_reproduce():
    from exactassign.reproduce import check_claim, find_proofs_dir, load_proofs
    proofs = load_proofs(find_proofs_dir() / "btm")
    assert len(proofs) >= 6
    for proof in proofs:
        for claim in proof.claims:
            outcome = check_claim(proof, claim)
            assert outcome.ok, (proof.name, outcome.differences)
            if claim.get("kind", "outcome") != "outcome":
                continue            # a property verdict (its certificate was re-verified)
            replay_result(proof.economy, outcome.result,
                          claim.get("params", {}).get("rule", "equal"))
