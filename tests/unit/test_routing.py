import pytest

from connector.domain.lead import Lead
from connector.domain.routing import Routing, Target

ROUTING = Routing.from_dict({"rules": [
    {"when": {"has": ["phone"]}, "deliver": ["salesforce:lead"]},
    {"when": {"has": ["email"]}, "deliver": ["mailchimp:member"]},
    {"when": {"form": ["Demo", "12"]}, "deliver": ["salesforce:lead", "webhook:lead"]},
]}, "routing.yaml")


def test_every_matching_rule_adds_its_targets_once_in_order():
    lead = Lead("cf7", form_name="demo", email="a@b.si", phone="1")
    assert ROUTING.route(lead) == (Target("salesforce", "lead"), Target("mailchimp", "member"),
                                   Target("webhook", "lead"))


def test_form_id_matches_too():
    assert ROUTING.route(Lead("cf7", form_id="12")) == (Target("salesforce", "lead"),
                                                        Target("webhook", "lead"))


def test_nothing_matches_nothing_is_owed():
    assert ROUTING.route(Lead("cf7")) == ()


@pytest.mark.parametrize("rules, message", [
    ({"rules": [{"deliver": ["hubspot:lead"]}]}, "unknown destination 'hubspot'"),
    ({"rules": [{"deliver": ["salesforce:task"]}]}, "salesforce has no action 'task'"),
    ({"rules": [{"when": {"temperature": "hot"}, "deliver": ["salesforce:lead"]}]},
     "unknown conditions temperature"),
    ({"rules": [{"when": {}}]}, "'deliver' must list"),
    ({}, "needs a 'rules' list"),
])
def test_bad_routing_files_say_what_is_wrong(rules, message):
    with pytest.raises(ValueError, match=message):
        Routing.from_dict(rules, "routing.yaml")
