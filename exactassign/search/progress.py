"""A progress bar on stderr: count, rate, ETA, findings.

On a terminal it redraws one line (``\\r``) at most 10 times a second; elsewhere (CI logs,
captured output) it prints a plain line at most every ``interval`` seconds, so logs stay short.
"""
from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress", "format_duration"]


def format_duration(seconds: float | None) -> str:
    """``0:01:05`` style; ``?`` when unknown."""
    if seconds is None or seconds != seconds or seconds == float("inf"):
        return "?"
    s = int(round(max(0.0, seconds)))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


class Progress:
    """Progress of a search: ``update`` with totals; ``close`` prints the final line."""

    def __init__(self, label: str, total: int | None, seconds: float | None = None,
                 stream: TextIO | None = None, enabled: bool = True,
                 interval: float = 5.0) -> None:
        self.label, self.total, self.seconds = label, total, seconds
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = 0.1 if self.tty else interval
        self.start = time.monotonic()
        self.last = 0.0
        self.done = self.found = self.skipped = 0
        self.width = 0

    def line(self) -> str:
        elapsed = time.monotonic() - self.start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta: float | None = None
        if self.total:
            eta = (self.total - self.done) / rate if rate > 0 else None
        if self.seconds is not None:
            left = self.seconds - elapsed
            eta = left if eta is None else min(eta, left)
        if self.total:
            frac = min(1.0, self.done / self.total)
            bar = "#" * int(frac * 20)
            head = f"{self.done:,}/{self.total:,} [{bar:<20}] {frac:5.1%}"
        else:
            head = f"{self.done:,}"
        out = (f"{self.label}: {head} {rate:,.0f}/s ETA {format_duration(eta)} | "
               f"found {self.found}")
        if self.skipped:
            out += f" | outside domain {self.skipped:,}"
        return out

    def update(self, done: int, found: int, skipped: int, force: bool = False) -> None:
        self.done, self.found, self.skipped = done, found, skipped
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self.last < self.interval:
            return
        self.last = now
        text = self.line()
        if self.tty:
            pad = max(0, self.width - len(text))
            self.stream.write("\r" + text + " " * pad)
            self.width = len(text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if not self.enabled:
            return
        self.last = 0.0
        self.update(self.done, self.found, self.skipped, force=True)
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
