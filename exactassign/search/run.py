"""The search loop: chunks of economy indices, run inline, on a local process pool or on Dask.

Work is cut into chunks ``[start, stop)`` of economy indices.  A chunk is a plain dict (target,
domain, mode, seed, bounds, deadline) and :func:`run_chunk` is a pure module-level function,
so the same chunk runs identically in this process, in a ``ProcessPoolExecutor`` worker or on
a Dask worker: each economy is rebuilt from ``(domain, mode, seed, index)``
(:class:`~exactassign.search.domains.Domain`).  Chunks are submitted in index order, at most
two per worker in flight, with a size adapted to about 0.3 s of work.

When a chunk reports a counterexample at index f, nothing beyond f is submitted, in-flight
chunks that start after f are cancelled, and those before f are awaited: the reported
counterexample is the one of smallest index, so with an instance budget the result does not
depend on the number of workers or on scheduling.  (A time budget cuts the run wherever it
is.)  The counterexample is then shrunk and certified in this process.

Exit states of a report: ``found`` (a counterexample), ``exhausted`` (exhaustive mode covered
the whole finite domain: the property holds on every economy of it), or ``budget`` (nothing
found within the budget).
"""
from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass, field
from typing import Any

from flint import fmpz

from ..errors import ParameterError
from .domains import Domain
from .progress import Progress
from .shrink import shrink as shrink_economy
from .targets import HOLDS, SKIPPED, VIOLATED, Target

__all__ = ["Budget", "parse_budget", "SearchReport", "Finding", "search", "run_chunk",
           "AUTO_EXHAUSTIVE_LIMIT"]

AUTO_EXHAUSTIVE_LIMIT = 100_000   # auto mode enumerates a finite domain up to this size
_TARGET_CHUNK_SECONDS = 0.3


@dataclass(frozen=True)
class Budget:
    """Stop after ``instances`` economies or ``seconds`` of wall time, whichever comes first."""

    instances: int | None = None
    seconds: float | None = None

    def describe(self) -> str:
        parts = []
        if self.seconds is not None:
            s = self.seconds
            parts.append(f"{s:g}s")
        if self.instances is not None:
            parts.append(str(self.instances))
        return ",".join(parts) or "none"


_TIME = re.compile(r"([0-9]*\.?[0-9]+)\s*(s|sec|m|min|h)\Z")


def parse_budget(text: str | None, default: Budget | None = None) -> Budget:
    """``"20000"`` (economies), ``"30s"`` / ``"5m"`` / ``"1h"`` (time), or both:
    ``"30s,20000"``."""
    if text is None:
        return default or Budget(instances=10_000, seconds=120.0)
    instances = seconds = None
    for tok in str(text).replace(" ", "").split(","):
        if not tok:
            continue
        m = _TIME.match(tok)
        if m:
            seconds = float(m.group(1)) * {"s": 1, "sec": 1, "m": 60, "min": 60,
                                           "h": 3600}[m.group(2)]
        elif tok.isdigit():
            instances = int(tok)
        else:
            raise ParameterError(f"--budget: expected N (economies), a time like 30s / 5m / 1h, "
                                 f"or both separated by a comma; got {tok!r}")
    if (instances is not None and instances < 1) or (seconds is not None and seconds <= 0):
        raise ParameterError("--budget must be positive")
    return Budget(instances, seconds)


@dataclass
class Finding:
    """A counterexample: where it was found, the shrunk economy and its certificate."""

    index: int
    economy: Any
    shrunk: Any
    shrink_steps: int
    certificate: dict | None
    note: str


def _json_count(k: int | None) -> int | str | None:
    return str(fmpz(k)) if k is not None and k.bit_length() > 13_000 else k


@dataclass
class SearchReport:
    """The outcome of a search (``status``: found, exhausted or budget)."""

    target: Target
    domain: Domain
    mode: str
    seed: Any
    budget: Budget
    status: str = "budget"
    checked: int = 0
    held: int = 0
    skipped: int = 0
    violations: int = 0
    space: int | None = None
    elapsed: float = 0.0
    workers: int = 1
    backend: str = "inline"
    first_only: bool = True
    finding: Finding | None = None
    errors: list = field(default_factory=list)
    shrink_seconds: float = 0.0
    busy_seconds: float = 0.0      # summed time inside chunks (workers' compute)

    @property
    def rate(self) -> float:
        return self.checked / self.elapsed if self.elapsed > 0 else 0.0

    def to_json(self) -> dict:
        """The report as JSON data (``space``: the exact number of economies of the domain,
        as a decimal string when it has over 4000 digits, beyond Python's int-to-text limit)."""
        from ..io.json_io import economy_to_json
        out: dict[str, Any] = {
            "target": self.target.to_json(), "domain": self.domain.to_json(), "mode": self.mode,
            "seed": self.seed, "budget": self.budget.describe(), "status": self.status,
            "checked": self.checked, "held": self.held, "skipped": self.skipped,
            "violations": self.violations, "space": _json_count(self.space),
            "elapsed": round(self.elapsed, 3), "rate": round(self.rate, 1),
            "workers": self.workers, "backend": self.backend, "errors": self.errors[:10],
            "shrink_seconds": round(self.shrink_seconds, 3)}
        f = self.finding
        if f is not None:
            out["found"] = {"index": f.index, "economy": economy_to_json(f.economy),
                            "size": [f.economy.n, f.economy.m],
                            "shrunk": economy_to_json(f.shrunk),
                            "shrunk_size": [f.shrunk.n, f.shrunk.m],
                            "shrink_steps": f.shrink_steps, "claim": f.note
                            if f.certificate is not None else None,
                            "note": f.note, "certificate": f.certificate}
        return out


# ----------------------------------------------------------------------------- the worker
_CACHE: dict = {}


def _objects(task: dict) -> tuple[Target, Domain]:
    key = json.dumps([task["target"], task["domain"]], sort_keys=True)
    got = _CACHE.get(key)
    if got is None:
        got = _CACHE[key] = (Target.from_json(task["target"]), Domain.from_json(task["domain"]))
    return got


def run_chunk(task: dict) -> dict:
    """Test economies ``task['start'] .. task['stop'] - 1``; pure, picklable, worker-side."""
    from ..mechanisms import REGISTRY  # noqa: F401  (registers every mechanism in a worker)
    target, domain = _objects(task)
    mode, seed, deadline = task["mode"], task["seed"], task.get("deadline")
    counts = {HOLDS: 0, SKIPPED: 0, VIOLATED: 0}
    first = None
    errors: list = []
    t0 = time.perf_counter()
    k = task["start"]
    while k < task["stop"]:
        if deadline is not None and time.time() > deadline:
            break
        try:
            st = target.status(domain.economy(mode, seed, k), domain)
        except Exception as exc:  # a crash is reported, never hidden, and the search goes on
            errors.append({"index": k, "error": f"{type(exc).__name__}: {exc}"[:300]})
            k += 1
            continue
        counts[st] += 1
        k += 1
        if st == VIOLATED:
            if first is None:
                first = k - 1
            if task.get("first_only", True):
                break
    return {"start": task["start"], "stop": k, "counts": counts, "first": first,
            "errors": errors[:5], "error_count": len(errors),
            "seconds": time.perf_counter() - t0}


# ----------------------------------------------------------------------------- backends
class _Done:
    __slots__ = ("value",)

    def __init__(self, value: dict) -> None:
        self.value = value


class _Inline:
    name, slots, workers = "inline", 1, 1

    def submit(self, task: dict) -> Any:
        return _Done(run_chunk(task))

    def wait(self, handles: list, timeout: float) -> list:
        return list(handles)

    def result(self, h: Any) -> dict:
        return h.value

    def cancel(self, h: Any) -> None:
        pass

    def close(self) -> None:
        pass


class _Pool:
    name = "processes"

    def __init__(self, workers: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        ctx = multiprocessing.get_context("fork") if "fork" in \
            multiprocessing.get_all_start_methods() else None
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
        self.workers, self.slots = workers, 2 * workers

    def submit(self, task: dict) -> Any:
        return self.pool.submit(run_chunk, task)

    def wait(self, handles: list, timeout: float) -> list:
        from concurrent.futures import FIRST_COMPLETED, wait
        return list(wait(handles, timeout=timeout, return_when=FIRST_COMPLETED).done)

    def result(self, h: Any) -> dict:
        return h.result()

    def cancel(self, h: Any) -> None:
        h.cancel()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class _Dask:
    name = "dask"

    def __init__(self, address: Any) -> None:
        try:
            from dask.distributed import Client
        except ImportError:
            raise ParameterError("--dask needs dask.distributed (pip install "
                                 "'exactassign[dask]')") from None
        try:
            self.client = Client(address, timeout="20s")
        except Exception as exc:   # unreachable address, refused connection, bad URL
            raise ParameterError(f"--dask {address}: cannot connect to the scheduler "
                                 f"({type(exc).__name__}: {exc})") from None
        self.workers = max(1, sum(self.client.nthreads().values()))
        self.slots = 2 * self.workers

    def submit(self, task: dict) -> Any:
        return self.client.submit(run_chunk, task, pure=False)

    def wait(self, handles: list, timeout: float) -> list:
        from dask.distributed import wait
        try:
            return list(wait(handles, timeout=timeout, return_when="FIRST_COMPLETED").done)
        except Exception:   # dask raises a TimeoutError when nothing finished in time
            return []

    def result(self, h: Any) -> dict:
        return h.result()

    def cancel(self, h: Any) -> None:
        h.cancel()

    def close(self) -> None:
        self.client.close()


# ----------------------------------------------------------------------------- the search
def _is_counterexample(target: Target, domain: Domain):
    def test(e: Any) -> bool:
        try:
            return target.status(e, domain) == VIOLATED
        except Exception:
            return False
    return test


def search(target: Target, domain: Domain, *, mode: str = "auto", budget: Budget | None = None,
           seed: Any = 0, workers: int | None = 1, dask: Any = None,
           progress: bool | None = None, shrink: bool = True, first_only: bool = True,
           stream: Any = None) -> SearchReport:
    """Search ``domain`` for a counterexample to ``target`` (see the module documentation).

    ``mode``: ``exhaustive``, ``random`` or ``auto`` (exhaustive when the domain is finite and
    fits the instance budget, or :data:`AUTO_EXHAUSTIVE_LIMIT` without one).  ``workers``: local
    processes (None: one per core; 1: in this process).  ``dask``: a Dask scheduler address
    (then ``workers`` is ignored).  ``progress``: draw a progress bar on stderr (None: when
    stderr is a terminal).  ``first_only``: stop at the first counterexample (else count them
    all within the budget).
    """
    target.validate()
    budget = budget or Budget(instances=10_000, seconds=120.0)
    space = domain.exhaustive_size()
    if mode == "auto":
        cap = budget.instances if budget.instances is not None else AUTO_EXHAUSTIVE_LIMIT
        mode = "exhaustive" if space is not None and space <= cap else "random"
    if mode not in ("exhaustive", "random"):
        raise ParameterError(f"unknown search mode {mode!r} (exhaustive, random, auto)")
    if mode == "exhaustive" and space is None:
        raise ParameterError(f"exhaustive enumeration needs a finite domain (not fee "
                             f"endowments, not random supplies): {domain.describe()}")
    if mode == "exhaustive":
        domain.check_enumerable()
    limit = space if mode == "exhaustive" else None
    if budget.instances is not None:
        limit = budget.instances if limit is None else min(limit, budget.instances)
    if limit is None and budget.seconds is None:
        raise ParameterError("a random search needs an instance or time budget")

    if dask is not None:
        backend: Any = _Dask(dask)
    else:
        n = workers if workers is not None else (os.cpu_count() or 1)
        backend = _Inline() if n <= 1 else _Pool(n)
    report = SearchReport(target, domain, mode, seed, budget, space=space,
                          workers=backend.workers, backend=backend.name, first_only=first_only)
    if progress is None:
        err = stream or __import__("sys").stderr
        progress = bool(getattr(err, "isatty", lambda: False)())
    bar = Progress(f"search {target.describe()}", limit, budget.seconds, stream=stream,
                   enabled=bool(progress))
    start_wall = time.time()
    t0 = time.monotonic()
    deadline = start_wall + budget.seconds if budget.seconds is not None else None
    base = {"target": target.to_json(), "domain": domain.to_json(), "mode": mode, "seed": seed,
            "deadline": deadline, "first_only": first_only}
    chunk, nxt = 8, 0
    inflight: dict = {}
    found: int | None = None
    covered = 0
    try:
        while True:
            out_of_time = deadline is not None and time.time() > deadline
            while (len(inflight) < backend.slots and not out_of_time
                   and (limit is None or nxt < limit)
                   and (found is None or not first_only or nxt < found)):
                stop = nxt + chunk if limit is None else min(limit, nxt + chunk)
                if found is not None and first_only:
                    stop = min(stop, found)
                h = backend.submit({**base, "start": nxt, "stop": stop})
                inflight[h] = nxt
                nxt = stop
            if not inflight:
                break
            for h in backend.wait(list(inflight), 0.25):
                start = inflight.pop(h)
                r = backend.result(h)
                c = r["counts"]
                report.held += c[HOLDS]
                report.skipped += c[SKIPPED]
                report.violations += c[VIOLATED]
                report.checked += c[HOLDS] + c[SKIPPED] + c[VIOLATED]
                covered += r["stop"] - r["start"]
                report.busy_seconds += r["seconds"]
                report.errors.extend(r["errors"])
                if r["first"] is not None and (found is None or r["first"] < found):
                    found = r["first"]
                n_done = r["stop"] - start
                if n_done and r["seconds"] > 0:
                    per = r["seconds"] / n_done
                    chunk = max(4, min(5000, int(_TARGET_CHUNK_SECONDS / per)))
            if found is not None and first_only:
                for h, start in list(inflight.items()):
                    if start > found:
                        backend.cancel(h)
                        del inflight[h]
            bar.update(report.checked, report.violations, report.skipped)
    except BaseException:
        for h in inflight:
            backend.cancel(h)
        backend.close()
        raise
    backend.close()
    bar.close()
    report.elapsed = time.monotonic() - t0
    if found is not None:
        report.status = "found"
        e = domain.economy(mode, seed, found)
        test = _is_counterexample(target, domain)
        t1 = time.monotonic()
        small, steps = shrink_economy(e, test, domain) if shrink else (e, 0)
        cert, note = target.certify(small, domain)
        report.shrink_seconds = time.monotonic() - t1
        report.finding = Finding(found, e, small, steps, cert, note)
    elif mode == "exhaustive" and space is not None and covered >= space:
        report.status = "exhausted"
    return report
