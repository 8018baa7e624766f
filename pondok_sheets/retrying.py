"""The one retry policy of both HTTP choke points (Google Sheets, Meta's Graph API), built on tenacity.

A bounded number of attempts with jittered exponential back-off; which failures are worth
another attempt is each caller's call (an append is retried only on 429, a Graph time-out
never), but how often and how long to wait is decided here once.
"""
from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

log = logging.getLogger(__name__)


def jittered(backoff: float) -> Callable[[RetryCallState], float]:
    """Wait backoff × 2^(attempt-1), times a random factor in [0.5, 1.5] so many clients don't retry in step."""
    def wait(state: RetryCallState) -> float:
        return backoff * 2 ** (state.attempt_number - 1) * random.uniform(0.5, 1.5)
    return wait


def bounded_retry(what: str, attempts: int, backoff: float, worth_retrying: Callable[[BaseException], bool],
                  sleep: Callable[[float], None] = time.sleep) -> Retrying:
    """A tenacity loop: at most `attempts` tries, the last failure re-raised as it was."""
    def note(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning("%s failed (%s, attempt %d/%d); retrying", what, _describe(error), state.attempt_number, attempts)

    return Retrying(stop=stop_after_attempt(attempts), wait=jittered(backoff), sleep=sleep,
                    retry=retry_if_exception(worth_retrying), before_sleep=note, reraise=True)


def _describe(error: BaseException | None) -> str:
    code = getattr(error, "code", None)
    return f"{type(error).__name__} {code}" if code is not None else type(error).__name__
