"""Progress on stderr for scans that take more than a second, on a terminal only.

Nothing is printed for the first :data:`DELAY` seconds (a quick scan stays quiet), nor when
stderr is not a terminal (CI logs and pipes).  The count never goes backwards: parsing in the
pool and evaluating report the same files, one after the other.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

DELAY = 1.0
INTERVAL = 0.1  # at most ten redraws a second


class Printer:
    def __init__(self, stream: TextIO, delay: float = DELAY,
                 clock: Callable[[], float] = time.monotonic):
        self.stream = stream
        self.delay = delay
        self.clock = clock
        self.started = clock()
        self.best = 0
        self.shown = False
        self.last = 0.0

    def __call__(self, done: int, total: int, path: str) -> None:
        now = self.clock()
        if done >= total:
            self.clear()
            return
        self.best = max(self.best, done)
        if now - self.started < self.delay or (self.shown and now - self.last < INTERVAL):
            return
        self.stream.write(f"\r\x1b[Kscanning {self.best}/{total} files")
        self.stream.flush()
        self.shown, self.last = True, now

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


def printer(stream: TextIO | None = None) -> Printer | None:
    """A progress callback for ``run_scan``, or None when *stream* is not a terminal."""
    stream = stream or sys.stderr
    try:
        interactive = stream.isatty()
    except (AttributeError, ValueError):
        interactive = False
    return Printer(stream) if interactive else None
