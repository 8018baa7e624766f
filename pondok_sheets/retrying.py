"""The one retry policy of both HTTP choke points (Google Sheets, Meta's Graph API), built on tenacity,
and the deadline of the run they are part of.

A bounded number of attempts with jittered exponential back-off; which failures are worth
another attempt is each caller's call (an append is retried only on 429, a Graph time-out
never), but how often and how long to wait is decided here once.

A run (a tick, `/tasks/tick`, a flush) sets its deadline with `run_deadline`; both choke points
read it with `time_left`, so every HTTP call's timeout is the smaller of its own and the time the
run has left, and no retry waits past it. A host's request time-out or a cron overlap then never
meets a run still waiting on Google.
"""
from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, stop_any

log = logging.getLogger(__name__)
MIN_CALL_SECONDS = 0.2  # less time than this left in a run: not worth opening a connection
_ends_at: ContextVar[float | None] = ContextVar("pondok_run_ends_at", default=None)


class Deadline:
    """When a run must end (time.monotonic); `passed` says whether it has."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.ends_at = time.monotonic() + seconds

    @property
    def passed(self) -> bool:
        """True once the run has no time left."""
        return time.monotonic() >= self.ends_at


@contextmanager
def run_deadline(seconds: float) -> Iterator[Deadline]:
    """Every HTTP call made inside this block ends by `seconds` from now (an outer, earlier deadline wins)."""
    deadline = Deadline(seconds)
    outer = _ends_at.get()
    if outer is not None:
        deadline.ends_at = min(outer, deadline.ends_at)
    token = _ends_at.set(deadline.ends_at)
    try:
        yield deadline
    finally:
        _ends_at.reset(token)


def time_left() -> float | None:
    """Seconds left in the current run, never below 0; None outside any run (no deadline)."""
    ends_at = _ends_at.get()
    return None if ends_at is None else max(0.0, ends_at - time.monotonic())


def within_deadline(timeout: float) -> float:
    """A call's own timeout, cut to what the run has left."""
    left = time_left()
    return timeout if left is None else min(timeout, left)


def _past_deadline(state: RetryCallState) -> bool:
    # Called after tenacity chose the next wait: a retry that could only start after the deadline is not made.
    left = time_left()
    return left is not None and left <= (state.upcoming_sleep or 0.0) + MIN_CALL_SECONDS


def jittered(backoff: float) -> Callable[[RetryCallState], float]:
    """Wait backoff × 2^(attempt-1), times a random factor in [0.5, 1.5] so many clients don't retry in step."""
    def wait(state: RetryCallState) -> float:
        return backoff * 2 ** (state.attempt_number - 1) * random.uniform(0.5, 1.5)
    return wait


def bounded_retry(what: str, attempts: int, backoff: float, worth_retrying: Callable[[BaseException], bool],
                  sleep: Callable[[float], None] = time.sleep) -> Retrying:
    """A tenacity loop: at most `attempts` tries, none past the run's deadline, the last failure re-raised."""
    def note(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning("%s failed (%s, attempt %d/%d); retrying", what, _describe(error), state.attempt_number, attempts)

    return Retrying(stop=stop_any(stop_after_attempt(attempts), _past_deadline), wait=jittered(backoff), sleep=sleep,
                    retry=retry_if_exception(worth_retrying), before_sleep=note, reraise=True)


def _describe(error: BaseException | None) -> str:
    code = getattr(error, "code", None)
    return f"{type(error).__name__} {code}" if code is not None else type(error).__name__
