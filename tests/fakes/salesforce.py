"""A fake Salesforce that behaves like the real API for everything the connector calls:
the OAuth token endpoint, SOQL queries (the subset we send), SOSL phone searches,
sObject create/update, Composite with references and all-or-none rollback, and
Composite Batch. It answers with Salesforce's error bodies, sends Sforce-Limit-Info
(a batch counts each subrequest against the allowance, as Salesforce does), enforces
required fields and the daily allowance, can block duplicates like a duplicate rule,
and takes injected failures and latency. It counts calls. Served on 127.0.0.1, port 0.

The phone search keeps Salesforce's rules as far as the connector relies on them:
IN PHONE FIELDS looks at every phone field and ignores formatting (a term matches a
field with the same digits), reserved characters must be escaped, RETURNING names
only fields the object has, and, with `search_lag`, records made through the API are
not found until `index_for_search()`, as Salesforce's search index trails its writes."""
from __future__ import annotations

import copy
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

API = "/services/data/v62.0"
BULK = "/services/async/62.0/"
NS = "http://www.force.com/2009/06/asyncapi/dataload"
PREFIX = {"Lead": "00Q", "Task": "00T", "Contact": "003"}
REQUIRED = {"Lead": ("LastName", "Company"), "Task": (), "Contact": ("LastName",)}
PRIORITIES = {"High", "Normal", "Low"}
# The fields describe lists: the standard ones the connector writes, plus custom ones a test adds.
STANDARD_FIELDS = {
    "Lead": ["Id", "FirstName", "LastName", "Email", "Phone", "MobilePhone", "Fax", "Company",
             "Title", "Website", "Description", "Rating", "LeadSource", "Status", "OwnerId",
             "IsConverted", "CreatedDate"],
    "Task": ["Id", "WhoId", "WhatId", "Subject", "Priority", "Status", "ActivityDate",
             "Description", "OwnerId", "TaskSubtype", "CreatedDate"],
    "Contact": ["Id", "FirstName", "LastName", "Email", "Phone", "MobilePhone", "HomePhone",
                "OtherPhone", "AssistantPhone", "Fax", "OwnerId", "AccountId", "CreatedDate"],
}
PHONE_FIELDS = {"Lead": ("Phone", "MobilePhone", "Fax"),
                "Contact": ("Phone", "MobilePhone", "HomePhone", "OtherPhone", "AssistantPhone",
                            "Fax")}
SOSL_RESERVED = set('?&|!{}[]()^~*:\\"\'+-')
MAX_BATCH = 25


class SalesforceError(Exception):
    def __init__(self, status: int, code: str, message: str, extra: dict | None = None) -> None:
        super().__init__(code)
        self.status, self.body = status, [{"errorCode": code, "message": message, **(extra or {})}]


@dataclass
class FakeSalesforce:
    daily_limit: int = 15_000
    block_duplicate_leads: bool = False
    latency: float = 0.0
    records: dict[str, dict[str, dict]] = field(
        default_factory=lambda: {"Lead": {}, "Task": {}, "Contact": {}})
    calls: list[str] = field(default_factory=list)     # "METHOD path" of every REST call
    token_calls: int = 0
    # (status, body) answers for the next REST calls, in order, before any real work;
    # fail_calls answers chosen calls (by number, from 1) the same way.
    failures: list[tuple[int, Any]] = field(default_factory=list)
    fail_calls: dict[int, tuple[int, Any]] = field(default_factory=dict)
    # REST calls (by number, from 1) that do their work but are never answered, as when
    # the connection drops after Salesforce committed.
    swallow_calls: set[int] = field(default_factory=set)
    custom_fields: dict[str, list[str]] = field(default_factory=dict)
    busy_seconds: float = 0.0    # time spent answering, so benchmarks can tell it apart
    # Records made through the API stay out of searches until index_for_search().
    search_lag: bool = False
    api_usage: int = 0           # what Sforce-Limit-Info reports: a batch counts each request

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._unindexed: set[str] = set()
        self._release = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                started = time.perf_counter()
                try:
                    fake._handle(self)
                finally:
                    fake.busy_seconds += time.perf_counter() - started

            do_GET = do_PATCH = do_POST  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    # --- what tests look at -----------------------------------------------------------
    @property
    def leads(self) -> list[dict]:
        return list(self.records["Lead"].values())

    @property
    def tasks(self) -> list[dict]:
        return list(self.records["Task"].values())

    def add(self, sobject: str, **fields: Any) -> str:
        """A record that was there before the test: already searchable."""
        with self._lock:
            record_id = self._create(sobject, fields)
            self._unindexed.discard(record_id)
            return record_id

    def index_for_search(self) -> None:
        with self._lock:
            self._unindexed.clear()

    def fail_next(self, *answers: tuple[int, Any]) -> None:
        with self._lock:
            self.failures.extend(answers)

    def release(self) -> None:
        self._release.set()

    def stop(self) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()

    # --- HTTP ---------------------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        url = urlsplit(h.path)
        if url.path == "/services/oauth2/token":
            return self._token(h, raw)
        if url.path.startswith(BULK):
            with self._lock:
                self.calls.append(f"{h.command} {url.path}")
            if h.headers.get("X-SFDC-Session") != "fake-token":
                return _send_raw(h, 400, "application/xml", _xml("error", exceptionCode=
                                 "InvalidSessionId", exceptionMessage="Invalid session id"))
            with self._lock:
                return _send_raw(h, *self._bulk(h.command, url.path.removeprefix(BULK), raw))
        if h.headers.get("Authorization", "") != "Bearer fake-token":
            return _send(h, 401, [{"errorCode": "INVALID_SESSION_ID",
                                   "message": "Session expired or invalid"}])
        body = json.loads(raw) if raw else None
        with self._lock:
            self.calls.append(f"{h.command} {url.path}")
            count = len(self.calls)
            batched = (body or {}).get("batchRequests") if isinstance(body, dict) else None
            self.api_usage += max(1, len(batched or []))
            usage = self.api_usage
            injected = self.fail_calls.get(count) or (
                self.failures.pop(0) if self.failures else None)
        if self.latency:
            time.sleep(self.latency)
        headers = {"Sforce-Limit-Info": f"api-usage={usage}/{self.daily_limit}"}
        if injected:
            return _send(h, *injected, headers=headers)
        if usage > self.daily_limit:
            return _send(h, 403, [{"errorCode": "REQUEST_LIMIT_EXCEEDED",
                                   "message": "TotalRequests Limit exceeded."}])
        try:
            with self._lock:
                if url.path == API + "/composite":
                    status, answer = 200, self._composite(body)
                elif url.path == API + "/composite/batch" and h.command == "POST":
                    status, answer = 200, self._batch(body or {})
                else:
                    status, answer = self._one(h.command, url.path, url.query, body, {})
        except SalesforceError as exc:
            status, answer = exc.status, exc.body
        if count in self.swallow_calls:
            self._release.wait(60)  # committed, but the answer never arrives
            return
        _send(h, status, answer, headers)

    def _token(self, h: BaseHTTPRequestHandler, raw: bytes) -> None:
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        self.token_calls += 1
        if form.get("grant_type") == "password" and not form.get("password"):
            return _send(h, 400, {"error": "invalid_grant",
                                  "error_description": "authentication failure"})
        if not form.get("client_id") and form.get("grant_type") != \
                "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return _send(h, 400, {"error": "invalid_client_id",
                                  "error_description": "client identifier invalid"})
        _send(h, 200, {"access_token": "fake-token", "instance_url": self.url,
                       "id": f"{self.url}/id/00D/005", "token_type": "Bearer",
                       "issued_at": str(int(time.time() * 1000))})

    # --- the API --------------------------------------------------------------------------
    def _composite(self, body: dict) -> dict:
        all_or_none = body.get("allOrNone", False)
        snapshot = copy.deepcopy(self.records)
        results, refs, failed = [], {}, False
        for sub in body["compositeRequest"]:
            ref = sub["referenceId"]
            try:
                if failed and all_or_none:
                    raise SalesforceError(400, "PROCESSING_HALTED", "halted")
                url = _resolve(sub["url"], refs, ref)
                payload = _resolve(sub.get("body"), refs, ref)
                split = urlsplit(url)
                if split.path.rstrip("/").endswith("/search"):
                    # Composite takes sObject, query and collection requests, not searches.
                    raise SalesforceError(400, "INVALID_API_INPUT",
                                          "The search resource is not supported in composite")
                status, answer = self._one(sub["method"], split.path, split.query, payload,
                                           sub.get("httpHeaders") or {})
                refs[ref] = answer
                results.append({"body": answer, "httpHeaders": {}, "httpStatusCode": status,
                                "referenceId": ref})
            except SalesforceError as exc:
                failed = True
                results.append({"body": exc.body, "httpHeaders": {},
                                "httpStatusCode": exc.status, "referenceId": ref})
        if failed and all_or_none:
            self.records = snapshot
            halted = [{"errorCode": "PROCESSING_HALTED",
                       "message": "The transaction was rolled back since another operation "
                                  "in the same transaction failed."}]
            results = [r if r["httpStatusCode"] >= 400 and r["body"][0]["errorCode"]
                       != "PROCESSING_HALTED" else dict(r, body=halted, httpStatusCode=400)
                       for r in results]
        return {"compositeResponse": results}

    def _batch(self, body: dict) -> dict:
        """Composite Batch: independent GETs and writes, each answered in order."""
        subrequests = body.get("batchRequests") or []
        if not subrequests or len(subrequests) > MAX_BATCH:
            raise SalesforceError(400, "INVALID_BATCH_REQUEST",
                                  f"A batch holds 1 to {MAX_BATCH} requests")
        results, halted = [], False
        for sub in subrequests:
            if halted:
                results.append({"statusCode": 412, "result": [{
                    "errorCode": "BATCH_PROCESSING_HALTED",
                    "message": "Batch processing halted per request"}]})
                continue
            split = urlsplit(sub.get("url", ""))
            if not re.match(r"^v\d+\.\d/", split.path):
                raise SalesforceError(400, "INVALID_BATCH_REQUEST", f"bad url {sub.get('url')}")
            try:
                status, answer = self._one(sub["method"], "/services/data/" + split.path,
                                           split.query, sub.get("richInput"), {})
            except SalesforceError as exc:
                status, answer = exc.status, exc.body
                halted = bool(body.get("haltOnError"))
            results.append({"statusCode": status, "result": answer})
        return {"hasErrors": any(r["statusCode"] >= 400 for r in results), "results": results}

    def _search(self, sosl: str) -> dict:
        """FIND {terms} IN PHONE FIELDS RETURNING Object(fields [WHERE] [ORDER BY] [LIMIT])."""
        m = re.match(r"^FIND \{(.*)\} IN (\w+) FIELDS RETURNING (.+)$", sosl.strip(), re.S)
        if not m:
            raise SalesforceError(400, "MALFORMED_SEARCH", f"cannot read: {sosl}")
        if m.group(2) != "PHONE":
            raise SalesforceError(400, "MALFORMED_SEARCH", "the fake searches phone fields only")
        wanted = {"".join(ch for ch in term if ch.isdigit()) for term in _search_terms(m.group(1))}
        records = []
        for spec in _top_level_split(m.group(3)):
            part = re.match(r"^(\w+)\((.+?)(?: WHERE (.+?))?(?: ORDER BY \w+(?: ASC| DESC)?)?"
                            r"(?: LIMIT (\d+))?\)$", spec.strip(), re.S)
            if not part or part.group(1) not in PHONE_FIELDS:
                raise SalesforceError(400, "MALFORMED_SEARCH", f"cannot read: {spec}")
            sobject = part.group(1)
            columns = [c.strip() for c in part.group(2).split(",")]
            known = STANDARD_FIELDS[sobject] + self.custom_fields.get(sobject, [])
            for column in columns:
                if column not in known:
                    raise SalesforceError(400, "INVALID_FIELD", f"No such column '{column}' on "
                                          f"entity '{sobject}'.")
            predicate = _where(part.group(3)) if part.group(3) else (lambda r: True)
            hits = [r for i, r in self.records[sobject].items()
                    if i not in self._unindexed and predicate(r)
                    and any("".join(ch for ch in str(r.get(f) or "") if ch.isdigit()) in wanted
                            for f in PHONE_FIELDS[sobject] if r.get(f))]
            if part.group(4):
                hits = hits[:int(part.group(4))]
            records += [{"attributes": {"type": sobject,
                                        "url": f"{API}/sobjects/{sobject}/{r['Id']}"},
                         **{c: r.get(c) for c in columns}} for r in hits]
        return {"searchRecords": records}

    def _one(self, method: str, path: str, query: str, body: Any,
             headers: dict) -> tuple[int, Any]:
        rest = path.removeprefix(API + "/")
        if rest == "composite/sobjects" and method in ("POST", "PATCH"):
            return 200, self._collection(method, body or {})
        if rest.startswith("composite/sobjects/") and method == "PATCH":   # upsert collection
            _, _, sobject, ext = rest.split("/")
            return 200, self._collection("UPSERT", body or {}, ext)
        if method == "GET" and rest == "query":
            return 200, self._query(parse_qs(query, keep_blank_values=True).get("q", [""])[0])
        if method == "GET" and rest == "search":
            return 200, self._search(parse_qs(query, keep_blank_values=True).get("q", [""])[0])
        parts = rest.split("/")
        if parts[0] != "sobjects" or len(parts) < 2 or parts[1] not in self.records:
            raise SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")
        sobject = parts[1]
        if method == "GET" and parts[2:] == ["describe"]:
            names = STANDARD_FIELDS[sobject] + self.custom_fields.get(sobject, [])
            return 200, {"name": sobject, "fields": [
                {"name": n, "type": "string", "createable": n not in ("Id", "IsConverted"),
                 "nillable": n not in REQUIRED[sobject], "custom": n.endswith("__c")}
                for n in names]}
        if method == "POST" and len(parts) == 2:
            return 201, {"id": self._create(sobject, body or {}), "success": True, "errors": []}
        if method == "PATCH" and len(parts) == 4:   # upsert on an External ID field
            record_id, created = self._upsert(sobject, parts[2], parts[3], body or {})
            return (201 if created else 200), {"id": record_id, "success": True, "errors": [],
                                               "created": created}
        if method == "PATCH" and len(parts) == 3:
            record = self.records[sobject].get(parts[2])
            if record is None:
                raise SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")
            record.update(body or {})
            return 204, None
        raise SalesforceError(405, "METHOD_NOT_ALLOWED", f"{method} not allowed")

    def _bulk(self, method: str, path: str, raw: bytes) -> tuple[int, str, bytes]:
        """Bulk API 1.0: jobs, one CSV batch each, processed when posted; the first status
        check still says InProgress, as a real batch would for a while."""
        import csv
        import io
        import xml.etree.ElementTree as ET
        jobs = self.__dict__.setdefault("_jobs", {})
        parts = path.split("/")
        if method == "POST" and parts == ["job"]:
            doc = ET.fromstring(raw)
            job_id = f"750FAKE{next(self._ids):010d}"
            jobs[job_id] = {"operation": doc.findtext(f"{{{NS}}}operation"),
                            "object": doc.findtext(f"{{{NS}}}object"), "state": "Open",
                            "external": doc.findtext(f"{{{NS}}}externalIdFieldName"),
                            "batches": {}}
            return 201, "application/xml", _xml("jobInfo", id=job_id, state="Open",
                                                **{k: jobs[job_id][k] for k in ("operation",
                                                                                 "object")})
        job = jobs.get(parts[1]) if len(parts) > 1 else None
        if job is None:
            return 400, "application/xml", _xml("error", exceptionCode="InvalidJob",
                                                exceptionMessage="no such job")
        if method == "POST" and len(parts) == 2:           # close
            job["state"] = "Closed"
            return 200, "application/xml", _xml("jobInfo", id=parts[1], state="Closed")
        if method == "POST" and parts[2:] == ["batch"]:
            batch_id = f"751FAKE{next(self._ids):010d}"
            rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
            results = []
            for row in rows:
                fields = {k: v for k, v in row.items() if v != ""}
                try:
                    if job["operation"] == "insert":
                        record_id = self._create(job["object"], fields)
                    elif job["operation"] == "upsert":
                        ext = job["external"]
                        record_id, _ = self._upsert(job["object"], ext,
                                                    str(fields.pop(ext, "")), fields)
                    else:
                        record_id = fields.pop("Id")
                        self.records[job["object"]][record_id].update(fields)
                    results.append((record_id, "true", "true", ""))
                except SalesforceError as exc:
                    e = exc.body[0]
                    results.append(("", "false", "false",
                                    f"{e['errorCode']}:{e['message']}:{','.join(e.get('fields', []))} --"))
            job["batches"][batch_id] = {"results": results, "checks": 0}
            return 201, "application/xml", _xml("batchInfo", id=batch_id, jobId=parts[1],
                                                state="Queued")
        batch = job["batches"].get(parts[3]) if len(parts) > 3 else None
        if batch is None:
            return 400, "application/xml", _xml("error", exceptionCode="InvalidBatch",
                                                exceptionMessage="no such batch")
        if method == "GET" and len(parts) == 4:
            batch["checks"] += 1
            state = "InProgress" if batch["checks"] == 1 else "Completed"
            return 200, "application/xml", _xml("batchInfo", id=parts[3], jobId=parts[1],
                                                state=state)
        if method == "GET" and parts[4:] == ["result"]:
            out = io.StringIO()
            writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
            writer.writerow(["Id", "Success", "Created", "Error"])
            writer.writerows(batch["results"])
            return 200, "text/csv", out.getvalue().encode()
        return 405, "application/xml", _xml("error", exceptionCode="InvalidUrl",
                                            exceptionMessage=path)

    def _upsert(self, sobject: str, field_name: str, value: str, fields: dict) -> tuple[str, bool]:
        matches = [i for i, r in self.records[sobject].items() if str(r.get(field_name)) == value]
        if len(matches) > 1:
            raise SalesforceError(300, "MULTIPLE_CHOICES", "several records match")
        if matches:
            self.records[sobject][matches[0]].update(fields)
            return matches[0], False
        return self._create(sobject, {**fields, field_name: value}), True

    def _collection(self, method: str, body: dict, external_id: str = "") -> list[dict]:
        records = body.get("records") or []
        if len(records) > 200:
            raise SalesforceError(400, "EXCEEDED_ID_LIMIT", "record limit is 200")
        results = []
        for record in records:
            fields = {k: v for k, v in record.items() if k != "attributes"}
            sobject = (record.get("attributes") or {}).get("type")
            try:
                if sobject not in self.records:
                    raise SalesforceError(400, "INVALID_TYPE", f"no type {sobject}")
                if method == "POST":
                    record_id = self._create(sobject, fields)
                elif method == "UPSERT":
                    record_id, _ = self._upsert(sobject, external_id,
                                                str(fields.pop(external_id, "")), fields)
                else:
                    record_id = fields.pop("Id", None)
                    if record_id not in self.records[sobject]:
                        raise SalesforceError(404, "ENTITY_IS_DELETED", "entity is deleted")
                    self.records[sobject][record_id].update(fields)
                results.append({"id": record_id, "success": True, "errors": []})
            except SalesforceError as exc:
                error = exc.body[0]
                results.append({"success": False, "errors": [
                    {"statusCode": error["errorCode"], "message": error["message"],
                     "fields": error.get("fields", [])}]})
        return results

    def _create(self, sobject: str, fields: dict) -> str:
        missing = [f for f in REQUIRED[sobject] if not fields.get(f)]
        if missing:
            raise SalesforceError(400, "REQUIRED_FIELD_MISSING",
                                  f"Required fields are missing: [{', '.join(missing)}]",
                                  {"fields": missing})
        if sobject == "Task" and fields.get("Priority", "Normal") not in PRIORITIES:
            raise SalesforceError(400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                                  f"Priority: bad value for restricted picklist field: "
                                  f"{fields['Priority']}", {"fields": ["Priority"]})
        if sobject == "Lead" and self.block_duplicate_leads:
            match = next((i for i, r in self.records["Lead"].items()
                          if r.get("Email", "").lower() == str(fields.get("Email", "")).lower()),
                         None)
            if match:
                raise SalesforceError(400, "DUPLICATES_DETECTED", "Use one of these records?",
                                      {"duplicateResult": {"matchResults": [{"matchRecords": [
                                          {"record": {"Id": match}}]}]}})
        record_id = f"{PREFIX[sobject]}FAKE{next(self._ids):010d}"
        self.records[sobject][record_id] = {"Id": record_id, "IsConverted": False,
                                            "OwnerId": "005FAKEINTEGRATION", **fields}
        if self.search_lag:
            self._unindexed.add(record_id)
        return record_id

    def _query(self, soql: str) -> dict:
        m = re.match(r"SELECT (.+?) FROM (\w+)(?: WHERE (.+?))?(?: ORDER BY .+?)?(?: LIMIT (\d+))?$",
                     soql.strip())
        if not m or m.group(2) not in self.records:
            raise SalesforceError(400, "MALFORMED_QUERY", f"cannot read: {soql}")
        columns = [c.strip() for c in m.group(1).split(",")]
        predicate = _where(m.group(3)) if m.group(3) else (lambda r: True)
        rows = [r for r in self.records[m.group(2)].values() if predicate(r)]
        rows = rows[:int(m.group(4))] if m.group(4) else rows
        records = [{"attributes": {"type": m.group(2)}, **{c: r.get(c) for c in columns}}
                   for r in rows]
        return {"totalSize": len(records), "done": True, "records": records}


def _search_terms(query: str) -> list[str]:
    """The terms of a FIND {...} joined by OR: quoted phrases or bare words, with
    reserved characters escaped by a backslash (unescaped ones are refused)."""
    terms, pos = [], 0
    while pos < len(query):
        if query[pos] == " ":
            pos += 1
        elif query.startswith("OR ", pos) and terms:
            pos += 3
        elif query[pos] == '"':
            text, pos = [], pos + 1
            while pos < len(query) and query[pos] != '"':
                if query[pos] == "\\":
                    pos += 1
                elif query[pos] in SOSL_RESERVED:
                    raise SalesforceError(400, "MALFORMED_SEARCH",
                                          f"unescaped '{query[pos]}' in the search")
                text.append(query[pos])
                pos += 1
            if pos >= len(query):
                raise SalesforceError(400, "MALFORMED_SEARCH", "unterminated phrase")
            terms.append("".join(text))
            pos += 1
        else:
            end = query.find(" ", pos)
            word = query[pos:end if end >= 0 else len(query)]
            if set(word) & SOSL_RESERVED:
                raise SalesforceError(400, "MALFORMED_SEARCH", f"unescaped characters in {word}")
            terms.append(word)
            pos += len(word)
    if not terms or any(len(t) < 2 for t in terms):
        raise SalesforceError(400, "MALFORMED_SEARCH",
                              "search terms must be at least 2 characters long")
    return terms


def _top_level_split(text: str) -> list[str]:
    """'A(x, y), B(z)' -> ['A(x, y)', ' B(z)']: commas outside parentheses."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return parts + [text[start:]]


_TOKEN = re.compile(r"\s*(?:('(?:\\.|[^'\\])*')|(\()|(\))|(,)|(=|LIKE\b|IN\b|AND\b|OR\b)"
                    r"|(true|false)\b|(\w+))")


def _where(clause: str):
    """A predicate for a SOQL WHERE clause: =, LIKE, IN, AND, OR and parentheses."""
    tokens, pos = [], 0
    while pos < len(clause.rstrip()):
        m = _TOKEN.match(clause, pos)
        if not m or m.end() == pos:
            raise SalesforceError(400, "MALFORMED_QUERY", f"unexpected token at: {clause[pos:]}")
        literal, lpar, rpar, comma, word, boolean, ident = m.groups()
        if literal is not None:
            tokens.append(("lit", re.sub(r"\\(.)", lambda e: {"n": "\n", "t": "\t"}.get(
                e.group(1), e.group(1)), literal[1:-1])))
        elif boolean:
            tokens.append(("lit", boolean == "true"))
        else:
            tokens.append(("op", lpar or rpar or comma or word or ident))
        pos = m.end()
    tokens.append(("end", None))
    i = 0

    def peek():
        return tokens[i]

    def take(expected=None):
        nonlocal i
        token = tokens[i]
        if expected and token[1] != expected:
            raise SalesforceError(400, "MALFORMED_QUERY", f"expected {expected}, got {token[1]}")
        i += 1
        return token

    def or_expr():
        parts = [and_expr()]
        while peek()[1] == "OR":
            take()
            parts.append(and_expr())
        return lambda r: any(p(r) for p in parts)

    def and_expr():
        parts = [atom()]
        while peek()[1] == "AND":
            take()
            parts.append(atom())
        return lambda r: all(p(r) for p in parts)

    def atom():
        if peek()[1] == "(":
            take("(")
            inner = or_expr()
            take(")")
            return inner
        name = take()[1]
        op = take()[1]
        if op == "IN":
            take("(")
            values = [take()[1]]
            while peek()[1] == ",":
                take()
                values.append(take()[1])
            take(")")
            wanted = {str(v).lower() for v in values}
            return lambda r: str(r.get(name) or "").lower() in wanted
        value = take()[1]
        return lambda r: _holds(r, name, op, value)

    predicate = or_expr()
    if peek()[0] != "end":
        raise SalesforceError(400, "MALFORMED_QUERY", f"cannot read: {clause}")
    return predicate


def _holds(record: dict, name: str, op: str, value: Any) -> bool:
    actual = record.get(name)
    if isinstance(value, bool):
        return bool(actual) == value
    if op == "=":
        return str(actual or "").lower() == str(value).lower()  # SOQL compares text without case
    inner = value[1:-1]
    if value.startswith("%") and value.endswith("%") and not set("%_") & set(inner):
        return inner.lower() in str(actual or "").lower()  # the common '%text%': no regex
    pattern = "^" + re.escape(value).replace("%", ".*").replace("_", ".") + "$"
    return re.match(pattern, str(actual or ""), re.IGNORECASE | re.DOTALL) is not None


def _resolve(value: Any, refs: dict, ref: str) -> Any:
    """@{refLead.id} -> the id a previous subrequest returned."""
    if isinstance(value, dict):
        return {k: _resolve(v, refs, ref) for k, v in value.items()}
    if isinstance(value, str) and "@{" in value:
        def lookup(m):
            name, _, attr = m.group(1).partition(".")
            answer = refs.get(name)
            if not isinstance(answer, dict) or attr not in answer:
                raise SalesforceError(400, "PROCESSING_HALTED",
                                      f"Invalid reference specified. No value for {m.group(1)} "
                                      f"found in {name}.")
            return str(answer[attr])
        return re.sub(r"@\{([^}]+)\}", lookup, value)
    return value


def _xml(root: str, **children: Any) -> bytes:
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in children.items())
    return (f'<?xml version="1.0" encoding="UTF-8"?><{root} xmlns="{NS}">{inner}</{root}>'
            ).encode()


def _send_raw(h: BaseHTTPRequestHandler, status: int, content_type: str, payload: bytes) -> None:
    h.send_response(status)
    h.send_header("Content-Type", content_type)
    h.send_header("Content-Length", str(len(payload)))
    h.end_headers()
    h.wfile.write(payload)


def _send(h: BaseHTTPRequestHandler, status: int, body: Any,
          headers: dict[str, str] | None = None) -> None:
    payload = b"" if body is None else json.dumps(body).encode()
    h.send_response(status)
    h.send_header("Content-Type", "application/json;charset=UTF-8")
    for name, value in (headers or {}).items():
        h.send_header(name, value)
    h.send_header("Content-Length", str(len(payload)))
    h.end_headers()
    h.wfile.write(payload)
