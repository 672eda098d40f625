"""POST /hooks/mailchimp: the audience's webhooks (GET answers Mailchimp's check).

Mailchimp signs nothing; a secret in the URL keeps strangers out. Anything
but 200 makes Mailchimp retry and eventually disable the webhook, so an event
for another audience or of an unknown kind is answered 200 and logged."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from flask import Blueprint, jsonify, request

from connector.audience_events import EventError, record_event
from connector.intake.phpquery import parse_php_query
from connector.web import runtime
from connector.webhook_token import token_matches

log = logging.getLogger(__name__)
bp = Blueprint("mailchimp_hooks", __name__)


@bp.route("/hooks/mailchimp", methods=["GET", "POST"])
def mailchimp_webhook():
    rt = runtime()
    secret = rt.settings.mailchimp_webhook_secret
    if not secret:
        return jsonify(error="Mailchimp webhooks are not configured "
                             "(set MAILCHIMP_WEBHOOK_SECRET)"), 404
    if not token_matches(secret, request.args.get("secret")):
        return jsonify(error="missing or wrong secret: pass ?secret="), 401
    if request.method == "GET":
        return jsonify(ok=True)  # Mailchimp's check when the webhook is saved
    event = parse_php_query(request.get_data(as_text=True))
    try:
        touched = record_event(rt.db, event, rt.settings.mailchimp_list_id,
                               datetime.now(timezone.utc))
    except EventError as exc:
        return jsonify(error=str(exc)), 422
    return jsonify(ok=True, leads=touched)
