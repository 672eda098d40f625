"""Which destinations are configured, built from settings.

Salesforce and Mailchimp get their adapters in their own issues; until a
destination is here, its deliveries wait as `waiting_for_config` and go out
once it is configured.
"""
from __future__ import annotations

from pathlib import Path

import mailchimp_marketing
import requests
import yaml

from connector.adapters.base import Destination
from connector.adapters.mailchimp import MailchimpDestination, MailchimpMap, data_centre
from connector.adapters.salesforce.auth import Credentials, TokenSource
from connector.adapters.salesforce.client import SalesforceClient
from connector.adapters.salesforce.fields import FieldMap
from connector.adapters.salesforce.realtime import SalesforceDestination
from connector.adapters.webhook import WebhookDestination
from connector.settings import ConfigError, Settings


def configured_destinations(settings: Settings) -> dict[str, Destination]:
    destinations: dict[str, Destination] = {}
    if settings.forward_url:
        destinations["webhook"] = WebhookDestination(
            requests.Session(), settings.forward_url, settings.forward_secret,
            settings.forward_timeout_seconds)
    if salesforce_credentials(settings).flow:
        destinations["salesforce"] = salesforce_destination(settings)
    if settings.mailchimp_api_key and settings.mailchimp_list_id:
        destinations["mailchimp"] = mailchimp_destination(settings)
    return destinations


def mailchimp_destination(settings: Settings) -> MailchimpDestination:
    client = mailchimp_marketing.Client()
    client.set_config({"api_key": settings.mailchimp_api_key,
                       "server": data_centre(settings.mailchimp_api_key),
                       "timeout": settings.mailchimp_timeout_seconds})
    if settings.mailchimp_base_url:
        client.api_client.host = settings.mailchimp_base_url.rstrip("/")
    path = settings.mappings_dir / "mailchimp.yaml"
    try:
        fields = MailchimpMap.from_dict(yaml.safe_load(path.read_text(encoding="utf-8")) or {},
                                        str(path))
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return MailchimpDestination(client, settings.mailchimp_list_id, fields,
                                marketing_permission_id=settings.mailchimp_marketing_permission_id)


def salesforce_credentials(settings: Settings) -> Credentials:
    key = ""
    if settings.salesforce_private_key_file:
        key = Path(settings.salesforce_private_key_file).read_text(encoding="ascii")
    return Credentials(
        login_url=settings.salesforce_login_url, client_id=settings.salesforce_client_id,
        client_secret=settings.salesforce_client_secret, username=settings.salesforce_username,
        password=settings.salesforce_password,
        security_token=settings.salesforce_security_token, private_key=key)


def salesforce_destination(settings: Settings) -> SalesforceDestination:
    session = requests.Session()
    tokens = TokenSource(session, salesforce_credentials(settings),
                         settings.salesforce_timeout_seconds)
    client = SalesforceClient(session, tokens, settings.salesforce_api_version,
                              settings.salesforce_timeout_seconds)
    return SalesforceDestination(
        client, _field_map(settings.mappings_dir / "salesforce.yaml"),
        lead_source=settings.salesforce_lead_source,
        lead_owner_id=settings.salesforce_lead_owner_id,
        task_owner_ids=settings.salesforce_task_owner_ids,
        auto_assign=settings.salesforce_auto_assign,
        slow_down_at=settings.salesforce_slow_down_at,
        api_version=settings.salesforce_api_version,
        external_id_field=settings.salesforce_lead_external_id_field)


def _field_map(path: Path) -> FieldMap:
    try:
        return FieldMap.from_dict(yaml.safe_load(path.read_text(encoding="utf-8")) or {},
                                  str(path))
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
