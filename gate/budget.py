"""A check's CPU-time budget: how long the gate may compute on one draft before it fails closed.

CPU time of the calling thread, not wall time: a request that waits for the GIL or the database is
not charged for it, and one that computes is stopped however busy the server is. The engine looks
at the budget between checks and between the findings a check yields; a check that computes long
before yielding (the statistical typo layer) calls ``Document.check_time()`` between units of work.
"""

from __future__ import annotations

import time

__all__ = ["CpuBudget", "BudgetExceeded", "DEFAULT_SECONDS"]

# About a hundred times what a 3,000-character draft costs (130 ms), and what 100,000 characters of
# ordinary prose cost: a longer draft is rare enough to go to a person.
DEFAULT_SECONDS = 10.0


class BudgetExceeded(Exception):
    """The budget is spent; raised by ``CpuBudget.check`` and left to propagate out of a check."""


class CpuBudget:
    """``seconds`` of this thread's CPU time from now; None or 0: unlimited."""

    __slots__ = ("seconds", "_started")

    def __init__(self, seconds: float | None):
        self.seconds = float(seconds) if seconds else None
        self._started = time.thread_time()

    def spent(self) -> float:
        return time.thread_time() - self._started

    def expired(self) -> bool:
        return self.seconds is not None and self.spent() > self.seconds

    def check(self) -> None:
        if self.expired():
            raise BudgetExceeded(f"CPU time budget of {self.seconds:g} s spent")
