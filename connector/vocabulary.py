"""The words the system uses for states, written once (compare against members, not literals).

StrEnum members are their values, so rows and JSON keep plain strings.
"""
from __future__ import annotations

from enum import StrEnum


class SubmissionStatus(StrEnum):
    ACCEPTED = "accepted"    # a lead was made
    UNPARSED = "unparsed"    # kept for `connector reprocess`, with its reason
    TEST = "test"            # a plugin's connection test: answered 200, never a lead
    DUPLICATE = "duplicate"  # a re-sent entry: kept, answered with the original


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    RETRYING = "retrying"
    DELIVERED = "delivered"
    DEAD = "dead"
    WAITING_FOR_CONFIG = "waiting_for_config"
    CANCELLED = "cancelled"  # rescoring no longer routes the lead there; never sent


class Temperature(StrEnum):
    HOT = "hot"
    WARM = "warm"
    COLD = "cold"


class Category(StrEnum):
    PROSPECT = "prospect"
    CUSTOMER = "customer"
    BOT = "bot"
    SPAM = "spam"
    TEST = "test"
    INTERNAL = "internal"
    COMPETITOR = "competitor"
    JOB_SEEKER = "job_seeker"
    STUDENT = "student"
    VENDOR = "vendor"

    @property
    def is_junk(self) -> bool:
        return self not in (Category.PROSPECT, Category.CUSTOMER)
