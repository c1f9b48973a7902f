"""Retrying what lost a race: a read that changed before the write, or a DynamoDB transaction conflict."""

import random
import time
from collections.abc import Callable

from shop.commerce.errors import TooManyConflicts, TransactionConflict
from shop.common.errors import WriteConflict

# A checkout re-reads the cart and tries again when what it read changed; a few times, then the client decides.
MAX_CHECKOUT_ATTEMPTS = 3
# DynamoDB cancels transactions that touch an item another transaction holds (popular products under load):
# nothing read is stale, so these are retried more often, within a time budget well inside the function's
# 10 s timeout (each pause is at most MAX_PAUSE_SECONDS, so the budget is overrun by one pause at most).
MAX_TRANSACTION_CONFLICTS = 12
CONFLICT_BUDGET_SECONDS = 2.5
MAX_PAUSE_SECONDS = 0.25


def back_off(attempt: int) -> None:
    """Full jitter before another attempt, so that transactions that conflicted do not collide again."""
    pause = min(MAX_PAUSE_SECONDS, 0.025 * 2**attempt)
    time.sleep(random.uniform(0, pause))  # noqa: S311 - timing jitter, not a secret


def retrying[T](attempt: Callable[[], T], back_off: Callable[[int], None], monotonic: Callable[[], float]) -> T:
    """attempt() until it stops conflicting: a changed read a few times, a DynamoDB transaction conflict
    more often but only within CONFLICT_BUDGET_SECONDS; then TooManyConflicts (409)."""
    deadline = monotonic() + CONFLICT_BUDGET_SECONDS
    changed = conflicted = 0
    while True:
        try:
            return attempt()
        except TransactionConflict:
            conflicted += 1
            if conflicted >= MAX_TRANSACTION_CONFLICTS or monotonic() >= deadline:
                raise TooManyConflicts() from None
        except WriteConflict:
            changed += 1
            if changed >= MAX_CHECKOUT_ATTEMPTS:
                raise TooManyConflicts() from None
        back_off(changed + conflicted)
