"""Search domains: which economies a counterexample search looks at, and how to list or draw them.

A :class:`Domain` fixes

* the **preferences**: ``strict`` (linear orders), ``weak`` (any ties), ``dichotomous``
  (one acceptable tier; with complete lists the other objects follow as one tier), or
  ``valuations`` (integer vNM values ``0..values``; the weak order is derived from them);
* whether lists are **complete** (every object listed) or may stop anywhere (unlisted objects
  are unacceptable);
* the **model**: ``house`` (house allocation, no endowments, an outside option), ``house-fee``
  (house allocation as the FEE economy where everybody owns ``supply/n`` of every object:
  Yu-Zhang's reading, which ``btm`` uses), ``fee`` (random fractional endowments on the grid
  ``1/values``, each object's supply 1), ``simple-fee`` (the same, but each agent owns a share
  of at most one object: Yu-Zhang's *simple* economies) or ``housing`` (each agent owns one
  whole object, ``n = m``);
* the **sizes**: ranges of agents and objects;
* the **supply** (house model): ``unit``, or ``random`` (``k/d`` with ``1 <= k <= values``,
  ``d`` in {1, 2});
* ``values``: the range of the numbers drawn.

Two ways to go through it, both *indexable*, so that any chunk of the search can be computed by
any worker from ``(domain, seed, index)`` alone (reproducible whatever the number of workers):

* :meth:`Domain.exhaustive_size` / :meth:`Domain.exhaustive_economy`: every economy of the
  domain, in a fixed order (sizes in increasing order, then a mixed-radix counter over the
  agents' choices); available when each agent's choices are finite (not ``fee`` endowments, not
  random supplies);
* :meth:`Domain.random_economy`: economy number ``index`` of a seeded stream, drawn with
  ``random.Random(f"{seed}/{index}")``.

>>> d = Domain(agents=(3, 3))
>>> d.exhaustive_size()
216
>>> e = d.exhaustive_economy(215)
>>> [''.join(sorted(t)[0] for t in o) for o in e.preferences]
['cba', 'cba', 'cba']
>>> d.random_economy(0, 5) == d.random_economy(0, 5)
True
"""
from __future__ import annotations

import random
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from math import comb, factorial
from typing import Any

from flint import fmpq

from .. import preferences as prefs
from ..economy import Economy
from ..errors import EconomyError, LimitExceeded, ParameterError
from ..numbers import ONE, ZERO
from ..preferences import WeakOrder
from ..properties.strategy import order_space

__all__ = ["Domain", "PREFERENCE_KINDS", "MODELS", "SUPPLIES", "default_domain",
           "DEFAULT_DOMAINS", "parse_range", "object_labels", "agent_labels"]

PREFERENCE_KINDS = ("strict", "weak", "dichotomous", "valuations")
MODELS = ("house", "house-fee", "fee", "simple-fee", "housing")
SUPPLIES = ("unit", "random")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def object_labels(m: int) -> tuple[str, ...]:
    """``a, b, c, ...`` (``o27, o28, ...`` beyond 26)."""
    return tuple(_LETTERS[k] if k < 26 else f"o{k + 1}" for k in range(m))


def agent_labels(n: int) -> tuple[str, ...]:
    """``1, 2, ..., n``."""
    return tuple(str(i + 1) for i in range(n))


def parse_range(text: str | int | tuple | None, what: str) -> tuple[int, int] | None:
    """``"3"`` -> (3, 3); ``"2-4"`` -> (2, 4)."""
    if text is None:
        return None
    if isinstance(text, tuple):
        lo, hi = text
    elif isinstance(text, int):
        lo = hi = text
    else:
        lo_s, sep, hi_s = str(text).partition("-")
        try:
            lo = int(lo_s)
            hi = int(hi_s) if sep else lo
        except ValueError:
            raise ParameterError(f"--{what}: expected N or LO-HI, got {text!r}") from None
    if lo < 1 or hi < lo:
        raise ParameterError(f"--{what}: need 1 <= LO <= HI, got {lo}-{hi}")
    return (lo, hi)


EXHAUSTIVE_CHOICE_LIMIT = 100_000  # orders (or value vectors) per agent listed by --mode exhaustive


@lru_cache(maxsize=None)
def _fubini(m: int) -> int:
    """Number of weak orders (ordered partitions) of m objects: 1, 1, 3, 13, 75, ..."""
    return 1 if m == 0 else sum(comb(m, k) * _fubini(m - k) for k in range(1, m + 1))


def choice_count(m: int, kind: str, complete: bool, values: int = 3) -> int:
    """``len(order_space(m objects, kind, complete))`` (``len(_value_vectors(m, values))`` for
    ``valuations``), counted without listing them (a domain of 100 objects has 100! orders).

    >>> [choice_count(3, k, c) for k in ("strict", "weak", "dichotomous") for c in (True, False)]
    [6, 16, 13, 26, 7, 8]
    >>> choice_count(2, "valuations", True, values=3)
    16
    """
    if kind == "valuations":
        return (values + 1) ** m
    per = {"strict": factorial, "weak": _fubini,
           "dichotomous": (lambda r: 2 ** r - 1) if complete else (lambda r: 1)}[kind]
    if complete:
        return per(m)
    return sum(comb(m, r) * (per(r) if r else 1) for r in range(m + 1))


@lru_cache(maxsize=64)
def _value_vectors(m: int, values: int) -> tuple[tuple[int, ...], ...]:
    out: list[tuple[int, ...]] = [()]
    for _ in range(m):
        out = [v + (x,) for v in out for x in range(values + 1)]
    return tuple(out)


@dataclass(frozen=True)
class Domain:
    """A set of economies to search (see the module documentation)."""

    preferences: str = "strict"
    model: str = "house"
    agents: tuple[int, int] = (2, 4)
    objects: tuple[int, int] | None = None
    complete: bool = True
    supply: str = "unit"
    values: int = 3

    def __post_init__(self) -> None:
        if self.preferences not in PREFERENCE_KINDS:
            raise ParameterError(f"unknown preference domain {self.preferences!r} (known: "
                                 f"{', '.join(PREFERENCE_KINDS)})")
        if self.model not in MODELS:
            raise ParameterError(f"unknown model {self.model!r} (known: {', '.join(MODELS)})")
        if self.supply not in SUPPLIES:
            raise ParameterError(f"unknown supply {self.supply!r} (known: {', '.join(SUPPLIES)})")
        if self.supply == "random" and self.model != "house":
            raise ParameterError("random supplies are for the house model (in FEE models the "
                                 "supply is the endowments' column sum)")
        if self.values < 1:
            raise ParameterError("--values must be at least 1")
        object.__setattr__(self, "agents", tuple(self.agents))
        if self.objects is not None:
            object.__setattr__(self, "objects", tuple(self.objects))
        if not self.sizes():
            raise ParameterError(f"the domain has no admissible size ({self.describe()}): "
                                 f"FEE models need m <= n, housing n = m")

    # -- description ------------------------------------------------------------------------
    def to_json(self) -> dict:
        d = asdict(self)
        d["agents"] = list(self.agents)
        d["objects"] = list(self.objects) if self.objects is not None else None
        return d

    @classmethod
    def from_json(cls, data: dict) -> Domain:
        known = {f.name for f in fields(cls)}
        kw = {k: v for k, v in data.items() if k in known}
        for k in ("agents", "objects"):
            if kw.get(k) is not None:
                kw[k] = tuple(kw[k])
        return cls(**kw)

    def describe(self) -> str:
        def rng(r: tuple[int, int] | None) -> str:
            if r is None:
                return "as n"
            return str(r[0]) if r[0] == r[1] else f"{r[0]}-{r[1]}"
        parts = [self.preferences, "complete" if self.complete else "incomplete", self.model,
                 f"n {rng(self.agents)}", f"m {rng(self.objects)}"]
        if self.model == "house":
            parts.append(f"{self.supply} supply")
        if self.preferences == "valuations" or "fee" in self.model or self.supply == "random":
            parts.append(f"values {self.values}")
        return ", ".join(parts)

    # -- sizes and choices ------------------------------------------------------------------
    def sizes(self) -> list[tuple[int, int]]:
        """The admissible (n, m) pairs, smallest first."""
        lo, hi = self.agents
        out = []
        for n in range(lo, hi + 1):
            ms = [n] if self.model == "housing" else \
                range(self.objects[0], self.objects[1] + 1) if self.objects else \
                range(lo, hi + 1)
            for m in ms:
                if self.model in ("house-fee", "fee", "simple-fee") and m > n:
                    continue            # each agent owns at most one unit in total
                out.append((n, m))
        return sorted(out, key=lambda s: (s[0] + s[1], s))

    def order_kind(self) -> str:
        return "weak" if self.preferences == "valuations" else self.preferences

    def space(self, m: int) -> tuple[WeakOrder, ...]:
        """Every preference an agent may have (and report) over the first m objects."""
        if self.preferences == "valuations":
            raise ParameterError("the valuations domain has no finite order space")
        return order_space(object_labels(m), self.preferences, self.complete)

    def misreports(self, economy: Any):
        """The misreport space for strategy targets: this domain's orders over the economy's
        objects."""
        space = order_space(tuple(economy.objects), self.order_kind(), self.complete)
        return lambda i: space

    def _choices(self, m: int) -> tuple:
        if self.preferences == "valuations":
            return _value_vectors(m, self.values)
        return self.space(m)

    def finite(self) -> bool:
        return self.model not in ("fee", "simple-fee") and self.supply == "unit"

    # -- building ---------------------------------------------------------------------------
    def build(self, choices: list, n: int, m: int, supply: tuple | None = None,
              endowments: tuple | None = None) -> Economy:
        """The economy of this domain with per-agent choices (orders or value vectors)."""
        agents, objects = agent_labels(n), object_labels(m)
        sup = supply if supply is not None else (ONE,) * m
        vals = None
        if self.preferences == "valuations":
            vals = tuple(tuple(fmpq(x) for x in v) for v in choices)
            orders = tuple(prefs.from_valuations(dict(zip(objects, v))) for v in vals)
        else:
            orders = tuple(choices)
        endow = endowments
        if self.model == "house-fee":
            endow = tuple(tuple(s / n for s in sup) for _ in range(n))
        elif self.model == "housing":
            endow = tuple(tuple(ONE if k == i else ZERO for k in range(m)) for i in range(n))
            sup = (ONE,) * m
        if endow is not None:
            sup = tuple(sum((r[k] for r in endow), ZERO) for k in range(m))
        return Economy(agents=agents, objects=objects, supply=sup, preferences=orders,
                       endowments=endow, valuations=vals)

    # -- exhaustive -------------------------------------------------------------------------
    def exhaustive_size(self) -> int | None:
        """Number of economies of the domain, or None when it is not finite."""
        if not self.finite():
            return None
        kind = "valuations" if self.preferences == "valuations" else self.preferences
        return sum(choice_count(m, kind, self.complete, self.values) ** n
                   for n, m in self.sizes())

    def check_enumerable(self) -> None:
        """Exhaustive enumeration lists every agent's choices over m objects: refuse (exit 3)
        beyond :data:`EXHAUSTIVE_CHOICE_LIMIT` of them (strict orders of 8 objects: 40,320)."""
        kind = "valuations" if self.preferences == "valuations" else self.preferences
        for _, m in self.sizes():
            k = choice_count(m, kind, self.complete, self.values)
            if k > EXHAUSTIVE_CHOICE_LIMIT:
                raise LimitExceeded(
                    f"exhaustive search is limited to {EXHAUSTIVE_CHOICE_LIMIT:,} preferences "
                    f"per agent; {m} objects give {'over 10^18' if k > 10**18 else f'{k:,}'} "
                    f"({self.describe()}); use --mode random")

    def exhaustive_economy(self, index: int) -> Economy:
        """The ``index``-th economy of the exhaustive enumeration."""
        if not self.finite():
            raise ParameterError(f"exhaustive enumeration needs finite choices (not fee "
                                 f"endowments, not random supplies): {self.describe()}")
        k = index
        for n, m in self.sizes():
            ch = self._choices(m)
            count = len(ch) ** n
            if k < count:
                digits = []
                for _ in range(n):
                    k, d = divmod(k, len(ch))
                    digits.append(ch[d])
                return self.build(digits[::-1], n, m)
            k -= count
        raise IndexError(f"index {index} beyond the {self.exhaustive_size()} economies of the "
                         f"domain")

    # -- random -----------------------------------------------------------------------------
    def _random_order(self, rng: random.Random, m: int) -> WeakOrder:
        if m <= 6:
            space = self.space(m)
            return space[rng.randrange(len(space))]
        objs = list(object_labels(m))
        rng.shuffle(objs)
        if not self.complete:
            objs = objs[:rng.randint(0, m)]
        if self.preferences == "strict":
            return tuple(frozenset((o,)) for o in objs)
        if self.preferences == "dichotomous":
            if not objs:
                return ()
            cut = rng.randint(1, len(objs)) if self.complete else len(objs)
            head, tail = frozenset(objs[:cut]), frozenset(objs[cut:])
            return (head,) + ((tail,) if tail else ())
        tiers, cur = [], []
        for o in objs:
            cur.append(o)
            if rng.random() < 0.5:
                tiers.append(frozenset(cur))
                cur = []
        if cur:
            tiers.append(frozenset(cur))
        return tuple(tiers)

    def _random_endowments(self, rng: random.Random, n: int, m: int) -> tuple | None:
        """Each object's unit split in ``values`` grid parts among random owners, rows <= 1
        (``simple-fee``: every agent owns parts of at most one object)."""
        g = self.values
        if self.model == "simple-fee":
            if n < m:
                return None
            owner_of = list(range(m)) + [rng.randrange(m + 1) for _ in range(n - m)]
            rng.shuffle(owner_of)                   # agent -> object (m: owns nothing)
            rows = [[0] * m for _ in range(n)]
            for k in range(m):
                owners = [i for i in range(n) if owner_of[i] == k]
                for _ in range(g):
                    rows[owners[rng.randrange(len(owners))]][k] += 1
            return tuple(tuple(fmpq(x, g) for x in r) for r in rows)
        for _ in range(100):
            rows = [[0] * m for _ in range(n)]
            for k in range(m):
                for _ in range(g):
                    rows[rng.randrange(n)][k] += 1
            if all(sum(r) <= g for r in rows):
                return tuple(tuple(fmpq(x, g) for x in r) for r in rows)
        return None

    def random_economy(self, seed: Any, index: int) -> Economy:
        """Economy number ``index`` of the seeded random stream."""
        rng = random.Random(f"{seed}/{index}")
        sizes = self.sizes()
        for _ in range(100):
            n, m = sizes[rng.randrange(len(sizes))]
            if self.preferences == "valuations":
                choices: list = [tuple(rng.randint(0, self.values) for _ in range(m))
                                 for _ in range(n)]
            else:
                choices = [self._random_order(rng, m) for _ in range(n)]
            supply = endow = None
            if self.supply == "random":
                supply = tuple(fmpq(rng.randint(1, self.values), rng.randint(1, 2))
                               for _ in range(m))
            if self.model in ("fee", "simple-fee"):
                endow = self._random_endowments(rng, n, m)
                if endow is None:
                    continue
            if self.model == "house-fee" and supply is not None and sum(supply) > n:
                continue
            try:
                return self.build(choices, n, m, supply, endow)
            except EconomyError:
                continue
        raise ParameterError(f"could not draw an economy of the domain {self.describe()}")

    def economy(self, mode: str, seed: Any, index: int) -> Economy:
        return self.exhaustive_economy(index) if mode == "exhaustive" else \
            self.random_economy(seed, index)

    # -- membership (for shrinking) ---------------------------------------------------------
    def admits(self, e: Economy) -> bool:
        """Whether a (shrunk) economy still belongs to the domain's kind (sizes aside)."""
        m = e.m
        if self.model == "house" and e.endowments is not None:
            return False
        if self.model != "house" and e.endowments is None:
            return False
        if self.model == "housing" and e.n != e.m:
            return False
        if self.model == "house-fee":
            if any(r != e.endowments[0] for r in e.endowments):
                return False
        if self.model == "simple-fee":
            if any(sum(1 for x in r if x) > 1 for r in e.endowments):
                return False
        if self.supply == "unit" and self.model in ("house", "house-fee") and \
                any(s != ONE for s in e.supply):
            return False
        if self.preferences == "valuations":
            return e.valuations is not None and all(v is not None for v in e.valuations)
        for order in e.preferences:
            listed = sum(map(len, order))
            if self.complete and listed != m:
                return False
            if self.preferences == "strict" and listed != len(order):
                return False
            if self.preferences == "dichotomous":
                if len(order) > (2 if self.complete else 1):
                    return False
        return True


# Default domains per mechanism (each mechanism's natural domain; a user's flags override).
# A mechanism registered later without an entry gets the fallback (weak, complete, house);
# economies it refuses (DomainError) are counted as outside its domain and skipped.
DEFAULT_DOMAINS: dict[str, dict] = {
    "ps": {"preferences": "strict"},
    "sd": {"preferences": "strict"},
    "rsd": {"preferences": "strict"},
    "eps": {"preferences": "weak"},
    "ps-ext": {"preferences": "weak"},
    "btm": {"preferences": "weak", "model": "fee"},
    "ttc": {"preferences": "strict", "model": "housing"},
    "egalitarian": {"preferences": "dichotomous", "complete": False},
    "hz": {"preferences": "valuations"},
    "sp": {"preferences": "valuations"},
}
_FALLBACK = {"preferences": "weak"}


def default_domain(mechanism: str, **overrides: Any) -> Domain:
    """The default domain of a mechanism, with ``overrides`` (None values ignored)."""
    kw = dict(DEFAULT_DOMAINS.get(mechanism, _FALLBACK))
    kw.update({k: v for k, v in overrides.items() if v is not None})
    return Domain(**kw)
