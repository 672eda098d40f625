"""Which destinations are configured, built from settings.

Salesforce and Mailchimp get their adapters in their own issues; until a
destination is here, its deliveries wait as `waiting_for_config` and go out
once it is configured.
"""
from __future__ import annotations

import requests

from connector.adapters.base import Destination
from connector.adapters.webhook import WebhookDestination
from connector.settings import Settings


def configured_destinations(settings: Settings) -> dict[str, Destination]:
    destinations: dict[str, Destination] = {}
    if settings.forward_url:
        destinations["webhook"] = WebhookDestination(
            requests.Session(), settings.forward_url, settings.forward_secret,
            settings.forward_timeout_seconds)
    return destinations
