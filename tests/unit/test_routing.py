import pytest

from connector.domain.lead import Lead
from connector.domain.routing import Routing, Target
from connector.domain.scoring import JUNK, Verdict
from connector.rulebook import Rulebook
from connector.settings import PROJECT_ROOT

SF, MC, HOOK = Target("salesforce", "lead"), Target("mailchimp", "member"), Target("webhook", "lead")
DEFAULT = Rulebook.load(PROJECT_ROOT / "mappings").routing


def verdict(temperature: str, category: str = "prospect") -> Verdict:
    return Verdict(score=0, temperature=temperature, category=category, dimensions={},
                   reasons=(), lifecycle="new", data_quality=0, form_kind=None)


@pytest.mark.parametrize("temperature, category, targets", [
    ("hot", "prospect", (SF, MC)),
    ("warm", "prospect", (SF, MC)),
    ("cold", "prospect", (MC,)),
    ("hot", "customer", (SF, MC)),
    ("cold", "customer", (SF,)),
] + [("cold", junk, ()) for junk in JUNK] + [("hot", junk, ()) for junk in JUNK])
def test_default_routing_by_temperature_and_category(temperature, category, targets):
    assert DEFAULT.route(Lead("cf7", email="a@b.si"), verdict(temperature, category)) == targets


def test_nurture_needs_an_email_address():
    assert DEFAULT.route(Lead("cf7", phone="041 123 456"), verdict("warm")) == (SF,)


def test_junk_never_reaches_salesforce_or_mailchimp_even_if_a_rule_says_so():
    careless = Routing.from_dict({"rules": [
        {"deliver": ["salesforce:lead", "mailchimp:member", "webhook:lead"]}]}, "routing.yaml")
    assert careless.route(Lead("cf7", email="a@b.si"), verdict("hot", "job_seeker")) == (HOOK,)
    assert careless.route(Lead("cf7", email="a@b.si"), verdict("hot")) == (SF, MC, HOOK)


def test_form_and_field_conditions_still_work():
    routing = Routing.from_dict({"rules": [
        {"when": {"form": ["Demo", "12"], "has": ["phone"]}, "deliver": ["webhook:lead"]}]}, "r")
    assert routing.route(Lead("cf7", form_id="12", phone="1"), verdict("cold")) == (HOOK,)
    assert routing.route(Lead("cf7", form_name="demo"), verdict("cold")) == ()


@pytest.mark.parametrize("rules, message", [
    ({"rules": [{"deliver": ["hubspot:lead"]}]}, "unknown destination 'hubspot'"),
    ({"rules": [{"deliver": ["salesforce:task"]}]}, "salesforce has no action 'task'"),
    ({"rules": [{"when": {"score": 50}, "deliver": ["salesforce:lead"]}]},
     "unknown conditions score"),
    ({"rules": [{"when": {"temperature": "boiling"}, "deliver": ["salesforce:lead"]}]},
     "unknown boiling"),
    ({"rules": [{"when": {"category": ["lead"]}, "deliver": ["salesforce:lead"]}]},
     "unknown lead"),
    ({"rules": [{"when": {}}]}, "'deliver' must list"),
    ({}, "needs a 'rules' list"),
])
def test_bad_routing_files_say_what_is_wrong(rules, message):
    with pytest.raises(ValueError, match=message):
        Routing.from_dict(rules, "routing.yaml")
