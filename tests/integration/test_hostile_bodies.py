"""Whatever arrives — random, truncated, malformed, mislabelled, wrongly encoded — the
answer is a lead (200) or a 422 naming the problem; never a 5xx, never half a write."""
from __future__ import annotations

import json
import os
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from sqlalchemy import func, select

from connector.app import create_app
from connector.intake import ROUTES
from connector.runtime import Runtime
from connector.settings import PROJECT_ROOT, Settings
from connector.store.models import DeliveryRow, LeadRow, SubmissionRow
from tests.conftest import TOKEN
from tests.samples import load, names, request_for

SAMPLE_BODIES = [request_for(load(n))[3] for n in names()]
CONTENT_TYPES = ["application/json", "application/json; charset=UTF-8",
                 "application/x-www-form-urlencoded",
                 "application/x-www-form-urlencoded; charset=utf-8", "text/plain; charset=UTF-8",
                 "text/plain", "multipart/form-data; boundary=x", "application/xml", "",
                 "application/json; charset=ISO-8859-2", "application/json; charset=nope",
                 "text/html; charset=utf-16", "application/vnd.api+json"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                 max_size=6),
    max_leaves=20)
field_names = st.sampled_from(["email", "your-email", "name", "phone", "1.3", "2", "fields",
                               "__submission", "form_id", "names[first_name]", "checkbox[0]",
                               "email_1", "fields[email][value]", "a[b", "[]", "x"]) | st.text()
form_bodies = st.dictionaries(field_names, st.text(), max_size=6).map(
    lambda d: urlencode(d).encode())
bodies = st.one_of(
    st.binary(max_size=300),
    st.sampled_from(SAMPLE_BODIES).flatmap(
        lambda b: st.integers(0, len(b)).map(lambda k: b[:k])),          # truncated
    st.sampled_from(SAMPLE_BODIES).flatmap(
        lambda b: st.sampled_from(["utf-16", "latin-1", "cp1250"]).map(
            lambda enc: b.decode("utf-8").encode(enc, errors="replace"))),  # wrong encoding
    json_values.map(lambda v: json.dumps(v).encode()),
    json_values.map(lambda v: json.dumps(v, ensure_ascii=False).encode("utf-16")),
    form_bodies,
)


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    settings = Settings(data_dir=tmp, database_url=f"sqlite:///{tmp / 'h.db'}",
                        webhook_token=TOKEN, mappings_dir=PROJECT_ROOT / "mappings",
                        duplicate_window_seconds=0)
    runtime = Runtime.start(settings)
    yield create_app(settings, runtime=runtime).test_client(), runtime
    runtime.close()


def counts(runtime) -> dict[str, int]:
    with runtime.db.transaction() as s:
        rows = dict(s.execute(select(SubmissionRow.status, func.count())
                              .group_by(SubmissionRow.status)).all())
        rows["leads"] = s.scalar(select(func.count()).select_from(LeadRow))
        rows["deliveries"] = s.scalar(select(func.count()).select_from(DeliveryRow))
        return rows


@hsettings(max_examples=int(os.environ.get("HOSTILE_EXAMPLES", "1000")), deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(route=st.sampled_from(ROUTES), content_type=st.sampled_from(CONTENT_TYPES),
       body=bodies, method=st.sampled_from(["POST", "POST", "GET"]),
       query=st.sampled_from(["", "form=Kontakt", "email=a%40b.si&tags[0]=x", "%ff%fe=1", "a[=b"]),
       hook_test=st.booleans())
def test_hostile_bodies_get_a_lead_or_a_422_naming_the_problem(
        hostile_app, route, content_type, body, method, query, hook_test):
    client, runtime = hostile_app
    before = counts(runtime)
    headers = {"Content-Type": content_type} if content_type else {}
    if hook_test:
        headers["X-Hook-Test"] = "true"

    resp = client.open(f"/hooks/{route}?token={TOKEN}&{query}", method=method,
                       data=body if method == "POST" else None, headers=headers)

    after = counts(runtime)
    grew = {k: after.get(k, 0) - before.get(k, 0) for k in set(after) | set(before)}
    grew = {k: v for k, v in grew.items() if v}
    assert resp.status_code in (200, 422), (resp.status_code, resp.get_data()[:200])
    if resp.status_code == 422:
        assert isinstance(resp.json["error"], str) and len(resp.json["error"]) > 10
        assert grew == {"unparsed": 1}
    elif resp.json.get("test"):
        assert grew == {"test": 1}
    elif resp.json.get("duplicate"):  # a sample's entry id seen before
        assert grew == {"duplicate": 1}
    else:
        assert grew.get("accepted") == 1 and grew.get("leads") == 1
        assert set(grew) <= {"accepted", "leads", "deliveries"}


DEEP = "[" * 100_000


@pytest.mark.parametrize("route, content_type, body", [
    ("generic", "application/json", DEEP),
    ("cf7", "text/plain; charset=UTF-8", '{"a": "' + DEEP),
    ("cf7", "text/plain; charset=UTF-8", '{"a": ' * 50_000),
    ("ninjaforms", "application/x-www-form-urlencoded", urlencode({"json": '{"a":' + DEEP})),
    ("gravityforms", "application/x-www-form-urlencoded", urlencode(
        {"form_id": "1", "date_created": "2026-06-14 10:42:17", "2": DEEP + "]",
         "3": "a@b.si"})),
    ("generic", "application/x-www-form-urlencoded", "email=a%40b.si&a" + "[x]" * 5000 + "=1"),
])
def test_bodies_nested_beyond_reason_are_never_a_5xx(hostile_app, route, content_type, body):
    # Reading JSON or PHP brackets takes a stack frame a level: RecursionError, not a 422.
    client, runtime = hostile_app

    resp = client.post(f"/hooks/{route}?token={TOKEN}", data=body.encode(),
                       headers={"Content-Type": content_type})

    assert resp.status_code in (200, 422), resp.get_data()[:200]
