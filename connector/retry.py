"""When to try a failed delivery again: seconds in-process, hours in the outbox."""
from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Callable

from tenacity import (Retrying, retry_if_exception, stop_after_attempt, stop_after_delay,
                      wait_random_exponential)

from connector.adapters.errors import (DeliveryError, DestinationPaused, PermanentError,
                                       RetryableError)

QUICK_MAX_WAIT = 4

# Minutes to wait after the 1st, 2nd, ... failed attempt: about 46 hours in all,
# long enough to ride out a weekend-long outage of a destination.
BACKOFF_MIN = (1, 5, 15, 60, 180, 360, 720, 1440)


def quick_retry(sleep: Callable[[float], None] = time.sleep) -> Retrying:
    """A few fast tries for blips; jittered because many workers share one API."""
    return Retrying(retry=retry_if_exception(worth_a_quick_retry),
                    stop=stop_after_attempt(3) | stop_after_delay(10),
                    wait=wait_random_exponential(multiplier=0.5, max=QUICK_MAX_WAIT),
                    sleep=sleep, reraise=True)


def worth_a_quick_retry(exc: BaseException) -> bool:
    """A blip: not a paused destination, nor one that asked us to wait long."""
    return (isinstance(exc, RetryableError) and not isinstance(exc, DestinationPaused)
            and (exc.retry_after or 0) <= QUICK_MAX_WAIT)


def next_attempt(err: DeliveryError, attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failed attempts; None means dead letter."""
    if isinstance(err, PermanentError) or attempts > len(BACKOFF_MIN):
        return None
    wait = timedelta(minutes=BACKOFF_MIN[max(attempts, 1) - 1])
    return now + max(wait, timedelta(seconds=err.retry_after or 0))
