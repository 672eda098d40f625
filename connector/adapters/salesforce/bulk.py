"""Bulk API 1.0 through salesforce-bulk, for thousands of records at once: a job, one
CSV batch of up to 10,000 records, its status polled, its results read in order,
the job closed."""
from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass
from typing import Callable

from salesforce_bulk import SalesforceBulk
from salesforce_bulk.salesforce_bulk import BulkApiError, BulkBatchFailed

from connector.adapters.errors import DeliveryError, PermanentError, RetryableError
from connector.adapters.salesforce.client import SalesforceClient
from connector.adapters.salesforce.errors import classify

MAX_RECORDS = 10_000   # per Bulk API batch
POLL_SECONDS = 1.0
TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class RecordResult:
    success: bool
    id: str | None = None
    error: DeliveryError | None = None


class BulkWriter:
    def __init__(self, client: SalesforceClient, api_version: str,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.client, self.api_version, self.sleep = client, api_version, sleep

    def write(self, sobject: str, operation: str, records: list[dict],
              external_id: str = "") -> list[RecordResult]:
        results: list[RecordResult] = []
        for start in range(0, len(records), MAX_RECORDS):
            results += self._batch(sobject, operation, records[start:start + MAX_RECORDS],
                                   external_id)
        return results

    def _batch(self, sobject: str, operation: str, records: list[dict],
               external_id: str) -> list[RecordResult]:
        token = self.client.tokens.get()
        bulk = SalesforceBulk(sessionId=token.access_token, host=token.instance_url,
                              API_version=self.api_version)
        try:
            job = bulk.create_job(sobject, operation, contentType="CSV",
                                  external_id_name=external_id or None)
            batch = bulk.post_batch(job, _csv(records))
            self.client.calls += 2
            waited = 0.0
            while not bulk.is_batch_done(batch, job):
                self.client.calls += 1
                if waited >= TIMEOUT_SECONDS:
                    raise RetryableError("bulk batch still running", f"job {job} batch {batch}")
                self.sleep(POLL_SECONDS)
                waited += POLL_SECONDS
            rows = bulk.get_batch_results(batch, job)
            bulk.close_job(job)
            self.client.calls += 3
        except BulkBatchFailed as exc:
            raise RetryableError("bulk batch failed", str(exc.state_message)) from exc
        except BulkApiError as exc:
            if "InvalidSessionId" in str(exc):
                self.client.tokens.invalidate(token)
                raise RetryableError("bulk session expired", str(exc)) from exc
            status = exc.status_code or 0
            cls = RetryableError if status >= 500 or status == 0 else PermanentError
            raise cls(f"bulk HTTP {status}", str(exc)[:2000]) from exc
        if len(rows) != len(records):
            raise RetryableError("bulk results do not match the batch",
                                 f"{len(rows)} results for {len(records)} records")
        return [_result(row) for row in rows]


def _csv(records: list[dict]) -> bytes:
    columns = list(dict.fromkeys(k for r in records for k in r))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({k: "" if v is None else v for k, v in record.items()})
    return out.getvalue().encode("utf-8")


def _result(row) -> RecordResult:
    if str(row.success).lower() == "true":
        return RecordResult(True, row.id or None)
    # "REQUIRED_FIELD_MISSING:Required fields are missing: [Company]:Company --"
    code, _, message = str(row.error or "UNKNOWN:").partition(":")
    return RecordResult(False, error=classify(400, [{"errorCode": code,
                                                     "message": message.rsplit(":", 1)[0]}]))
