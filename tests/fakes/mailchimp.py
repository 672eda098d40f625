"""A fake Mailchimp Marketing API 3.0 for everything the connector calls: ping, the
audience, its merge fields, members (upsert by subscriber hash with Mailchimp's
status rules) and member tags. It answers with problem+json bodies, refuses a wrong
key, enforces 10 simultaneous connections, takes injected failures and latency, and
counts calls. Served on 127.0.0.1, port 0; point MAILCHIMP_BASE_URL at .url.

The upsert follows Mailchimp's rules: `status_if_new` is used only when the member is
new, `status` alone changes an existing one (unsubscribed or cleaned cannot become
subscribed: 400 Member In Compliance State), tags on a PUT count only for a new
member, a permanently deleted address answers 400 Forgotten Email Not Subscribed,
and the answer is the member as it now is, with its status."""
from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LIST_ID = "a1b2c3d4e5"
API_KEY = "0123456789abcdef0123456789abcdef-us21"
MERGE_FIELDS = ["FNAME", "LNAME", "ADDRESS", "PHONE", "BIRTHDAY"]
MAX_CONNECTIONS = 10


def subscriber_hash(email: str) -> str:
    return hashlib.md5(email.strip().lower().encode()).hexdigest()  # noqa: S324


@dataclass
class FakeMailchimp:
    merge_fields: list[str] = field(default_factory=lambda: MERGE_FIELDS + ["COMPANY"])
    members: dict[str, dict] = field(default_factory=dict)     # hash -> member
    forgotten: set[str] = field(default_factory=set)            # hashes deleted for good
    fake_looking: set[str] = field(default_factory=set)         # addresses Mailchimp rejects
    calls: list[str] = field(default_factory=list)
    failures: list[tuple[int, Any]] = field(default_factory=list)
    latency: float = 0.0
    peak_connections: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._open = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                fake._handle(self)

            do_PUT = do_POST = do_PATCH = do_GET  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/3.0"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def member(self, email: str) -> dict | None:
        return self.members.get(subscriber_hash(email))

    def add(self, email: str, status: str, tags: tuple[str, ...] = ()) -> None:
        self.members[subscriber_hash(email)] = {
            "id": subscriber_hash(email), "email_address": email.lower(), "status": status,
            "merge_fields": {}, "tags": [{"name": t} for t in tags]}

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self._open += 1
            self.peak_connections = max(self.peak_connections, self._open)
            crowded = self._open > MAX_CONNECTIONS
            self.calls.append(f"{h.command} {h.path.split('?')[0]}")
            injected = self.failures.pop(0) if self.failures else None
        try:
            length = int(h.headers.get("Content-Length") or 0)
            body = json.loads(h.rfile.read(length)) if length else None
            if self.latency:
                time.sleep(self.latency)
            if crowded:
                return _problem(h, 429, "Too Many Requests",
                                "You have exceeded the limit of 10 simultaneous connections.")
            if injected:
                return _send(h, *injected)
            if not self._authorised(h):
                return _problem(h, 401, "API Key Invalid", "Your API key may be invalid, or "
                                "you've attempted to access the wrong datacenter.")
            with self._lock:
                self._route(h, h.command, h.path.split("?")[0].removeprefix("/3.0"), body)
        finally:
            with self._lock:
                self._open -= 1

    def _authorised(self, h: BaseHTTPRequestHandler) -> bool:
        auth = h.headers.get("Authorization", "")
        if not auth.startswith("Basic "):
            return False
        _, _, key = base64.b64decode(auth[6:]).decode().partition(":")
        return key == API_KEY

    def _route(self, h, method: str, path: str, body: Any) -> None:
        if path == "/ping":
            return _send(h, 200, {"health_status": "Everything's Chimpy!"})
        m = re.match(r"^/lists/([^/]+)(/merge-fields|/members/([0-9a-f]{32})(/tags)?)?$", path)
        if not m or m.group(1) != LIST_ID:
            return _problem(h, 404, "Resource Not Found",
                            "The requested resource could not be found.")
        if m.group(2) is None and method == "POST":
            return self._batch_subscribe(h, body or {})
        if m.group(2) is None:
            return _send(h, 200, {"id": LIST_ID, "name": "Nurture", "stats": {
                "member_count": len(self.members)}})
        if m.group(2) == "/merge-fields":
            return _send(h, 200, {"merge_fields": [{"merge_id": i, "tag": t, "name": t.title(),
                                                    "type": "text", "required": False}
                                                   for i, t in enumerate(self.merge_fields, 1)],
                                  "total_items": len(self.merge_fields)})
        member_id = m.group(3)
        if m.group(4):                                     # tags
            member = self.members.get(member_id)
            if member is None:
                return _problem(h, 404, "Resource Not Found", "The requested resource could "
                                "not be found.")
            names = {t["name"] for t in member["tags"]}
            for tag in (body or {}).get("tags", []):
                (names.add if tag.get("status") == "active" else names.discard)(tag["name"])
            member["tags"] = [{"name": n} for n in sorted(names)]
            return _send(h, 204, None)
        if method == "GET":
            member = self.members.get(member_id)
            if member is None:
                return _problem(h, 404, "Resource Not Found", "The requested resource could "
                                "not be found.")
            return _send(h, 200, member)
        if method == "PUT":
            return self._upsert(h, member_id, body or {})
        return _problem(h, 405, "Method Not Allowed", method)

    def _batch_subscribe(self, h, body: dict) -> None:
        members = body.get("members") or []
        if len(members) > 500:
            return _problem(h, 400, "Invalid Resource", "Too many members: at most 500")
        new, updated, errors = [], [], []
        for m in members:
            email = str(m.get("email_address", "")).lower()
            member_id = subscriber_hash(email)
            existing = self.members.get(member_id)
            if member_id in self.forgotten:
                errors.append({"email_address": email, "error_code": "ERROR_GENERIC", "error":
                               f"{email} was permanently deleted and cannot be re-imported."})
            elif email in self.fake_looking:
                errors.append({"email_address": email, "error_code": "ERROR_GENERIC", "error":
                               f"{email} looks fake or invalid, please enter a real email "
                               "address."})
            elif existing and not body.get("update_existing"):
                errors.append({"email_address": email, "error_code": "ERROR_CONTACT_EXISTS",
                               "error": f"{email} is already a list member."})
            elif existing:
                if existing["status"] in ("unsubscribed", "cleaned") and \
                        m.get("status") == "subscribed":
                    errors.append({"email_address": email, "error_code": "ERROR_GENERIC",
                                   "error": f"{email} is in a compliance state"})
                    continue
                existing["status"] = m.get("status", existing["status"])
                existing["merge_fields"].update(m.get("merge_fields") or {})
                updated.append(existing)
            else:
                member = {"id": member_id, "email_address": email, "status": m.get("status"),
                          "merge_fields": dict(m.get("merge_fields") or {}),
                          "tags": [{"name": t} for t in sorted(set(m.get("tags") or []))]}
                self.members[member_id] = member
                new.append(member)
        return _send(h, 200, {"new_members": new, "updated_members": updated, "errors": errors,
                              "total_created": len(new), "total_updated": len(updated),
                              "error_count": len(errors)})

    def _upsert(self, h, member_id: str, body: dict) -> None:
        email = str(body.get("email_address", "")).lower()
        if not email or subscriber_hash(email) != member_id:
            return _problem(h, 400, "Invalid Resource", "The resource submitted could not be "
                            "validated.", [{"field": "email_address", "message": "mismatch"}])
        if member_id in self.forgotten:
            return _problem(h, 400, "Forgotten Email Not Subscribed", f"{email} was permanently "
                            "deleted and cannot be re-imported. The contact must re-subscribe "
                            "to get back on the list.")
        if email in self.fake_looking:
            return _problem(h, 400, "Invalid Resource",
                            f"{email} looks fake or invalid, please enter a real email address.")
        unknown = [t for t in (body.get("merge_fields") or {}) if t not in self.merge_fields]
        if unknown:
            return _problem(h, 400, "Invalid Resource", "The resource submitted could not be "
                            "validated. For field-specific details, see the 'errors' array.",
                            [{"field": f"merge_fields.{t}", "message": "Unknown merge field"}
                             for t in unknown])
        member = self.members.get(member_id)
        if member is None:
            if body.get("status_if_new") not in ("subscribed", "pending", "unsubscribed",
                                                 "cleaned", "transactional"):
                return _problem(h, 400, "Invalid Resource", "status_if_new is required")
            # Tags are not in the PUT schema, yet Mailchimp applies them to a new member.
            member = {"id": member_id, "email_address": email, "status": body["status_if_new"],
                      "merge_fields": {},
                      "tags": [{"name": t} for t in sorted(set(body.get("tags") or []))]}
            self.members[member_id] = member
        elif body.get("status"):
            # Only `status` changes an existing member (an archived one is un-archived);
            # status_if_new never does, so without `status` an unsubscribed, cleaned or
            # archived member stays so and only their merge fields change.
            if member["status"] in ("unsubscribed", "cleaned") and body["status"] == "subscribed":
                return _problem(h, 400, "Member In Compliance State", f"{email} is in a "
                                "compliance state due to unsubscribe, bounce, or compliance "
                                "review and cannot be subscribed.")
            member["status"] = body["status"]
        member["merge_fields"].update(body.get("merge_fields") or {})
        for key in ("language", "ip_signup", "timestamp_signup", "marketing_permissions"):
            if key in body:
                member[key] = body[key]
        return _send(h, 200, member)


def _problem(h, status: int, title: str, detail: str, errors: list | None = None) -> None:
    body = {"type": "https://mailchimp.com/developer/marketing/docs/errors/", "title": title,
            "status": status, "detail": detail, "instance": "fake"}
    if errors:
        body["errors"] = errors
    _send(h, status, body, "application/problem+json; charset=utf-8")


def _send(h, status: int, body: Any, content_type: str = "application/json; charset=utf-8"):
    payload = b"" if body is None else json.dumps(body).encode()
    h.send_response(status)
    h.send_header("Content-Type", content_type)
    h.send_header("Content-Length", str(len(payload)))
    h.end_headers()
    h.wfile.write(payload)
