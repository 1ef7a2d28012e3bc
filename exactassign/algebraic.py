"""Exact real algebraic numbers: a simple number field Q(α) with α a real root, and the JSON form.

Hylland–Zeckhauser equilibria can be irrational (Vazirani and Yannakakis 2021), so the
pseudomarket solver (``mechanisms/pseudomarket.py``) computes in a field K = Q[t]/(f) where f is
irreducible over Q and α is the unique root of f in a rational isolating interval [lo, hi].

* An element of K is a polynomial h (python-flint ``fmpq_poly``) reduced modulo f; it stands for
  h(α).  Sum, difference and product are polynomial arithmetic mod f; the inverse comes from the
  extended Euclidean algorithm (f irreducible, so gcd(h, f) = 1 for h ≢ 0).
* The **sign** of h(α) is decided exactly: h ≡ 0 mod f iff h(α) = 0 (f is the minimal polynomial
  of α, so f divides every polynomial vanishing at α).  Otherwise h(α) ≠ 0 and rational interval
  arithmetic (Horner's rule on [lo, hi]) bounds h(α); the interval is bisected (by the sign of f
  at the midpoint, f having a single simple root in it) until the bound excludes 0, which happens
  after finitely many steps because the bound's width tends to 0.
* A value h(α) is exported as a :class:`RealAlgebraic`: its minimal polynomial g (an irreducible
  factor of the resultant Res_t(f(t), y − h(t)), the one with g(h(t)) ≡ 0 mod f) and a rational
  interval containing exactly one real root of g (counted with sympy's Sturm-based
  ``count_roots``).  Degree-1 fields give plain ``fmpq`` rationals.

JSON (``shared/spec/formats.md``): a rational is its canonical string; an irrational number is
``{"algebraic": {"poly": ["c0", "c1", ...], "interval": ["lo", "hi"]}, "approx": "..."}``.

>>> K = NumberField.from_poly([-2, 0, 1], 1, 2)          # α = √2
>>> a = K.gen()
>>> K.sign(K.mul(a, a) - 2), K.sign(a - fmpq(3, 2)), K.sign(a - fmpq(7, 5))
(0, -1, 1)
>>> x = K.value(a + 1)
>>> x.poly, x.sign()
((-1, -2, 1), 1)
>>> number_json(fmpq(1, 3))
'1/3'
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flint import fmpq, fmpq_poly, fmpz_poly

from .errors import IrrationalError, NumberError
from .numbers import canonical, parse, real_json

__all__ = ["NumberField", "RealAlgebraic", "number_json", "is_rational", "readable"]


def _interval_eval(h: fmpq_poly, lo: fmpq, hi: fmpq) -> tuple[fmpq, fmpq]:
    """Bounds of h on [lo, hi] by interval Horner evaluation (exact rationals)."""
    coeffs = h.coeffs()
    a = b = fmpq(0)
    for c in reversed(coeffs):
        prods = (a * lo, a * hi, b * lo, b * hi)
        a, b = min(prods) + c, max(prods) + c
    return a, b


def _sgn(x: fmpq) -> int:
    return (x > 0) - (x < 0)


class NumberField:
    """Q(α) = Q[t]/(f), f irreducible over Q, α its unique root in the interval [lo, hi]."""

    def __init__(self, f: fmpq_poly, lo: fmpq, hi: fmpq) -> None:
        self.f = f
        self.lo, self.hi = fmpq(lo), fmpq(hi)
        self.degree = f.degree()
        if self.degree < 1:
            raise ValueError("a number field needs a polynomial of degree >= 1")
        if self.degree == 1:  # α is rational: collapse the interval
            c = f.coeffs()
            r = -c[0] / c[1]
            self.lo = self.hi = r
        else:
            sl, sh = _sgn(f(self.lo)), _sgn(f(self.hi))
            if sl * sh >= 0:
                raise ValueError("interval does not isolate a simple root with a sign change")

    @classmethod
    def from_poly(cls, coeffs: Sequence[Any], lo: Any, hi: Any) -> NumberField:
        """The field of the root of sum c_k t^k in [lo, hi] (the polynomial must be
        irreducible over Q)."""
        return cls(fmpq_poly([fmpq(c) for c in coeffs]), fmpq(lo), fmpq(hi))

    # -- elements ---------------------------------------------------------------------------
    def gen(self) -> fmpq_poly:
        """α itself."""
        return self.reduce(fmpq_poly([0, 1]))

    def reduce(self, h: fmpq_poly | fmpq | int) -> fmpq_poly:
        """h mod f."""
        if not isinstance(h, fmpq_poly):
            return fmpq_poly([h])
        return h % self.f

    def mul(self, a: fmpq_poly, b: fmpq_poly) -> fmpq_poly:
        return (a * b) % self.f

    def inv(self, a: fmpq_poly) -> fmpq_poly:
        """1/a(α) (a must not be 0 in K)."""
        a = self.reduce(a)
        if a.is_zero():
            raise ZeroDivisionError("division by zero in a number field")
        g, s, _ = a.xgcd(self.f)
        return self.reduce(s / g.coeffs()[0])

    def is_rational(self, a: fmpq_poly) -> bool:
        return self.reduce(a).degree() <= 0

    def rational(self, a: fmpq_poly) -> fmpq:
        """a(α) when it is rational (degree <= 0 after reduction)."""
        a = self.reduce(a)
        if a.degree() > 0:
            raise ValueError("not a rational element")
        return a.coeffs()[0] if not a.is_zero() else fmpq(0)

    # -- signs ------------------------------------------------------------------------------
    def refine(self) -> None:
        """Halve the isolating interval of α."""
        if self.lo == self.hi:
            return
        mid = (self.lo + self.hi) / 2
        sm = _sgn(self.f(mid))
        if sm == 0:  # impossible for an irreducible f of degree >= 2
            self.lo = self.hi = mid
            return
        if sm == _sgn(self.f(self.lo)):
            self.lo = mid
        else:
            self.hi = mid

    def sign(self, a: fmpq_poly) -> int:
        """The exact sign of a(α): -1, 0 or 1."""
        a = self.reduce(a)
        if a.is_zero():
            return 0
        if a.degree() == 0:
            return _sgn(a.coeffs()[0])
        while True:
            lo, hi = _interval_eval(a, self.lo, self.hi)
            if lo > 0:
                return 1
            if hi < 0:
                return -1
            self.refine()

    def approx(self, a: fmpq_poly, digits: int = 12) -> fmpq:
        """A rational within 10^-digits of a(α)."""
        a = self.reduce(a)
        eps = fmpq(1, 10 ** digits)
        while True:
            lo, hi = _interval_eval(a, self.lo, self.hi)
            if hi - lo <= eps:
                return (lo + hi) / 2
            self.refine()

    # -- export -----------------------------------------------------------------------------
    def value(self, a: fmpq_poly) -> fmpq | RealAlgebraic:
        """a(α) as an ``fmpq`` when rational, else as a :class:`RealAlgebraic`."""
        import sympy
        a = self.reduce(a)
        if a.degree() <= 0:
            return self.rational(a)
        t, y = sympy.symbols("t y")
        fs = sympy.Poly([sympy.Rational(int(c.p), int(c.q)) for c in reversed(self.f.coeffs())],
                        t)
        hs = sympy.Poly([sympy.Rational(int(c.p), int(c.q)) for c in reversed(a.coeffs())], t)
        res = sympy.resultant(fs.as_expr(), y - hs.as_expr(), t)
        _, factors = sympy.factor_list(sympy.Poly(res, y, domain="QQ"))
        g = None
        for fac, _mult in factors:
            cs = [fmpq(int(sympy.Rational(c).p), int(sympy.Rational(c).q))
                  for c in reversed(fac.all_coeffs())]
            gp = fmpq_poly(cs)
            if (gp(a) % self.f).is_zero():
                g = gp
                break
        assert g is not None, "no factor of the resultant vanishes at the value"
        if g.degree() == 1:  # cannot happen when a has degree > 0 mod a minimal f
            c = g.coeffs()
            return -c[0] / c[1]
        gz = fmpz_poly([int(c * g.denom()) for c in g.coeffs()])
        gsym = sympy.Poly([int(c) for c in reversed(gz.coeffs())], y)

        def isolates(lo: fmpq, hi: fmpq) -> bool:
            return lo != hi and _sgn(g(lo)) * _sgn(g(hi)) < 0 and gsym.count_roots(
                sympy.Rational(int(lo.p), int(lo.q)), sympy.Rational(int(hi.p), int(hi.q))) == 1
        while True:
            lo, hi = _interval_eval(a, self.lo, self.hi)
            if isolates(lo, hi):
                break
            self.refine()
        for k in range(64):      # the shortest decimal interval around [lo, hi] that isolates
            scale = fmpq(10) ** k
            dlo, dhi = fmpq((lo * scale).floor()) / scale, fmpq((hi * scale).ceil()) / scale
            if isolates(dlo, dhi):
                lo, hi = dlo, dhi
                break
        return RealAlgebraic(tuple(int(c) for c in gz.coeffs()), lo, hi)

    def rebased(self, beta: fmpq_poly) -> tuple[NumberField, Any]:
        """The same field presented by a primitive element β = beta(α): Q(β) with β's minimal
        polynomial and a decimal isolating interval, and the map sending an element written in
        α to the same element written in β (β^k = Σ_i M[k][i] α^i, so α^i = Σ_k M⁻¹[i][k] β^k).

        >>> K = NumberField.from_poly([-2, 0, 1], 1, 2)             # α = √2
        >>> L, to_L = K.rebased(fmpq_poly([0, fmpq(1, 4)]))          # β = √2/4
        >>> L.f.coeffs(), L.lo, L.hi, to_L(K.gen()).coeffs()
        ([-1, 0, 8], 0, 1, [0, 4])
        """
        from flint import fmpq_mat
        d = self.degree
        rows, p = [], fmpq_poly([1])
        for _ in range(d):
            cs = p.coeffs()
            rows.extend(list(cs) + [fmpq(0)] * (d - len(cs)))
            p = self.mul(p, beta)
        inv = fmpq_mat(d, d, rows).inv()        # ZeroDivisionError: β is not primitive
        value = self.value(beta)
        L = NumberField(fmpq_poly(list(value.poly)), value.lo, value.hi)

        def to_beta(h: fmpq_poly) -> fmpq_poly:
            cs = self.reduce(h).coeffs()
            return fmpq_poly([sum((cs[i] * inv[i, k] for i in range(len(cs))), fmpq(0))
                              for k in range(d)])
        return L, to_beta


@dataclass(frozen=True)
class RealAlgebraic:
    """The unique real root of the integer polynomial sum poly[k] x^k in [lo, hi] (poly
    irreducible over Q, degree >= 2, sign change at the ends)."""

    poly: tuple[int, ...]
    lo: fmpq
    hi: fmpq

    def field(self) -> NumberField:
        return NumberField(fmpq_poly(list(self.poly)), self.lo, self.hi)

    def sign(self) -> int:
        """Exact sign (0 is impossible: the polynomial is irreducible of degree >= 2)."""
        K = self.field()
        return K.sign(K.gen())

    def compare(self, r: fmpq) -> int:
        """Sign of self − r for a rational r."""
        K = self.field()
        return K.sign(K.gen() - r)

    def approx(self, digits: int = 12) -> fmpq:
        K = self.field()
        return K.approx(K.gen(), digits)

    # -- reading (formats.md), readable forms, and what it refuses ------------------------------
    @classmethod
    def from_json(cls, value: Any, where: str = "number") -> fmpq | RealAlgebraic:
        """Read formats.md's ``{"algebraic": {"poly": [c0, c1, ...], "interval": [lo, hi]},
        "approx": ...}``: integer coefficients, lo <= hi, exactly one real root of the
        polynomial in [lo, hi] (``approx`` is ignored).  A polynomial that is not irreducible is
        replaced by the irreducible factor vanishing at the root; a rational root gives an
        ``fmpq``.

        >>> RealAlgebraic.from_json({"algebraic": {"poly": [-2, 0, 1], "interval": [-3, 3]}})
        Traceback (most recent call last):
        ...
        exactassign.errors.NumberError: number: [-3, 3] holds 2 roots of the polynomial, not one
        """
        import sympy
        body = value.get("algebraic") if isinstance(value, dict) else None
        if not isinstance(body, dict) or set(body) != {"poly", "interval"} or \
                set(value) - {"algebraic", "approx"}:
            raise NumberError(f"{where}: an algebraic number is {{\"algebraic\": {{\"poly\": "
                              f"[...], \"interval\": [lo, hi]}}, \"approx\": ...}}")
        poly, interval = body["poly"], body["interval"]
        if not isinstance(poly, list) or not isinstance(interval, list) or len(interval) != 2:
            raise NumberError(f"{where}: 'poly' must be a list and 'interval' a pair [lo, hi]")
        cs = [parse(c, f"{where}: coefficient {k}") for k, c in enumerate(poly)]
        if any(c.q != 1 for c in cs):
            raise NumberError(f"{where}: polynomial coefficients must be integers")
        lo, hi = (parse(x, f"{where}: interval") for x in interval)
        f = fmpz_poly([int(c.p) for c in cs])
        if f.degree() < 1 or lo > hi:
            raise NumberError(f"{where}: need a non-constant polynomial and lo <= hi")
        y = sympy.Symbol("y")
        roots = 0
        found = None
        for g, _ in f.factor()[1]:
            gs = sympy.Poly([int(c) for c in reversed(g.coeffs())], y)
            k = gs.count_roots(sympy.Rational(int(lo.p), int(lo.q)),
                               sympy.Rational(int(hi.p), int(hi.q)))
            roots += k
            if k:
                found = g
        if roots != 1:
            raise NumberError(f"{where}: [{lo}, {hi}] holds {roots} roots of the polynomial, "
                              f"not one")
        if found.degree() == 1:
            c = found.coeffs()
            return -fmpq(c[0]) / c[1]
        K = NumberField(fmpq_poly(found), lo, hi) if lo < hi else None
        if K is None:
            raise NumberError(f"{where}: an irrational root needs lo < hi")
        while _sgn(found(K.lo)) == 0 or _sgn(found(K.hi)) == 0:
            K.refine()
        return cls(tuple(int(c) for c in found.coeffs()), K.lo, K.hi)

    def closed_form(self) -> Any:
        """A sympy radical expression for a quadratic irrationality (None for higher degree).

        >>> RealAlgebraic((-1, 0, 8), fmpq(0), fmpq(1)).closed_form()
        sqrt(2)/4
        """
        if len(self.poly) != 3:
            return None
        import sympy
        c, b, a = (sympy.Integer(x) for x in self.poly)
        d = sympy.sqrt(b * b - 4 * a * c)
        for r in ((-b - d) / (2 * a), (-b + d) / (2 * a)):
            r = sympy.nsimplify(sympy.radsimp(r))
            lo, hi = (sympy.Rational(int(x.p), int(x.q)) for x in (self.lo, self.hi))
            if bool(r >= lo) and bool(r <= hi):
                return r
        return None

    def readable(self, digits: int = 6) -> str:
        """A short exact text: the radical form when quadratic, else the root description,
        followed by an approximation (informative).

        >>> RealAlgebraic((-1, 0, 8), fmpq(0), fmpq(1)).readable()
        'sqrt(2)/4 ≈ 0.353553'
        """
        r = self.closed_form()
        exact = str(r) if r is not None else \
            f"root of {_poly_text(self.poly)} in [{self.lo}, {self.hi}]"
        return f"{exact} ≈ {_decimal(self.approx(digits + 2), digits)}"

    def latex(self, digits: int = 6) -> str:
        """The readable form in LaTeX math (without dollar signs)."""
        import sympy
        r = self.closed_form()
        exact = sympy.latex(r) if r is not None else \
            (rf"\text{{root of }} {_poly_text(self.poly)} \in "
             rf"[{_latex_q(self.lo)}, {_latex_q(self.hi)}]")
        return f"{exact} \\approx {_decimal(self.approx(digits + 2), digits)}"

    def __bool__(self) -> bool:          # an irrational number is never 0
        return True

    def _refuse(self, *_: Any) -> Any:
        raise IrrationalError(f"arithmetic on the irrational number {self} is not supported "
                              f"here (numbers from different fields do not mix); this "
                              f"operation needs rational numbers")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = \
        __rtruediv__ = __neg__ = _refuse

    def _cmp(self, other: Any) -> int:
        if isinstance(other, (int, fmpq)):
            return self.compare(fmpq(other))
        return self._refuse()

    def __lt__(self, other: Any) -> bool:
        return self._cmp(other) < 0

    def __le__(self, other: Any) -> bool:
        return self._cmp(other) <= 0

    def __gt__(self, other: Any) -> bool:
        return self._cmp(other) > 0

    def __ge__(self, other: Any) -> bool:
        return self._cmp(other) >= 0

    def to_json(self) -> dict:
        a = self.approx(15)
        return {"algebraic": {"poly": [str(c) for c in self.poly],
                              "interval": [canonical(self.lo), canonical(self.hi)]},
                "approx": _decimal(a, 12)}

    def __str__(self) -> str:
        approx = _decimal(self.approx(), 12)
        return f"root of {list(self.poly)} in [{self.lo}, {self.hi}] ~ {approx}"


def _poly_text(poly: Sequence[int]) -> str:
    terms = []
    for k in range(len(poly) - 1, -1, -1):
        c = poly[k]
        if not c:
            continue
        mag = abs(c)
        body = (str(mag) if mag != 1 or k == 0 else "") + ("x" if k else "") + \
            (f"^{k}" if k > 1 else "")
        terms.append(("-" if c < 0 else "+") + body)
    text = " ".join(t[0] + " " + t[1:] for t in terms)
    return text[2:] if text.startswith("+ ") else "-" + text[2:]


def _latex_q(x: fmpq) -> str:
    return str(x) if x.q == 1 else ("-" if x < 0 else "") + f"\\frac{{{abs(x.p)}}}{{{x.q}}}"


def _decimal(x: fmpq, digits: int) -> str:
    neg = x < 0
    x = -x if neg else x
    scaled = (x.p * 10 ** digits + x.q // 2) // x.q
    s = str(int(scaled)).rjust(digits + 1, "0")
    return ("-" if neg else "") + s[:-digits] + "." + s[-digits:]


def is_rational(x: Any) -> bool:
    return isinstance(x, fmpq)


def number_json(x: fmpq | RealAlgebraic) -> Any:
    """JSON form of an exact real number (formats.md; :func:`exactassign.numbers.real_json`)."""
    return real_json(x)


def readable(x: fmpq | RealAlgebraic) -> str:
    """Text of an exact real: canonical for a rational, :meth:`RealAlgebraic.readable` else."""
    return canonical(x) if isinstance(x, fmpq) else x.readable()
