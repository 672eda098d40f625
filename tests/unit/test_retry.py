from datetime import datetime, timedelta, timezone

import pytest

from connector.adapters.errors import PermanentError, RetryableError
from connector.adapters.http import retry_after_seconds
from connector.retry import BACKOFF_MIN, next_attempt, quick_retry

NOW = datetime(2026, 11, 27, 12, tzinfo=timezone.utc)


def test_backoff_grows_and_ends_in_the_dead_letter():
    waits = [next_attempt(RetryableError("503"), n, NOW) - NOW
             for n in range(1, len(BACKOFF_MIN) + 1)]
    assert waits == [timedelta(minutes=m) for m in BACKOFF_MIN]
    assert waits == sorted(waits)
    assert next_attempt(RetryableError("503"), len(BACKOFF_MIN) + 1, NOW) is None


def test_permanent_errors_are_not_retried():
    assert next_attempt(PermanentError("400"), 1, NOW) is None


def test_retry_after_wins_when_longer():
    assert next_attempt(RetryableError("429", retry_after=3600), 1, NOW) == NOW + timedelta(hours=1)
    assert next_attempt(RetryableError("429", retry_after=1), 1, NOW) == NOW + timedelta(minutes=1)


def test_quick_retry_tries_three_times_on_retryable_only():
    sleeps, calls = [], []

    def flaky():
        calls.append(1)
        raise RetryableError("503")

    with pytest.raises(RetryableError):
        quick_retry(sleep=sleeps.append)(flaky)
    assert len(calls) == 3 and len(sleeps) == 2 and all(0 <= s <= 4 for s in sleeps)

    calls.clear()
    with pytest.raises(PermanentError):
        quick_retry(sleep=sleeps.append)(lambda: calls.append(1) or (_ for _ in ()).throw(PermanentError("400")))
    assert len(calls) == 1


@pytest.mark.parametrize("value, seconds", [
    ("120", 120.0), ("Fri, 27 Nov 2026 12:02:00 GMT", 120.0), ("soon", None), (None, None)])
def test_retry_after_reads_seconds_and_http_dates(value, seconds):
    assert retry_after_seconds(value, now=NOW) == seconds
