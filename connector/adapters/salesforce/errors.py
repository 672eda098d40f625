"""Salesforce's answers sorted into the one taxonomy: retryable, paused or permanent.

REST errors are a JSON array [{errorCode, message, fields?}]; composite
subrequests carry the same array with their own httpStatusCode.
"""
from __future__ import annotations

from typing import Any

import requests

from connector.adapters.errors import (DeliveryError, DestinationPaused, PermanentError,
                                       RetryableError)

RETRYABLE = {"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "UNKNOWN_EXCEPTION",
             "QUERY_TIMEOUT", "REQUEST_RUNNING_TOO_LONG"}
# The rolling 24-hour allowance is used up: everything waits, nothing burns attempts.
LIMIT_PAUSE_SECONDS = 3600
# Too many concurrent long requests: a short wait is enough.
CONCURRENCY_PAUSE_SECONDS = 60
HALTED = "PROCESSING_HALTED"


def first_error(body: Any) -> tuple[str, str]:
    """(errorCode, message) of a REST error body, which may be HTML during outages."""
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return str(body[0].get("errorCode", "UNKNOWN")), str(body[0].get("message", ""))
    if isinstance(body, dict) and "errorCode" in body:
        return str(body["errorCode"]), str(body.get("message", ""))
    return "UNKNOWN", ""


def classify(status: int, body: Any) -> DeliveryError:
    code, message = first_error(body)
    label = f"{status} {code}"
    if code == "REQUEST_LIMIT_EXCEEDED":
        pause = (CONCURRENCY_PAUSE_SECONDS if "ConcurrentPerOrgLongTxn" in message
                 else LIMIT_PAUSE_SECONDS)
        return DestinationPaused(label, message, pause)
    if status >= 500 or code in RETRYABLE:
        return RetryableError(label, message)
    return PermanentError(label, message)


def classify_response(resp: requests.Response) -> DeliveryError:
    try:
        body = resp.json()
    except ValueError:
        body = resp.text[:2000]
    error = classify(resp.status_code, body)
    if isinstance(body, str) and not error.vendor_message:
        error.vendor_message = body
    return error


def composite_failure(results: list[dict]) -> tuple[dict, DeliveryError] | None:
    """The subrequest that really failed (others only report PROCESSING_HALTED)."""
    failed = [r for r in results if r.get("httpStatusCode", 200) >= 400]
    if not failed:
        return None
    cause = next((r for r in failed if first_error(r.get("body"))[0] != HALTED), failed[0])
    return cause, classify(cause["httpStatusCode"], cause.get("body"))


def duplicate_match(body: Any) -> str | None:
    """The record a duplicate rule matched, from DUPLICATES_DETECTED."""
    if not isinstance(body, list):
        return None
    for error in body:
        result = error.get("duplicateResult") if isinstance(error, dict) else None
        for match in (result or {}).get("matchResults", []):
            for record in match.get("matchRecords", []):
                record_id = (record.get("record") or {}).get("Id")
                if record_id:
                    return record_id
    return None
