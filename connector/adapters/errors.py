"""The one error taxonomy the worker understands: retryable or permanent."""
from __future__ import annotations


class DeliveryError(Exception):
    """Not accepted. str() is a status and the vendor's error code (safe to log);
    vendor_message is stored on the delivery row, never logged."""

    def __init__(self, code: str, vendor_message: str = "",
                 retry_after: float | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.vendor_message = vendor_message
        self.retry_after = retry_after


class RetryableError(DeliveryError):
    """The same request may work later: timeouts, 5xx, rate limits, locks."""


class PermanentError(DeliveryError):
    """Fails again unchanged: validation, a bad mapping. Goes to the dead letter."""


class DestinationPaused(RetryableError):
    """The destination cannot take anything for a while (API allowance used up,
    credentials refused): every delivery to it waits, and none loses an attempt."""

    def __init__(self, code: str, vendor_message: str = "", pause_seconds: float = 3600) -> None:
        super().__init__(code, vendor_message, retry_after=pause_seconds)
        self.pause_seconds = pause_seconds
